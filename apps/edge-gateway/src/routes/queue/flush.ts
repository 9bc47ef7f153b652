import type { Context } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { isRefusal } from "../../queue/answers.ts";
import { refusalError, requireJobQueue } from "./job-stub.ts";

/**
 * `POST /v1/jobs/:id/flush`: sends every queued user now. A Responsys failure is not an HTTP
 * error here: the answer reports it, the users stay queued and the job's backoff retries them.
 */
export async function flushNow(c: Context<HonoEnv>): Promise<Response> {
  const report = await requireJobQueue(c.env, c.req.param("id")).flush();
  if (isRefusal(report)) throw refusalError(report);
  return c.json(report);
}
