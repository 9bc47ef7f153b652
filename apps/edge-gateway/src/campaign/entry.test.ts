import { describe, expect, it } from "vitest";
import { campaignEvents, projectCampaignUser, retainedCampaignUser } from "./entry.ts";
import { audienceEvent, campaignJob, minutesIn } from "./test-kit.ts";

const RECEIVED = "2026-02-02T00:00:00.000000000Z";
const job = campaignJob({ additionalFields: ["first_name", "ltv"] });

describe("campaignEvents", () => {
  const cases: { name: string; events: Record<string, unknown>[]; segments?: string[]; want: string[] }[] = [
    {
      name: "one enter",
      events: [{ slug: "new_signups", event: "enter", enter: minutesIn(1) }],
      want: [`enter@${minutesIn(1)}`],
    },
    {
      name: "matched by segment id too",
      events: [{ id: "new_signups", event: "exit", exit: minutesIn(2) }],
      want: [`exit@${minutesIn(2)}`],
    },
    {
      name: "other audiences and change events say nothing",
      events: [
        { slug: "vip", event: "enter", enter: minutesIn(1) },
        { slug: "new_signups", event: "change" },
      ],
      want: [],
    },
    {
      name: "enter, exit, enter in one payload: every exit, only the latest enter, oldest first",
      events: [
        { slug: "new_signups", event: "enter", enter: minutesIn(5) },
        { slug: "new_signups", event: "exit", exit: minutesIn(3) },
        { slug: "new_signups", event: "enter", enter: minutesIn(1) },
      ],
      want: [`exit@${minutesIn(3)}`, `enter@${minutesIn(5)}`],
    },
    {
      name: "membership from _segments, timed by the message",
      events: [],
      segments: ["new_signups"],
      want: [`enter@${minutesIn(9)}`],
    },
    { name: "not in _segments is an exit", events: [], segments: ["vip"], want: [`exit@${minutesIn(9)}`] },
  ];
  it.each(cases)("$name", ({ events, segments, want }) => {
    const user = {
      profileId: null,
      sentAt: minutesIn(9),
      data: {
        email: "a@x.io",
        segment_events: events as never,
        ...(segments === undefined ? {} : { _segments: segments }),
      },
    };
    expect(campaignEvents(job, user, RECEIVED).map((event) => `${event.kind}@${event.at}`)).toEqual(want);
  });
});

describe("projectCampaignUser", () => {
  it("keys the recipient by the normalised email and keeps additional fields as text", () => {
    const projection = projectCampaignUser(
      job,
      audienceEvent({
        email: ["  Ann@Example.COM ", "other@x.io"],
        first_name: "Zoë",
        ltv: 12.5,
        extra: "dropped",
      }),
      RECEIVED,
    );
    expect(projection).toEqual({
      kind: "events",
      recipient: {
        key: "ann@example.com",
        email: "ann@example.com",
        fields: { first_name: "Zoë", ltv: "12.5" },
        profileId: null,
      },
      events: [{ kind: "enter", at: "2026-01-01T00:00:00.000000000Z" }],
    });
  });

  const ignored: {
    name: string;
    data: Record<string, unknown>;
    event: "enter" | "exit";
    code: string;
    deadLetter: boolean;
  }[] = [
    {
      name: "an enter without email",
      data: { first_name: "A" },
      event: "enter",
      code: "MISSING_IDENTIFIER",
      deadLetter: true,
    },
    {
      name: "an enter with a non-email",
      data: { email: "not an email" },
      event: "enter",
      code: "INVALID_IDENTIFIER",
      deadLetter: true,
    },
    {
      name: "an exit without email (nothing to end)",
      data: {},
      event: "exit",
      code: "MISSING_IDENTIFIER",
      deadLetter: false,
    },
  ];
  it.each(ignored)("ignores $name", ({ data, event, code, deadLetter }) => {
    expect(projectCampaignUser(job, audienceEvent(data, { event }), RECEIVED)).toMatchObject({
      kind: "ignored",
      code,
      deadLetter,
    });
  });

  it("ignores a user with no word about the audience, without a dead letter", () => {
    expect(
      projectCampaignUser(job, audienceEvent({ email: "a@x.io" }, { audience: "vip" }), RECEIVED),
    ).toMatchObject({
      kind: "ignored",
      code: "NO_AUDIENCE_EVENT",
      deadLetter: false,
    });
  });
});

describe("retainedCampaignUser", () => {
  it("keeps the email, the additional fields and the audience's events only", () => {
    const user = audienceEvent({ email: "a@x.io", first_name: "A", secret: "x", big: { nested: true } });
    user.data.segment_events?.push({ slug: "vip", event: "enter", enter: minutesIn(1) });
    const kept = retainedCampaignUser(job, user);
    expect(Object.keys(kept.data).sort()).toEqual(["email", "first_name", "segment_events"]);
    expect(kept.data.segment_events).toHaveLength(1);
  });
});
