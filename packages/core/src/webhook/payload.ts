import { z } from "zod";
import { parseEventTime } from "./event-time.ts";

// The bodies Lytics audience-trigger webhooks send (shared/reference/lytics-formats.md §1.1):
// the default `{ id, data, meta }`, a JSON array of those when batching is on, and the
// CloudEvents envelope. Unknown keys are kept: with no Export Fields selected `data` holds every
// user field, and any of them may be mapped.

/** Most items a batched delivery may carry (Lytics' `batch_size` maximum). */
export const MAX_WEBHOOK_BATCH = 1000;

const eventTimeSchema = z.string().transform((value, ctx) => {
  const eventTime = parseEventTime(value);
  if (eventTime === null) {
    ctx.addIssue({ code: "custom", message: "is not an RFC 3339 timestamp" });
    return z.NEVER;
  }
  return eventTime;
});

export const segmentEventSchema = z.looseObject({
  id: z.string().nullish(),
  slug: z.string().nullish(),
  event: z.enum(["enter", "exit", "change"]),
  enter: eventTimeSchema.nullish(),
  exit: eventTimeSchema.nullish(),
});
export type SegmentEvent = z.infer<typeof segmentEventSchema>;

/** A user profile as Lytics sends it in `data`: whatever fields it has, plus the two audience fields we read. */
export const userDataSchema = z.looseObject({
  segment_events: z.array(segmentEventSchema).nullish(),
  _segments: z.array(z.string()).nullish(),
});
export type UserData = z.infer<typeof userDataSchema>;

const profileIdSchema = z.union([z.string(), z.number().transform(String)]).nullish();

export const lyticsEventSchema = z.looseObject({
  id: profileIdSchema,
  data: userDataSchema,
  meta: z.looseObject({ timestamp: eventTimeSchema.nullish() }).nullish(),
});

export const cloudEventSchema = z.looseObject({
  specversion: z.string().regex(/^1\.\d+$/, "must be a CloudEvents 1.x version"),
  // Lytics lets users override `type` and `source`, so any non-empty type is taken.
  type: z.string().min(1),
  id: profileIdSchema,
  time: eventTimeSchema.nullish(),
  data: userDataSchema,
});

/** One user out of a webhook body, in the same shape whatever envelope carried it. */
export interface WebhookUser {
  /** Lytics' top-level `id` in the default format (the CloudEvents `id` names the event, not the user). */
  profileId: string | null;
  data: UserData;
  /** When Lytics built the message (`meta.timestamp` or CloudEvents `time`), canonical. */
  sentAt: string | null;
}

export type WebhookParseResult =
  | { ok: true; users: WebhookUser[] }
  | { ok: false; reason: string; index: number | null };

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return "is not a valid webhook item";
  const path = issue.path.map((part) => (typeof part === "number" ? `[${part}]` : `.${String(part)}`));
  const where = path.join("").replace(/^\./, "");
  const message = issue.message;
  return where === "" ? message : `${where}: ${message}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads one webhook item (default or CloudEvents form) into a WebhookUser, or says why it cannot. */
export function parseWebhookItem(
  item: unknown,
): { ok: true; user: WebhookUser } | { ok: false; reason: string } {
  if (!isPlainObject(item)) return { ok: false, reason: "item must be a JSON object" };
  if ("specversion" in item) {
    const parsed = cloudEventSchema.safeParse(item);
    if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error) };
    return { ok: true, user: { profileId: null, data: parsed.data.data, sentAt: parsed.data.time ?? null } };
  }
  const parsed = lyticsEventSchema.safeParse(item);
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error) };
  const { id, data, meta } = parsed.data;
  return { ok: true, user: { profileId: id ?? null, data, sentAt: meta?.timestamp ?? null } };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, reason: `body is not valid JSON (${detail})` };
  }
}

/**
 * Parses a webhook body (one item or a batched array) into users. Fails, with the reason and the
 * index of the offending item, only for bodies that could never be accepted.
 */
export function parseWebhookBody(text: string): WebhookParseResult {
  const json = parseJson(text);
  if (!json.ok) return { ok: false, reason: json.reason, index: null };
  const items = Array.isArray(json.value) ? json.value : [json.value];
  if (Array.isArray(json.value)) {
    if (items.length === 0) return { ok: false, reason: "the batch is empty", index: null };
    if (items.length > MAX_WEBHOOK_BATCH) {
      return {
        ok: false,
        reason: `the batch has ${items.length} items; at most ${MAX_WEBHOOK_BATCH} are accepted`,
        index: null,
      };
    }
  } else if (!isPlainObject(json.value)) {
    return { ok: false, reason: "body must be a JSON object or an array of objects", index: null };
  }
  const users: WebhookUser[] = [];
  for (const [index, item] of items.entries()) {
    const parsed = parseWebhookItem(item);
    if (!parsed.ok) return { ok: false, reason: parsed.reason, index };
    users.push(parsed.user);
  }
  return { ok: true, users };
}
