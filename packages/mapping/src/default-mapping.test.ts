import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderLqlModule } from "../scripts/render-lql-module.ts";
import { eventMix, seededRandom } from "../test/fixtures/event-mix.ts";
import { defaultResponsysMapping as mapping } from "./default-mapping.ts";
import { applyEvent, applyEvents, identityOf, type Profile, publicFields } from "./profile.ts";
import { sipHash24 } from "./siphash.ts";

interface TableRow {
  source: string;
  field: string;
  description: string;
  type: string;
  uniqueId: boolean;
}

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
const table: { rows: TableRow[] } = JSON.parse(read("../test/fixtures/lytics-responsys-fields.json"));

// The two rows generalised on purpose: a literal "email" channel becomes the event's channel.
const GENERALISED: Record<string, string> = {
  'set("email")': "set(channel)",
  'map("email", epochms())': "map(channel, epochms())",
};

// Feed token of each counter and first/last date (SMS open = delivered, SMS bounce = failed).
const FEEDS: Record<string, string> = {
  email_sent: "SENT",
  email_open: "OPEN",
  email_click: "CLICK",
  email_bounce: "BOUNCE",
  email_complaint: "COMPLAINT",
  email_opt_in: "OPT_IN",
  email_opt_out: "OPT_OUT",
  sms_sent: "SMS_SENT",
  sms_open: "SMS_DELIVERED",
  sms_bounce: "SMS_FAILED",
  sms_opt_in: "SMS_OPT_IN",
  sms_opt_out: "SMS_OPT_OUT",
};

function feedOf(field: string): string | undefined {
  const match = /^(email|sms)_(?:first_|last_)?(.+?)_(?:ct|ts)$/.exec(field);
  if (!match) return undefined;
  const key = `${match[1]}_${match[2]}`;
  return key in FEEDS ? FEEDS[key] : undefined;
}

describe("the default responsys_events mapping", () => {
  it("ships the .lql file unchanged in the string module (run npm run generate-default-mapping if this fails)", () => {
    expect(read("./responsys-events-lql.ts")).toBe(renderLqlModule(read("./responsys-events.lql")));
  });

  it("has exactly the fields of the Lytics Responsys table", () => {
    expect(table.rows).toHaveLength(53);
    expect(mapping.fields.map((field) => field.name).sort()).toEqual(
      table.rows.map((row) => row.field).sort(),
    );
  });

  it.each(table.rows.map((row) => [row.field, row] as const))("%s matches its table row", (name, row) => {
    const field = mapping.fields.find((candidate) => candidate.name === name);
    expect(field?.expression).toBe(GENERALISED[row.source] ?? row.source);
    expect(field?.kind).toBe(row.type);
    const feed = feedOf(name);
    expect(field?.condition).toBe(feed === undefined ? undefined : `eq(event, "${feed}")`);
  });

  it("is keyed by the table's unique ids, rs_user_id first", () => {
    expect(mapping.by).toEqual(["rs_user_id", "email"]);
    expect(table.rows.filter((row) => row.uniqueId).map((row) => row.field)).toEqual(["email", "rs_user_id"]);
    expect(mapping.stream).toBe("responsys_events");
  });
});

