import type { Database } from "../../db/database.ts";
import { findJob } from "../../db/jobs.ts";
import type { JobRow } from "../../db/schema.ts";
import { apiError } from "../../http/errors.ts";

/** The job `id`, or 404 JOB_NOT_FOUND. */
export async function requireJob(db: Database, id: string): Promise<JobRow> {
  const row = await findJob(db, id);
  if (row === undefined) throw apiError("JOB_NOT_FOUND", `There is no job ${id}.`, 404);
  return row;
}
