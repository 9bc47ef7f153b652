import { isBridgeError } from "@responsys-bridge/core";
import { describe, expect, it } from "vitest";
import { mappingText, parseMapping } from "./mapping.ts";
import {
  applyEvent,
  applyEvents,
  eventProfile,
  identityOf,
  mergeProfiles,
  type Profile,
  publicFields,
} from "./profile.ts";

const mapping = parseMapping(`
  SELECT
    id AS id,
    email(email) AS email,
    count(event) AS opens IF eq(event, "OPEN"),
    min(epochms()) AS first_seen,
    max(epochms()) AS last_seen,
    max(score) AS best_score,
    set(tag) AS tags,
    valuect(tag) AS tag_counts,
    map(channel, epochms()) AS last_by_channel,
    map(channel, status) AS status_by_channel,
    name AS name
  FROM test_events INTO user BY id OR email
`);

type Event = Record<string, unknown>;

describe("mappingText", () => {
  it("gives back the text a mapping was parsed from, which parses to a mapping that maps the same", () => {
    const again = parseMapping(mappingText(mapping));
    expect(mappingText(again)).toBe(mappingText(mapping));
    expect(mappingText(mapping)).toContain("INTO user BY id OR email");
    const event = { id: "1", email: "A@B.com", event: "OPEN", tag: "x", _ts: "2026-01-01T00:00:00Z" };
    expect(applyEvent({}, event, again)).toEqual(applyEvent({}, event, mapping));
  });
});

// Five events of one user, listed in time order; tests feed them in other orders.
const EVENTS: Event[] = [
  {
    id: "u1",
    event: "SENT",
    channel: "email",
    status: "sent",
    name: "Ann",
    tag: "b",
    score: "3",
    _ts: "2026-03-01T09:00:00.000Z",
  },
  {
    id: "u1",
    event: "OPEN",
    channel: "email",
    status: "opened",
    name: "Anne",
    tag: "a",
    score: 10,
    _ts: "2026-03-01T10:00:00.000Z",
  },
  {
    id: "u1",
    event: "OPEN",
    channel: "sms",
    status: "delivered",
    tag: "",
    _ts: new Date("2026-03-02T08:00:00.000Z"),
  },
  {
    id: "u1",
    event: "CLICK",
    channel: "email",
    status: "clicked",
    name: "Annie",
    tag: ["c", "a"],
    _ts: "2026-03-03T12:30:00.000Z",
  },
  {
    id: "u1",
    event: "OPEN",
    channel: "sms",
    status: "opened",
    email: "Ann <ANN@Example.com>",
    _ts: "2026-03-04T07:45:00.000Z",
  },
];

function fold(events: readonly Event[], start: Profile = {}): Profile {
  return events.reduce<Profile>((profile, event) => applyEvent(profile, event, mapping), start);
}

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

function failureCode(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isBridgeError(error)) return error.code;
    throw error;
  }
  throw new Error("expected an error");
}

const EXPECTED: Profile = {
  id: "u1",
  email: "ann@example.com",
  opens: 3,
  first_seen: "2026-03-01T09:00:00.000Z",
  last_seen: "2026-03-04T07:45:00.000Z",
  best_score: 10,
  tags: ["a", "b", "c"],
  tag_counts: { a: 2, b: 1, c: 1 },
  last_by_channel: { email: "2026-03-03T12:30:00.000Z", sms: "2026-03-04T07:45:00.000Z" },
  status_by_channel: { email: "clicked", sms: "opened" },
  name: "Annie",
};

