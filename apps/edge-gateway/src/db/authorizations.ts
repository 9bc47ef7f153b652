import { count, desc, eq } from "drizzle-orm";
import type { Database } from "./database.ts";
import { type AuthorizationRow, authorizations, jobs } from "./schema.ts";

/** Stores a new authorization row (password already sealed). */
export async function insertAuthorization(db: Database, row: AuthorizationRow): Promise<void> {
  await db.insert(authorizations).values(row);
}

/** Every authorization, newest first. */
export function listAuthorizations(db: Database): Promise<AuthorizationRow[]> {
  return db.select().from(authorizations).orderBy(desc(authorizations.createdAt), desc(authorizations.id));
}

/** One authorization, or undefined. */
export async function findAuthorization(db: Database, id: string): Promise<AuthorizationRow | undefined> {
  const [row] = await db.select().from(authorizations).where(eq(authorizations.id, id)).limit(1);
  return row;
}

/** How many jobs send through this authorization. */
export async function countJobsUsing(db: Database, authorizationId: string): Promise<number> {
  const [row] = await db
    .select({ jobs: count() })
    .from(jobs)
    .where(eq(jobs.authorizationId, authorizationId));
  return row?.jobs ?? 0;
}

/**
 * Deletes the authorization unless a job uses it, in one statement so a job created meanwhile
 * cannot be orphaned. Returns what happened.
 */
export async function deleteUnusedAuthorization(
  db: Database,
  id: string,
): Promise<"deleted" | "in_use" | "not_found"> {
  const jobsUsing = await countJobsUsing(db, id);
  if (jobsUsing > 0) return "in_use";
  // The foreign key of jobs.authorization_id makes the delete fail if a job appeared since.
  const deleted = await db
    .delete(authorizations)
    .where(eq(authorizations.id, id))
    .returning({ id: authorizations.id });
  return deleted.length > 0 ? "deleted" : "not_found";
}
