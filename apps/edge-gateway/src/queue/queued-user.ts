import {
  audienceEventFor,
  hashEmail,
  isMemberOf,
  normalizeEmail,
  sha256Hex,
  type WebhookUser,
} from "@responsys-bridge/core";
import { z } from "zod";
import type { ExportAudienceJob } from "./export-job.ts";

// Responsys' widest identifier column (EMAIL_ADDRESS_) and its PET text columns are STR500.
export const MAX_VALUE_LENGTH = 500;

/**
 * One user as the queue keeps it: only what a flush sends, so a queued row stays small whatever
 * the webhook carried. Coalesced per `key` (the match column value).
 */
export const queuedUserSchema = z.object({
  key: z.string(),
  event: z.enum(["enter", "exit", "change"]),
  /** Canonical event time (see parseEventTime); the latest one decides the state sent. */
  eventTime: z.string(),
  profileId: z.string().nullable(),
  /** Responsys identifier column → value ("" when the profile has none). */
  identifiers: z.record(z.string(), z.string()),
  /** Lytics field (from additionalFields) → text value. */
  fields: z.record(z.string(), z.string()),
  /** Audience (from audienceMemberships) → member now. */
  memberships: z.record(z.string(), z.boolean()),
  /** How often a person replayed this user from the dead letters. */
  replays: z.number().int().nonnegative().optional(),
});
export type QueuedUser = z.infer<typeof queuedUserSchema>;

export type Projection =
  | { kind: "queued"; user: QueuedUser; eventKey: string }
  | {
      kind: "ignored";
      code: "MISSING_IDENTIFIER" | "INVALID_IDENTIFIER";
      reason: string;
      /** Set when the message names its profile, so a redelivery is a duplicate, not a second dead letter. */
      eventKey: string | null;
    }
  | { kind: "ignored"; code: "NO_AUDIENCE_EVENT"; reason: string };

function scalarText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return String(value);
  return null;
}

function firstScalar(value: unknown): string | null {
  // Lytics identity fields are often sets ([]string): the first usable entry identifies the user.
  // Only one level deep: nested arrays are not identifiers, and recursion would let a crafted
  // payload exhaust the stack.
  if (Array.isArray(value)) {
    for (const item of value) {
      const scalar = scalarText(item);
      if (scalar !== null && scalar.trim() !== "") return scalar;
    }
    return null;
  }
  return scalarText(value);
}