describe("merge rules over an event sequence", () => {
  const profile = fold(EVENTS);

  it("gives every field its rule's value", () => {
    expect(publicFields(profile)).toEqual(EXPECTED);
  });

  it("int counters sum the events that pass the IF", () => expect(profile.opens).toBe(3));
  it("dates take the min and the max, as ISO 8601 UTC with milliseconds", () => {
    expect([profile.first_seen, profile.last_seen]).toEqual([
      "2026-03-01T09:00:00.000Z",
      "2026-03-04T07:45:00.000Z",
    ]);
  });
  it("[]string is a sorted set union, and an empty string adds nothing", () =>
    expect(profile.tags).toEqual(["a", "b", "c"]));
  it("map[string]intsum sums per key", () => expect(profile.tag_counts).toEqual({ a: 2, b: 1, c: 1 }));
  it("map[string]time keeps the latest time per key", () => {
    expect(profile.last_by_channel).toEqual({
      email: "2026-03-03T12:30:00.000Z",
      sms: "2026-03-04T07:45:00.000Z",
    });
  });
  it("string keeps the value of the latest event, and remembers its time in _updated", () => {
    expect(profile.name).toBe("Annie");
    expect(profile._updated).toMatchObject({
      name: "2026-03-03T12:30:00.000Z",
      id: "2026-03-04T07:45:00.000Z",
    });
  });
  it("publicFields() drops the bookkeeping", () => {
    expect(Object.keys(publicFields(profile))).not.toContain("_updated");
    expect(publicFields({ a: 1 })).toEqual({ a: 1 });
  });
});

describe("replay", () => {
  const inOrder = fold(EVENTS);

  it("gives the same profile for every order of the events (all 120)", () => {
    for (const order of permutations(EVENTS)) expect(fold(order)).toEqual(inOrder);
  });

  it("replaying events again changes only the counters", () => {
    const twice = fold([...EVENTS, ...EVENTS.slice().reverse()]);
    const { opens, tag_counts, ...rest } = twice;
    const { opens: opensOnce, tag_counts: tagCountsOnce, ...restOnce } = inOrder;
    expect(rest).toEqual(restOnce);
    expect(opens).toBe(6);
    expect(tag_counts).toEqual({ a: 4, b: 2, c: 2 });
    expect([opensOnce, tagCountsOnce]).toEqual([3, { a: 2, b: 1, c: 1 }]);
  });

  it("breaks ties between equal event times by value, so the order still does not matter", () => {
    const a = { id: "u2", name: "Zed", _ts: "2026-01-01T00:00:00.000Z" };
    const b = { id: "u2", name: "Amy", _ts: "2026-01-01T00:00:00.000Z" };
    expect(fold([a, b]).name).toBe("Zed");
    expect(fold([b, a]).name).toBe("Zed");
  });
});

describe("mergeProfiles", () => {
  it("merging the profiles of any split of the events equals applying them all", () => {
    const whole = fold(EVENTS);
    for (let cut = 0; cut <= EVENTS.length; cut++) {
      const left = fold(EVENTS.slice(0, cut));
      const right = fold(EVENTS.slice(cut));
      expect(mergeProfiles(left, right, mapping)).toEqual(whole);
      expect(mergeProfiles(right, left, mapping)).toEqual(whole);
    }
  });

  it("folding one-event profiles equals applyEvent", () => {
    const folded = EVENTS.reduce<Profile>(
      (profile, event) => mergeProfiles(profile, eventProfile(event, mapping), mapping),
      {},
    );
    expect(folded).toEqual(fold(EVENTS));
  });

  it("keeps keys the mapping does not know, preferring the first profile", () => {
    expect(mergeProfiles({ note: "a", opens: 1 }, { note: "b", extra: true, opens: 2 }, mapping)).toEqual({
      note: "a",
      extra: true,
      opens: 3,
    });
  });
});

describe("applyEvents", () => {
  it("equals applying the events one by one, from empty and from a partial profile", () => {
    for (const order of permutations(EVENTS).slice(0, 24)) {
      expect(applyEvents({}, order, mapping)).toEqual(fold(order));
      const start = deepFreeze(fold(order.slice(0, 2)));
      const snapshot = structuredClone(start);
      expect(applyEvents(start, order.slice(2), mapping)).toEqual(fold(order));
      expect(start).toEqual(snapshot);
    }
  });

  it("changes nothing it was given when counted maps are updated in place", () => {
    const start = deepFreeze(fold(EVENTS));
    const next = applyEvents(start, [EVENTS[3] ?? {}, EVENTS[3] ?? {}], mapping);
    expect(next.tag_counts).toEqual({ a: 4, b: 1, c: 3 });
    expect(start.tag_counts).toEqual({ a: 2, b: 1, c: 1 });
  });

  it("returns an equal profile for no events", () => {
    const start = fold(EVENTS);
    expect(applyEvents(start, [], mapping)).toEqual(start);
  });
});

