import { audienceEventFor, isEmailShaped, normalizeEmail, type WebhookUser } from "@responsys-bridge/core";
import { fieldText, identifierValue, MAX_VALUE_LENGTH } from "../queue/queued-user.ts";
import type { CampaignJob } from "./campaign-job.ts";

/** One audience event of a campaign job: enters trigger (once per entry), exits end an entry. */
export interface CampaignEvent {
  kind: "enter" | "exit";
  /** Canonical event time (see parseEventTime). */
  at: string;
}

/** Who a trigger goes to, with only what the trigger sends. */
export interface CampaignRecipient {
  /** The ledger key: the normalised email, as Responsys matches it. */
  key: string;
  email: string;
  /** Lytics field (from additionalFields) → text value, sent as the trigger's optionalData. */
  fields: Record<string, string>;
  profileId: string | null;
}

export type IgnoredCode = "NO_AUDIENCE_EVENT" | "MISSING_IDENTIFIER" | "INVALID_IDENTIFIER";

export type CampaignProjection =
  | { kind: "events"; recipient: CampaignRecipient; events: CampaignEvent[] }
  | {
      kind: "ignored";
      code: IgnoredCode;
      reason: string /** An enter a person should see. */;
      deadLetter: boolean;
    };

/**
 * The job audience's enters and exits in one webhook user, oldest first. Every exit is kept (it
 * ends an entry); of the enters only the latest, since earlier ones in the same payload are
 * history that the exits in between already closed. Without a segment event for the audience,
 * membership comes from `_segments` as for Export Audience; `change` events say nothing here.
 */
export function campaignEvents(job: CampaignJob, user: WebhookUser, receivedAt: string): CampaignEvent[] {
  const fallback = user.sentAt ?? receivedAt;
  const matching = (user.data.segment_events ?? []).filter(
    (event) => event.slug === job.audience || event.id === job.audience,
  );
  let events: CampaignEvent[];
  if (matching.length === 0) {
    const membership = audienceEventFor(user, job.audience, receivedAt);
    events =
      membership === null || membership.event === "change"
        ? []
        : [{ kind: membership.event, at: membership.at }];
  } else {
    events = [];
    for (const event of matching) {
      if (event.event === "enter") events.push({ kind: "enter", at: event.enter ?? fallback });
      else if (event.event === "exit") events.push({ kind: "exit", at: event.exit ?? fallback });
    }
  }
  events.sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : a.kind === b.kind ? 0 : a.kind === "exit" ? 1 : -1,
  );
  const lastEnter = events.findLastIndex((event) => event.kind === "enter");
  return events.filter((event, index) => event.kind === "exit" || index === lastEnter);
}

/**
 * Turns one webhook user into the events and recipient a campaign job takes, or says why the user
 * is ignored. `receivedAt` (canonical) times events that carry no timestamp.
 */
export function projectCampaignUser(
  job: CampaignJob,
  user: WebhookUser,
  receivedAt: string,
): CampaignProjection {
  const events = campaignEvents(job, user, receivedAt);
  if (events.length === 0) {
    return {
      kind: "ignored",
      code: "NO_AUDIENCE_EVENT",
      reason: `The payload has no enter or exit and no _segments for audience ${job.audience}.`,
      deadLetter: false,
    };
  }
  // An exit that cannot be matched to anyone changes nothing; an enter that cannot be sent is shown.
  const deadLetter = events.some((event) => event.kind === "enter");
  const email = identifierValue("EMAIL_ADDRESS_", user.data[job.emailField]);
  if (email === "") {
    return {
      kind: "ignored",
      code: "MISSING_IDENTIFIER",
      reason: `The user has no value in the email field ${job.emailField}.`,
      deadLetter,
    };
  }
  if (email.length > MAX_VALUE_LENGTH || !isEmailShaped(email)) {
    return {
      kind: "ignored",
      code: "INVALID_IDENTIFIER",
      reason: `The value of ${job.emailField} is not an email address Responsys could take.`,
      deadLetter,
    };
  }
  const fields: Record<string, string> = {};
  for (const field of job.additionalFields ?? []) fields[field] = fieldText(user.data[field]);
  const key = normalizeEmail(email);
  return { kind: "events", recipient: { key, email: key, fields, profileId: user.profileId }, events };
}

const RETAINED_EVENTS = 50;
const RETAINED_ITEMS = 20;

/**
 * What a dead letter keeps of a webhook user that could not be taken: the email and additional
 * fields and the audience's events, enough to replay it, never the whole profile. The shape is the
 * queue's stored webhook user, so the dead-letter routes read it like any other.
 */
export function retainedCampaignUser(job: CampaignJob, user: WebhookUser): WebhookUser {
  const data: WebhookUser["data"] = {};
  for (const field of [job.emailField, ...(job.additionalFields ?? [])]) {
    const value = user.data[field];
    if (value === undefined) continue;
    // Identifier sets stay arrays (a replay reads their first entry); anything else is bounded text.
    data[field] = Array.isArray(value) ? value.slice(0, RETAINED_ITEMS) : fieldText(value);
  }
  const events = user.data.segment_events?.filter(
    (event) => event.slug === job.audience || event.id === job.audience,
  );
  if (events !== undefined) data.segment_events = events.slice(-RETAINED_EVENTS);
  const segments = user.data._segments?.filter((segment) => segment === job.audience);
  if (segments !== undefined) data._segments = segments;
  return { profileId: user.profileId, sentAt: user.sentAt, data };
}