describe("a realistic mix of email and SMS events for one recipient", () => {
  const base = { riid: "470515045", account_id: "12345", list_id: "9001" };
  const events: Record<string, string>[] = [
    {
      ...base,
      event: "SENT",
      channel: "email",
      email: "Jane.Doe@Example.COM",
      campaign_id: "101",
      segment_info: "vip",
      _ts: "2026-03-01T09:15:00.000Z",
    },
    {
      ...base,
      event: "OPEN",
      channel: "email",
      email: "jane.doe@example.com",
      campaign_id: "101",
      _ts: "2026-03-01T10:02:11.000Z",
    },
    {
      ...base,
      event: "CLICK",
      channel: "email",
      email: "jane.doe@example.com",
      campaign_id: "101",
      offer_name: "spring",
      offer_category: "promo",
      offer_url: "https://www.Shop.com/spring?utm_source=rs",
      _ts: "2026-03-01T10:03:00.000Z",
    },
    {
      ...base,
      event: "CLICK",
      channel: "email",
      email: "jane.doe@example.com",
      campaign_id: "101",
      offer_name: "spring",
      offer_category: "promo",
      offer_url: "https://www.Shop.com/spring?utm_source=other",
      _ts: "2026-03-02T22:40:00.000Z",
    },
    {
      ...base,
      event: "SMS_SENT",
      channel: "sms",
      mobile_number: "15551234567",
      campaign_id: "202",
      _ts: "2026-03-08T14:00:00.000Z",
    },
    {
      ...base,
      event: "SMS_DELIVERED",
      channel: "sms",
      mobile_number: "15551234567",
      campaign_id: "202",
      _ts: "2026-03-08T14:00:05.000Z",
    },
    {
      ...base,
      event: "BOUNCE",
      channel: "email",
      email: "jane.doe@example.com",
      campaign_id: "103",
      _ts: "2026-04-01T00:30:00.000Z",
    },
    {
      ...base,
      event: "SMS_OPT_OUT",
      channel: "sms",
      mobile_number: "15551234567",
      _ts: "2026-04-02T08:00:00.000Z",
    },
  ];
  // hashedurls keys: SipHash-2-4 (checked against published vectors in siphash.test.ts) of host + path, host case kept.
  const urlHash = BigInt.asIntN(64, sipHash24(new TextEncoder().encode("www.Shop.com/spring"))).toString();

  const expected: Profile = {
    email: "jane.doe@example.com",
    rs_user_id: "470515045",
    phone: "15551234567",
    rs_campaign_id: "103",
    email_domain: "example.com",
    email_sent_ct: 1,
    email_first_sent_ts: "2026-03-01T09:15:00.000Z",
    email_last_sent_ts: "2026-03-01T09:15:00.000Z",
    email_open_ct: 1,
    email_first_open_ts: "2026-03-01T10:02:11.000Z",
    email_last_open_ts: "2026-03-01T10:02:11.000Z",
    email_click_ct: 2,
    email_first_click_ts: "2026-03-01T10:03:00.000Z",
    email_last_click_ts: "2026-03-02T22:40:00.000Z",
    email_bounce_ct: 1,
    email_first_bounce_ts: "2026-04-01T00:30:00.000Z",
    email_last_bounce_ts: "2026-04-01T00:30:00.000Z",
    sms_sent_ct: 1,
    sms_first_sent_ts: "2026-03-08T14:00:00.000Z",
    sms_last_sent_ts: "2026-03-08T14:00:00.000Z",
    sms_open_ct: 1,
    sms_first_open_ts: "2026-03-08T14:00:05.000Z",
    sms_last_open_ts: "2026-03-08T14:00:05.000Z",
    sms_opt_out_ct: 1,
    sms_first_opt_out_ts: "2026-04-02T08:00:00.000Z",
    sms_last_opt_out_ts: "2026-04-02T08:00:00.000Z",
    last_active_ts: "2026-04-02T08:00:00.000Z",
    last_channel_activities: { email: "2026-04-01T00:30:00.000Z", sms: "2026-04-02T08:00:00.000Z" },
    channels: ["email", "sms"],
    rs_list_id: ["9001"],
    rs_categories: ["promo"],
    rs_offers: ["spring"],
    email_urls: ["https://www.Shop.com/spring?utm_source=other", "https://www.Shop.com/spring?utm_source=rs"],
    rs_segments: ["vip"],
    // Both clicks share host + path www.Shop.com/spring, so one hashed key counts 2.
    hashedurls: { [urlHash]: 2 },
    // 2026-03-01 is a Sunday: hour of week = hour; 03-02 Monday 22h = 46; 03-08 Sunday 14h;
    // 04-01 Wednesday 0h = 72; 04-02 Thursday 8h = 104.
    hourly: { "0": 1, "8": 1, "9": 1, "10": 2, "14": 2, "22": 1 },
    hour_of_week: { "9": 1, "10": 2, "46": 1, "14": 2, "72": 1, "104": 1 },
    month_of_year: { "3": 6, "4": 2 },
  };

  it("builds the expected profile", () => {
    const profile = events.reduce<Profile>((p, event) => applyEvent(p, event, mapping), {});
    expect(publicFields(profile)).toEqual(expected);
  });

  it("keys every event by its riid", () => {
    for (const event of events)
      expect(identityOf(event, mapping)).toEqual({ field: "rs_user_id", value: "470515045" });
    expect(identityOf({ event: "OPEN", email: "X@Y.com" }, mapping)).toEqual({
      field: "email",
      value: "x@y.com",
    });
  });

  it("gives the same profile in any order", () => {
    const random = seededRandom(7);
    const inOrder = events.reduce<Profile>((p, event) => applyEvent(p, event, mapping), {});
    for (let round = 0; round < 20; round++) {
      const shuffled = events.map((event) => ({ event, key: random() })).sort((a, b) => a.key - b.key);
      expect(shuffled.reduce<Profile>((p, { event }) => applyEvent(p, event, mapping), {})).toEqual(inOrder);
    }
  });
});

