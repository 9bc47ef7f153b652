import type { SegmentEvent, WebhookUser } from "./payload.ts";

export type AudienceEventKind = "enter" | "exit" | "change";

/** What a webhook says about one user and one audience, and when (canonical event time). */
export interface AudienceEvent {
  event: AudienceEventKind;
  at: string;
}

function matches(event: SegmentEvent, audience: string): boolean {
  return event.slug === audience || event.id === audience;
}

function timeOf(event: SegmentEvent, fallback: string): string {
  // A `change` event (Fields to Trigger) carries no timestamp of its own.
  const own = event.event === "enter" ? event.enter : event.event === "exit" ? event.exit : null;
  return own ?? fallback;
}

/**
 * The user's event for `audience` (matched on segment event slug or id; the latest by event time
 * wins), else membership read from `_segments` timed by the message time. Null when the payload
 * says nothing about the audience. `receivedAt` (canonical) stands in for missing timestamps.
 */
export function audienceEventFor(
  user: WebhookUser,
  audience: string,
  receivedAt: string,
): AudienceEvent | null {
  const fallback = user.sentAt ?? receivedAt;
  let latest: AudienceEvent | null = null;
  for (const event of user.data.segment_events ?? []) {
    if (!matches(event, audience)) continue;
    const at = timeOf(event, fallback);
    if (latest === null || at >= latest.at) latest = { event: event.event, at };
  }
  if (latest !== null) return latest;
  const segments = user.data._segments;
  if (segments === null || segments === undefined) return null;
  return { event: segments.includes(audience) ? "enter" : "exit", at: fallback };
}

/** Whether the user is in `audience` now, per its events and `_segments`; null when unknown. */
export function isMemberOf(user: WebhookUser, audience: string, receivedAt: string): boolean | null {
  const event = audienceEventFor(user, audience, receivedAt);
  return event === null ? null : event.event !== "exit";
}
