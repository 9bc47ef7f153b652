import type { Context } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";
import { requireJobQueue } from "./job-stub.ts";

/** `GET /v1/jobs/:id/status`: queue depth, next flush, totals, last flush and last error. */
export async function getStatus(c: Context<HonoEnv>): Promise<Response> {
  const status = await requireJobQueue(c.env, c.req.param("id")).status();
  if (status === null) throw apiError("JOB_NOT_FOUND", "No job has this id.", 404);
  return c.json(status);
}