describe("purity and bad input", () => {
  it("never changes the profile or the event it is given", () => {
    const profile = deepFreeze(fold(EVENTS.slice(0, 3)));
    const snapshot = structuredClone(profile);
    const event = deepFreeze({ ...EVENTS[3] });
    const next = applyEvent(profile, event, mapping);
    expect(profile).toEqual(snapshot);
    expect(next).not.toBe(profile);
    expect(next).toEqual(fold(EVENTS.slice(0, 4)));
  });

  it("returns the same profile when the event changes nothing", () => {
    const profile = fold(EVENTS);
    expect(applyEvent(profile, { id: "u1", event: "SENT", _ts: "2026-03-02T00:00:00.000Z" }, mapping)).toBe(
      profile,
    );
  });

  it("an event without _ts writes no times, and never beats a dated value", () => {
    const undated = applyEvent({}, { id: "u3", name: "Old", channel: "email" }, mapping);
    expect(undated).toEqual({ id: "u3", name: "Old" });
    const dated = applyEvent(undated, { id: "u3", name: "New", _ts: "2020-01-01T00:00:00.000Z" }, mapping);
    expect(dated.name).toBe("New");
    expect(applyEvent(dated, { id: "u3", name: "Later but undated" }, mapping).name).toBe("New");
  });

  it.each([
    [
      "an unreadable _ts",
      () => applyEvent({}, { id: "x", _ts: "yesterday-ish" }, mapping),
      "INVALID_EVENT_TIME",
    ],
    [
      "a counter holding text",
      () => applyEvent({ opens: "3" }, { event: "OPEN", _ts: "2026-01-01T00:00:00Z" }, mapping),
      "INVALID_PROFILE",
    ],
    ["a set holding a number", () => applyEvent({ tags: 4 }, { tag: "a" }, mapping), "INVALID_PROFILE"],
    [
      "a date that is not ISO",
      () => applyEvent({ last_seen: "soon" }, { _ts: "2026-01-01T00:00:00Z" }, mapping),
      "INVALID_PROFILE",
    ],
    ["an event that is not an object", () => applyEvent({}, JSON.parse("[1]"), mapping), "INVALID_EVENT"],
    ["a mapping not made by parseMapping", () => applyEvent({}, {}, { ...mapping }), "INVALID_MAPPING"],
    ["the text of a mapping not made by parseMapping", () => mappingText({ ...mapping }), "INVALID_MAPPING"],
  ])("%s is a clear error", (_name, run, code) => {
    expect(failureCode(run)).toBe(code);
  });
});

describe("identityOf", () => {
  it("uses the first BY field the event has, through the field's expression", () => {
    expect(identityOf({ id: 42, email: "a@b.co" }, mapping)).toEqual({ field: "id", value: "42" });
    expect(identityOf({ email: "Bob <BOB@Example.com>" }, mapping)).toEqual({
      field: "email",
      value: "bob@example.com",
    });
    expect(identityOf({ id: "", email: "not an email" }, mapping)).toBeUndefined();
  });

  it("reads the event time only when an identity expression needs it", () => {
    const undatable = { id: "u1", _ts: "yesterday-ish" };
    // The identity needs no time, so a bad _ts is left for the fold to reject.
    expect(identityOf(undatable, mapping)).toEqual({ field: "id", value: "u1" });
    expect(failureCode(() => applyEvent({}, undatable, mapping))).toBe("INVALID_EVENT_TIME");
    const byHour = parseMapping("SELECT hourofday() AS hour FROM events INTO user BY hour");
    expect(identityOf({ _ts: "2026-03-01T09:15:00.000Z" }, byHour)).toEqual({ field: "hour", value: "9" });
    expect(failureCode(() => identityOf(undatable, byHour))).toBe("INVALID_EVENT_TIME");
  });
});
