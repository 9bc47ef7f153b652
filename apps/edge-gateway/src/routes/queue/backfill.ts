import type { Context } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";
import { parseBackfillBody } from "../../queue/backfill.ts";
import { isJsonMediaType, readLimitedText } from "../hooks/request-body.ts";
import { refusalError, requireJobQueue } from "./job-stub.ts";

const NDJSON_TYPES = [
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
];

/**
 * `POST /v1/jobs/:id/backfill`: current audience members (a JSON array or NDJSON of user objects
 * shaped like a webhook's `data`) queued as enters. Answers like a webhook: 202 with the counts.
 */
export async function backfill(c: Context<HonoEnv>): Promise<Response> {
  const stub = requireJobQueue(c.env, c.req.param("id"));
  if (!isJsonMediaType(c.req.header("content-type") ?? null, NDJSON_TYPES)) {
    throw apiError("UNSUPPORTED_MEDIA_TYPE", "Backfill bodies must be JSON or NDJSON.", 415);
  }
  const parsed = parseBackfillBody(await readLimitedText(c.req.raw));
  if (!parsed.ok) {
    throw apiError("INVALID_PAYLOAD", `The backfill cannot be accepted: ${parsed.reason}.`, 400, {
      details: { reason: parsed.reason, index: parsed.index },
    });
  }
  const answer = await stub.backfill(parsed.users, c.get("config").maxQueuedUsers);
  if (!answer.ok) throw refusalError(answer);
  return c.json({ accepted: answer.accepted, duplicates: answer.duplicates, ignored: answer.ignored }, 202);
}
