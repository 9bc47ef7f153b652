import type { Context } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";
import { presentedSecret } from "../../queue/webhook-secret.ts";
import { jobQueueFor, refusalError } from "../queue/job-stub.ts";
import { isJsonMediaType, readLimitedText } from "./request-body.ts";

/**
 * `POST /v1/hooks/:jobId`: checks size and media type here, then hands the raw body and the
 * presented secret to the job's Durable Object, which authenticates, parses and stores it. The
 * 202 is sent only after the object answered, so accepted users are durable (output gate).
 */
export async function receiveWebhook(c: Context<HonoEnv>): Promise<Response> {
  const stub = jobQueueFor(c.env, c.req.param("jobId"));
  if (stub === null) throw apiError("JOB_NOT_FOUND", "No job has this id.", 404);
  if (!isJsonMediaType(c.req.header("content-type") ?? null)) {
    throw apiError(
      "UNSUPPORTED_MEDIA_TYPE",
      "Webhook bodies must be JSON (Content-Type: application/json).",
      415,
    );
  }
  const body = await readLimitedText(c.req.raw);
  const answer = await stub.receive({
    secret: presentedSecret(c.req.raw.headers),
    body,
    maxQueuedUsers: c.get("config").maxQueuedUsers,
  });
  if (!answer.ok) throw refusalError(answer);
  return c.json({ accepted: answer.accepted, duplicates: answer.duplicates, ignored: answer.ignored }, 202);
}
