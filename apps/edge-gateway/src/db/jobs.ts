import { desc, eq } from "drizzle-orm";
import type { Database } from "./database.ts";
import { type JobRow, jobs } from "./schema.ts";

/** Stores a new job row. */
export async function insertJob(
  db: Database,
  row: Omit<JobRow, "updatedAt"> & { updatedAt: string },
): Promise<void> {
  await db.insert(jobs).values(row);
}

/** Every job, newest first. */
export function listJobs(db: Database): Promise<JobRow[]> {
  return db.select().from(jobs).orderBy(desc(jobs.createdAt), desc(jobs.id));
}

/** One job, or undefined. */
export async function findJob(db: Database, id: string): Promise<JobRow | undefined> {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id)).limit(1);
  return row;
}

/** Replaces the editable parts of a job row. */
export async function updateJob(
  db: Database,
  id: string,
  changes: Pick<JobRow, "definition" | "paused" | "updatedAt">,
): Promise<void> {
  await db.update(jobs).set(changes).where(eq(jobs.id, id));
}

/** Removes a job row; true when there was one. */
export async function deleteJob(db: Database, id: string): Promise<boolean> {
  const deleted = await db.delete(jobs).where(eq(jobs.id, id)).returning({ id: jobs.id });
  return deleted.length > 0;
}