/** JSON text of any value, or null when it cannot be serialised (cycles, absurd nesting). */
function safeJson(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

const HEX_DIGEST = { EMAIL_MD5_HASH_: /^[0-9a-f]{32}$/i, EMAIL_SHA256_HASH_: /^[0-9a-f]{64}$/i } as const;

/** The value of one identifier column for a user, hashed for the `*_HASH_` columns. */
export function identifierValue(column: string, raw: unknown): string {
  const value = firstScalar(raw)?.trim() ?? "";
  if (value === "") return "";
  if (column === "EMAIL_MD5_HASH_" || column === "EMAIL_SHA256_HASH_") {
    // A profile may already hold the digest; hashing it again would never match.
    if (HEX_DIGEST[column].test(value)) return value.toLowerCase();
    return hashEmail(value, column === "EMAIL_MD5_HASH_" ? "md5" : "sha256");
  }
  return value;
}

/** A user field as PET text: scalars as written, sets joined by commas, anything else as JSON. */
export function fieldText(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (typeof value === "string") text = value;
  else if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    text = String(value);
  else if (Array.isArray(value) && value.every((item) => typeof item !== "object" || item === null)) {
    text = value.map((item) => (item === null ? "" : String(item))).join(",");
  } else text = safeJson(value) ?? "";
  return text.length > MAX_VALUE_LENGTH ? text.slice(0, MAX_VALUE_LENGTH) : text;
}

/** Lytics identifiers are at most 256 bytes; anything longer is cut rather than stored whole. */
export function boundedProfileId(profileId: string | null): string | null {
  return profileId === null ? null : profileId.slice(0, 256);
}

/** The coalescing key of an identifier value: emails match case-insensitively in Responsys. */
export function userKey(column: string, value: string): string {
  return column === "EMAIL_ADDRESS_" ? normalizeEmail(value) : value;
}

/**
 * Turns one webhook user into what the queue stores for an Export Audience job, or says why the
 * user is ignored. `receivedAt` (canonical) times events that carry no timestamp.
 */
export function projectUser(job: ExportAudienceJob, user: WebhookUser, receivedAt: string): Projection {
  const event = audienceEventFor(user, job.audience, receivedAt);
  if (event === null) {
    return {
      kind: "ignored",
      code: "NO_AUDIENCE_EVENT",
      reason: `The payload has no segment event and no _segments for audience ${job.audience}.`,
    };
  }
  const identifiers: Record<string, string> = {};
  for (const mapping of job.idMappings) {
    const value = identifierValue(mapping.responsysField, user.data[mapping.lyticsField]);
    // Two mappings onto one column: the first one with a value wins.
    if (identifiers[mapping.responsysField] === undefined || identifiers[mapping.responsysField] === "") {
      identifiers[mapping.responsysField] = value;
    }
  }
  const match = identifiers[job.matchColumn1] ?? "";
  // Without a match value the user has no key; Lytics' profile id, when sent, still tells a
  // redelivery of the same message apart.
  const unusableKey =
    user.profileId === null
      ? null
      : sha256Hex(`profile:${user.profileId}\u0000${job.audience}\u0000${event.event}\u0000${event.at}`);
  if (match === "") {
    return {
      kind: "ignored",
      code: "MISSING_IDENTIFIER",
      reason: `The user has no value for match column ${job.matchColumn1}.`,
      eventKey: unusableKey,
    };
  }
  const tooLong = Object.entries(identifiers).find(([, value]) => value.length > MAX_VALUE_LENGTH);
  if (tooLong !== undefined) {
    return {
      kind: "ignored",
      code: "INVALID_IDENTIFIER",
      reason: `The value for ${tooLong[0]} is ${tooLong[1].length} characters long; Responsys takes at most ${MAX_VALUE_LENGTH}.`,
      eventKey: unusableKey,
    };
  }
  const fields: Record<string, string> = {};
  for (const field of job.additionalFields ?? []) fields[field] = fieldText(user.data[field]);
  const memberships: Record<string, boolean> = {};
  for (const audience of job.audienceMemberships ?? []) {
    // Unknown membership (no event, no _segments) is written as not a member.
    memberships[audience] =
      audience === job.audience ? event.event !== "exit" : (isMemberOf(user, audience, receivedAt) ?? false);
  }
  const key = userKey(job.matchColumn1, match);
  return {
    kind: "queued",
    user: {
      key,
      event: event.event,
      eventTime: event.at,
      profileId: boundedProfileId(user.profileId),
      identifiers,
      fields,
      memberships,
    },
    // Idempotency: one (profile, audience, event, event time) is one event, however often delivered.
    eventKey: sha256Hex(`${key}\u0000${job.audience}\u0000${event.event}\u0000${event.at}`),
  };
}

const MAX_RETAINED_LENGTH = 4 * MAX_VALUE_LENGTH;

// Keeps a retained field small: long strings are cut, large structures become cut text.
function boundedValue(value: unknown): unknown {
  if (typeof value === "string") return value.slice(0, MAX_RETAINED_LENGTH);
  if (typeof value !== "object" || value === null) return value;
  const json = safeJson(value);
  if (json === null) return null;
  return json.length <= MAX_RETAINED_LENGTH ? value : json.slice(0, MAX_RETAINED_LENGTH);
}

/**
 * What a dead letter keeps of a webhook user that could not be queued: the mapped fields and the
 * audience facts, enough to replay it, never the whole profile (which may be megabytes).
 */
export function retainedWebhookUser(job: ExportAudienceJob, user: WebhookUser): WebhookUser {
  const keep = new Set<string>([
    ...job.idMappings.map((m) => m.lyticsField),
    ...(job.additionalFields ?? []),
  ]);
  const audiences = new Set<string>([job.audience, ...(job.audienceMemberships ?? [])]);
  const data: WebhookUser["data"] = {};
  for (const field of keep) {
    const value = user.data[field];
    if (value !== undefined) data[field] = boundedValue(value);
  }
  const events = user.data.segment_events?.filter(
    (event) => audiences.has(event.slug ?? "") || audiences.has(event.id ?? ""),
  );
  // Only the fields that decide membership: Lytics may add keys of any size to an event.
  if (events !== undefined) {
    data.segment_events = events.slice(-50).map((event) => ({
      id: event.id ?? null,
      slug: event.slug ?? null,
      event: event.event,
      enter: event.enter ?? null,
      exit: event.exit ?? null,
    }));
  }
  const segments = user.data._segments?.filter((segment) => audiences.has(segment));
  if (segments !== undefined) data._segments = segments;
  return { profileId: boundedProfileId(user.profileId), sentAt: user.sentAt, data };
}
