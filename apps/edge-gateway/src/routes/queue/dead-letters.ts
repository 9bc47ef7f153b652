import type { Context } from "hono";
import { z } from "zod";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";
import { readJson } from "../../http/json-body.ts";
import { isRefusal } from "../../queue/answers.ts";
import { refusalError, requireJobQueue } from "./job-stub.ts";

/** `GET /v1/jobs/:id/dead-letters?cursor=`: a page of dead letters, oldest first. */
export async function listDeadLetters(c: Context<HonoEnv>): Promise<Response> {
  const cursor = c.req.query("cursor");
  if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) {
    throw apiError("INVALID_REQUEST", "cursor must be the `next` value of a previous page.", 400);
  }
  const page = await requireJobQueue(c.env, c.req.param("id")).deadLetters(cursor ?? null);
  if (isRefusal(page)) throw refusalError(page);
  const items = page.items.map((item) => ({ ...item, user: parseStoredUser(item.user) }));
  return c.json({ items, next: page.next });
}

export const replayBodySchema = z
  .strictObject({ ids: z.array(z.number().int().positive()).min(1).max(10_000) })
  .partial();

/** `POST /v1/jobs/:id/dead-letters/replay`: all dead letters, or `{ ids }`, back into the queue. */
export async function replayDeadLetters(c: Context<HonoEnv>): Promise<Response> {
  const stub = requireJobQueue(c.env, c.req.param("id"));
  // Hono caches the body, so readJson can read it again after this emptiness check.
  const text = await c.req.text();
  const body = text.trim() === "" ? {} : await readJson(c, replayBodySchema, "INVALID_REQUEST");
  const report = await stub.replayDeadLetters(body.ids ?? null);
  if (isRefusal(report)) throw refusalError(report);
  return c.json(report);
}

/** `DELETE /v1/jobs/:id/dead-letters`: forgets every dead letter of the job. */
export async function clearDeadLetters(c: Context<HonoEnv>): Promise<Response> {
  const result = await requireJobQueue(c.env, c.req.param("id")).clearDeadLetters();
  if (isRefusal(result)) throw refusalError(result);
  return c.json(result);
}

function parseStoredUser(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
