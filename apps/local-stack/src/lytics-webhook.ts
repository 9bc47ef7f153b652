import { createHash } from "node:crypto";
import type { DemoUser } from "./demo-users.ts";

/** The segment id Lytics would give an audience: 32 hex characters, stable per slug here. */
export function segmentId(slug: string): string {
  return createHash("md5").update(`segment:${slug}`).digest("hex");
}

const SUBSCRIPTION_ID = createHash("md5").update("local-stack-subscription").digest("hex");

/** RFC 3339 UTC with nanoseconds, as Lytics writes event times. */
export function lyticsTime(ms: number, extraNanos = 0): string {
  const iso = new Date(ms).toISOString(); // …T12:00:00.123Z
  return `${iso.slice(0, -1)}${String(extraNanos % 1_000_000).padStart(6, "0")}Z`;
}

/**
 * One audience trigger in the Lytics default format (lytics-formats.md §1.1):
 * `{ id, data: { user fields, _segments, segment_events: [{ id, event, slug, enter|exit }] }, meta }`.
 */
export function audienceWebhook(
  user: DemoUser,
  slug: string,
  event: "enter" | "exit",
  atMs: number,
  segments: string[],
) {
  const time = lyticsTime(atMs, user.index * 977);
  return {
    id: user.lyticsId,
    data: {
      email: user.email,
      first_name: user.firstName,
      last_name: user.lastName,
      rs_user_id: user.riid,
      _segments: segments,
      segment_events: [{ id: segmentId(slug), event, slug, [event]: time }],
    },
    meta: { object: "user", subscription_id: SUBSCRIPTION_ID, timestamp: time },
  };
}
