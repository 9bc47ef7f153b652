import { describe, expect, it } from "vitest";
import { audienceEventFor, isMemberOf } from "./audience.ts";
import { MAX_WEBHOOK_BATCH, parseWebhookBody } from "./payload.ts";

// Shapes from the Lytics webhook docs (shared/reference/lytics-formats.md §1.1).
const enterItem = {
  id: "15761203643149024539",
  data: {
    email: "joe@example.com",
    first_name: "Joe",
    segment_events: [
      { id: "a1b2c3", event: "enter", slug: "vip", enter: "2020-10-14T13:27:33.916374949-07:00" },
    ],
  },
  meta: { object: "user", subscription_id: "f".repeat(32), timestamp: "2020-10-14T20:27:34.000000001Z" },
};

const cloudEvent = {
  specversion: "1.0",
  id: "evt-1",
  source: "lytics/job/123",
  type: "com.lytics.audience.user.event",
  datacontenttype: "application/json",
  time: "2021-01-01T00:00:00Z",
  data: { email: "ann@example.com", _segments: ["vip", "all"] },
};

const RECEIVED = "2026-01-01T00:00:00.000000000Z";

describe("parseWebhookBody", () => {
  it("reads the Lytics default format", () => {
    const result = parseWebhookBody(JSON.stringify(enterItem));
    expect(result).toMatchObject({ ok: true });
    if (!result.ok) return;
    expect(result.users).toHaveLength(1);
    const [user] = result.users;
    expect(user?.profileId).toBe("15761203643149024539");
    expect(user?.sentAt).toBe("2020-10-14T20:27:34.000000001Z");
    expect(user?.data.first_name).toBe("Joe");
    expect(user?.data.segment_events?.[0]?.enter).toBe("2020-10-14T20:27:33.916374949Z");
  });

  it("reads a batched array and CloudEvents items", () => {
    const result = parseWebhookBody(JSON.stringify([enterItem, cloudEvent]));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.users.map((u) => u.profileId)).toEqual(["15761203643149024539", null]);
    expect(result.users[1]?.sentAt).toBe("2021-01-01T00:00:00.000000000Z");
  });

  it("accepts a byte-order mark and numeric profile ids", () => {
    const result = parseWebhookBody(`\uFEFF${JSON.stringify({ ...enterItem, id: 42 })}`);
    expect(result.ok && result.users[0]?.profileId).toBe("42");
  });

  it.each([
    ["not json", "{", null, /not valid JSON/],
    ["a string", '"x"', null, /JSON object or an array/],
    ["null", "null", null, /JSON object or an array/],
    ["an empty batch", "[]", null, /empty/],
    ["too many items", JSON.stringify(Array(MAX_WEBHOOK_BATCH + 1).fill(enterItem)), null, /1001 items/],
    ["a non-object item", JSON.stringify([enterItem, 5]), 1, /must be a JSON object/],
    ["no data", JSON.stringify({ id: "1" }), 0, /^data: /],
    ["data of the wrong type", JSON.stringify({ data: [] }), 0, /^data: /],
    ["a bad event kind", JSON.stringify({ data: { segment_events: [{ event: "left" }] } }), 0, /event/],
    [
      "a bad enter time",
      JSON.stringify([enterItem, { data: { segment_events: [{ event: "enter", enter: "yesterday" }] } }]),
      1,
      /data\.segment_events\[0\]\.enter: is not an RFC 3339 timestamp/,
    ],
    ["a bad meta time", JSON.stringify({ data: {}, meta: { timestamp: 5 } }), 0, /meta\.timestamp/],
    ["_segments not strings", JSON.stringify({ data: { _segments: [1] } }), 0, /_segments/],
    ["a CloudEvent without data", JSON.stringify({ ...cloudEvent, data: undefined }), 0, /^data: /],
    ["a CloudEvent of version 2", JSON.stringify({ ...cloudEvent, specversion: "2.0" }), 0, /CloudEvents 1/],
  ])("rejects %s", (_name, body, index, reason) => {
    const result = parseWebhookBody(body);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.index).toBe(index);
    expect(result.reason).toMatch(reason);
  });
});

describe("audienceEventFor", () => {
  const parse = (item: unknown) => {
    const result = parseWebhookBody(JSON.stringify(item));
    if (!result.ok || result.users[0] === undefined) throw new Error("fixture did not parse");
    return result.users[0];
  };

  it("matches on slug or id and takes the event's own time", () => {
    const user = parse(enterItem);
    expect(audienceEventFor(user, "vip", RECEIVED)).toEqual({
      event: "enter",
      at: "2020-10-14T20:27:33.916374949Z",
    });
    expect(audienceEventFor(user, "a1b2c3", RECEIVED)?.event).toBe("enter");
    expect(audienceEventFor(user, "other", RECEIVED)).toBeNull();
  });

  it("takes the latest event by time, not by position", () => {
    const user = parse({
      data: {
        segment_events: [
          { slug: "vip", event: "exit", exit: "2021-01-01T00:00:02Z" },
          { slug: "vip", event: "enter", enter: "2021-01-01T00:00:01+00:00" },
        ],
      },
    });
    expect(audienceEventFor(user, "vip", RECEIVED)).toEqual({
      event: "exit",
      at: "2021-01-01T00:00:02.000000000Z",
    });
  });

  it("falls back to _segments timed by the message, then to the receive time", () => {
    const user = parse(cloudEvent);
    expect(audienceEventFor(user, "vip", RECEIVED)).toEqual({
      event: "enter",
      at: "2021-01-01T00:00:00.000000000Z",
    });
    expect(audienceEventFor(user, "gone", RECEIVED)?.event).toBe("exit");
    const untimed = parse({ data: { _segments: ["vip"] } });
    expect(audienceEventFor(untimed, "vip", RECEIVED)?.at).toBe(RECEIVED);
    expect(isMemberOf(parse({ data: {} }), "vip", RECEIVED)).toBeNull();
  });

  it("times a change event by the message", () => {
    const user = parse({
      data: { segment_events: [{ slug: "vip", event: "change" }] },
      meta: { timestamp: "2022-02-02T02:02:02Z" },
    });
    expect(audienceEventFor(user, "vip", RECEIVED)).toEqual({
      event: "change",
      at: "2022-02-02T02:02:02.000000000Z",
    });
    expect(isMemberOf(user, "vip", RECEIVED)).toBe(true);
  });
});