describe("a generated mix of 3,000 events over 100 recipients", () => {
  const events = eventMix(3000, 100, 11);
  const profiles = new Map<string, Profile>();
  for (const event of events) {
    const key = identityOf(event, mapping)?.value ?? "";
    profiles.set(key, applyEvent(profiles.get(key) ?? {}, event, mapping));
  }

  it("applyEvents over each recipient's events gives the same profiles", () => {
    const byUser = new Map<string, typeof events>();
    for (const event of events) {
      const key = identityOf(event, mapping)?.value ?? "";
      byUser.set(key, [...(byUser.get(key) ?? []), event]);
    }
    for (const [key, mine] of byUser) expect(applyEvents({}, mine, mapping)).toEqual(profiles.get(key));
  });

  it("reads only the fields it lists: events cut down to them map to the same profiles", () => {
    expect(mapping.reads).toEqual([
      "_ts",
      "campaign_id",
      "channel",
      "email",
      "event",
      "list_id",
      "mobile_number",
      "offer_category",
      "offer_name",
      "offer_url",
      "riid",
      "segment_info",
    ]);
    const keep = new Set(mapping.reads);
    const byUser = new Map<string, Array<Record<string, unknown>>>();
    for (const event of events) {
      const key = identityOf(event, mapping)?.value ?? "";
      const cut = Object.fromEntries(Object.entries(event).filter(([name]) => keep.has(name)));
      // The mix carries columns the mapping never reads, so the cut is a real one.
      expect(Object.keys(cut).length).toBeLessThan(Object.keys(event).length);
      byUser.set(key, [...(byUser.get(key) ?? []), cut]);
    }
    for (const [key, mine] of byUser) expect(applyEvents({}, mine, mapping)).toEqual(profiles.get(key));
  });

  it("counts each feed per recipient, and dates and activity agree with the events", () => {
    expect(profiles.size).toBe(100);
    for (const [riid, profile] of profiles) {
      const mine = events.filter((event) => event.riid === riid);
      for (const [field, feed] of Object.entries(FEEDS)) {
        const ofFeed = mine
          .filter((event) => event.event === feed)
          .map((event) => event._ts ?? "")
          .sort();
        expect(profile[`${field}_ct`]).toBe(ofFeed.length === 0 ? undefined : ofFeed.length);
        const [prefix, ...rest] = field.split("_");
        expect(profile[`${prefix}_first_${rest.join("_")}_ts`]).toBe(ofFeed[0]);
        expect(profile[`${prefix}_last_${rest.join("_")}_ts`]).toBe(ofFeed.at(-1));
      }
      const times = mine.map((event) => event._ts ?? "").sort();
      expect(profile.last_active_ts).toBe(times.at(-1));
      for (const name of ["hourly", "hour_of_week", "month_of_year"]) {
        const counts = Object.values(profile[name] ?? {}).reduce((sum: number, n) => sum + Number(n), 0);
        expect(counts).toBe(mine.length);
      }
    }
  });
});
