// applyEvent and applyEvents fold events through a Draft that updates its own copies in place.
// The reference here is the other code path: one-event shares (eventProfile) folded with
// mergeProfiles, which copies everything and shares no code with the draft's in-place updates.
import { describe, expect, it } from "vitest";
import { eventMix, seededRandom } from "../test/fixtures/event-mix.ts";
import { defaultResponsysMapping } from "./default-mapping.ts";
import { type Mapping, parseMapping } from "./mapping.ts";
import { applyEvent, applyEvents, eventProfile, identityOf, mergeProfiles, type Profile } from "./profile.ts";

type Event = Readonly<Record<string, unknown>>;

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The slow path: each event's share merged into the profile, copying as it goes. */
function viaShares(events: readonly Event[], mapping: Mapping, start: Profile = {}): Profile {
  return events.reduce<Profile>(
    (profile, event) => mergeProfiles(profile, eventProfile(event, mapping), mapping),
    start,
  );
}

function oneByOne(events: readonly Event[], mapping: Mapping, start: Profile = {}): Profile {
  return events.reduce<Profile>((profile, event) => applyEvent(profile, event, mapping), start);
}

function byUser(events: readonly Event[], mapping: Mapping): Map<string, Event[]> {
  const users = new Map<string, Event[]>();
  for (const event of events) {
    const key = identityOf(event, mapping)?.value ?? "";
    const list = users.get(key);
    if (list === undefined) users.set(key, [event]);
    else list.push(event);
  }
  return users;
}

describe("applyEvents and applyEvent on the event mix equal folding shares with mergeProfiles", () => {
  const mapping = defaultResponsysMapping;
  // Few users, so each profile sees many events: maps and sets are updated in place many times.
  const users = byUser(eventMix(4000, 60, 23), mapping);
  const expected = new Map([...users].map(([key, events]) => [key, viaShares(events, mapping)]));

  it("from an empty profile, grouped and one by one", () => {
    for (const [key, events] of users) {
      expect(applyEvents({}, events, mapping)).toEqual(expected.get(key));
      expect(oneByOne(events, mapping)).toEqual(expected.get(key));
    }
  });

  it("from a stored profile (JSON, frozen) in random chunks, without changing what it was given", () => {
    const random = seededRandom(5);
    for (const [key, events] of users) {
      let profile: Profile = {};
      let at = 0;
      while (at < events.length) {
        const next = Math.min(events.length, at + 1 + Math.floor(random() * 12));
        // What the store hands back: parsed JSON nobody else holds, frozen to catch writes.
        const stored = deepFreeze(JSON.parse(JSON.stringify(profile)));
        const snapshot = structuredClone(stored);
        profile = applyEvents(stored, events.slice(at, next), mapping);
        expect(stored).toEqual(snapshot);
        at = next;
      }
      expect(profile).toEqual(expected.get(key));
    }
  });

  it("in any order of a user's events", () => {
    const random = seededRandom(9);
    for (const [key, events] of [...users].slice(0, 10)) {
      const shuffled = events
        .map((event) => ({ event, order: random() }))
        .sort((a, b) => a.order - b.order)
        .map(({ event }) => event);
      expect(applyEvents({}, shuffled, mapping)).toEqual(expected.get(key));
    }
  });
});

describe("applyEvents edge cases", () => {
  const mapping = parseMapping(`
    SELECT
      id AS id,
      count(event) AS opens IF eq(event, "OPEN"),
      max(epochms()) AS last_seen,
      set(tag) AS tags,
      valuect(tag) AS tag_counts,
      map(channel, epochms()) AS last_by_channel,
      map(channel, status) AS status_by_channel,
      name AS name
    FROM test_events INTO user BY id
  `);
  const events: Event[] = [
    {
      id: "u1",
      event: "OPEN",
      tag: ["b", "a", "b"],
      channel: "email",
      status: "x",
      _ts: "2026-03-01T09:00:00.000Z",
    },
    { id: "u1", name: "Ann", tag: "c", channel: "sms", status: "y", _ts: "2026-03-02T09:00:00Z" },
    { id: "u1", event: "OPEN", tag: "a", channel: "email", status: "z", _ts: 1_772_600_000_000 },
    { id: "u1", name: "Bob", channel: "email" },
  ];

  it.each<[string, Profile]>([
    ["keys the mapping does not know", { note: "kept", opens: 1 }],
    [
      "_updated entries the mapping does not write",
      { name: "Old", _updated: { name: "2020-01-01T00:00:00.000Z", gone: "x" } },
    ],
    ["null values", { tags: null, tag_counts: null, name: null }],
    ["a stored set out of order", { tags: ["d", "a"] }],
    [
      "stored times in another ISO form",
      { last_seen: "2026-03-05T00:00:00Z", last_by_channel: { email: "2026-03-01T10:00:00+01:00" } },
    ],
  ])("%s fold as they do one share at a time", (_name, start) => {
    const frozen = deepFreeze(start);
    expect(applyEvents(frozen, events, mapping)).toEqual(viaShares(events, mapping, frozen));
    expect(oneByOne(events, mapping, frozen)).toEqual(viaShares(events, mapping, frozen));
  });

  it("returns the profile itself when the events change nothing", () => {
    const profile = applyEvents({}, events, mapping);
    expect(applyEvents(profile, [], mapping)).toBe(profile);
    expect(applyEvents(profile, [{ id: "u1", channel: "email" }], mapping)).toBe(profile);
  });

  it("keeps mapped fields in mapping order, then other keys, then _updated", () => {
    const profile = applyEvents({ zz: 1, name: "A" }, events, mapping);
    expect(Object.keys(profile)).toEqual([
      "id",
      "opens",
      "last_seen",
      "tags",
      "tag_counts",
      "last_by_channel",
      "status_by_channel",
      "name",
      "zz",
      "_updated",
    ]);
  });
});

describe("profiles with many keys", () => {
  // Past ~16 keys the builder's object turns into a hash table and is copied back into a fast
  // object: the copy must keep the key order (and so the JSON) of the built profile.
  const mapping = defaultResponsysMapping;
  const events = byUser(eventMix(800, 6, 31), mapping);
  const names = mapping.fields.map((field) => field.name);

  it("keep mapped fields in mapping order, then other keys (integer-like first, as JS orders them), then _updated", () => {
    for (const list of events.values()) {
      const start = { zz: "kept", 7: "seven", aa: "also kept" };
      for (const profile of [
        applyEvents(start, list, mapping),
        mergeProfiles(start, viaShares(list, mapping), mapping),
      ]) {
        const keys = Object.keys(profile);
        expect(keys.length).toBeGreaterThan(20);
        const mapped = keys.filter((key) => names.includes(key));
        expect(mapped).toEqual(names.filter((name) => name in profile));
        expect(keys.slice(0, 1)).toEqual(["7"]);
        expect(keys.slice(-3)).toEqual(["zz", "aa", "_updated"]);
        expect(keys.slice(1, mapped.length + 1)).toEqual(mapped);
      }
    }
  });

  it("serialise the same folded grouped or one by one", () => {
    for (const list of events.values()) {
      expect(JSON.stringify(oneByOne(list, mapping))).toBe(JSON.stringify(applyEvents({}, list, mapping)));
    }
  });
});
