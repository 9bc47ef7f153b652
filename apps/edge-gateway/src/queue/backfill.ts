import { type UserData, userDataSchema, type WebhookUser } from "@responsys-bridge/core";

// `POST /v1/jobs/:id/backfill` takes current audience members as a JSON array or NDJSON of user
// objects shaped like a webhook's `data` (SPEC §3.2). Each is taken as an enter.

/** Most users one backfill request may carry; larger sets go in several requests. */
export const MAX_BACKFILL_USERS = 10_000;

export type BackfillParseResult =
  | { ok: true; users: UserData[] }
  | { ok: false; reason: string; index: number | null };

function parseLines(
  text: string,
): { ok: true; values: unknown[] } | { ok: false; reason: string; index: number } {
  const values: unknown[] = [];
  const lines = text.split(/\r?\n/);
  let index = 0;
  for (const line of lines) {
    if (line.trim() === "") continue;
    try {
      values.push(JSON.parse(line));
    } catch {
      return { ok: false, reason: `line ${index + 1} is not valid JSON`, index };
    }
    index += 1;
  }
  return { ok: true, values };
}

/** Reads a backfill body: a JSON array of user objects, or one JSON user object per line. */
export function parseBackfillBody(text: string): BackfillParseResult {
  const trimmed = text.replace(/^\uFEFF/, "").trim();
  if (trimmed === "") return { ok: false, reason: "the body is empty", index: null };
  let values: unknown[];
  if (trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      return { ok: false, reason: "the body is not valid JSON", index: null };
    }
    if (!Array.isArray(parsed))
      return { ok: false, reason: "the body must be an array of users", index: null };
    values = parsed;
  } else {
    const lines = parseLines(trimmed);
    if (!lines.ok) return lines;
    values = lines.values;
  }
  if (values.length === 0) return { ok: false, reason: "the body holds no users", index: null };
  if (values.length > MAX_BACKFILL_USERS) {
    return {
      ok: false,
      reason: `at most ${MAX_BACKFILL_USERS} users per request, got ${values.length}`,
      index: null,
    };
  }
  const users: UserData[] = [];
  for (const [index, value] of values.entries()) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { ok: false, reason: "each user must be a JSON object", index };
    }
    const parsed = userDataSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return {
        ok: false,
        reason: `${issue?.path.join(".") ?? "user"}: ${issue?.message ?? "is not valid"}`,
        index,
      };
    }
    users.push(parsed.data);
  }
  return { ok: true, users };
}

/** A backfilled user as a webhook user entering `audience` at `at` (canonical). */
export function backfillEnter(data: UserData, audience: string, at: string): WebhookUser {
  const events = [...(data.segment_events ?? []), { slug: audience, event: "enter" as const, enter: at }];
  return { profileId: null, sentAt: at, data: { ...data, segment_events: events } };
}
