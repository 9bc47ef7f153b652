import { describe, expect, it } from "vitest";
import { seededRandom } from "../test/fixtures/event-mix.ts";
import { parseWithGoLayout } from "./go-layout.ts";
import {
  civilDate,
  dayOfWeek,
  hourOfDay,
  isoFromMs,
  parseCanonicalIso,
  parseDateMath,
  parseDateText,
} from "./time.ts";

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe("parseDateText", () => {
  it.each([
    ["2026-03-01T09:15:00.000Z", "2026-03-01T09:15:00.000Z"],
    ["2014-04-07T16:58:55Z", "2014-04-07T16:58:55.000Z"],
    ["2016-02-03T22:00:00", "2016-02-03T22:00:00.000Z"],
    ["2016-02-03 22:00:00.123456", "2016-02-03T22:00:00.123Z"],
    ["2020-07-15T08:55:43.041-07:00", "2020-07-15T15:55:43.041Z"],
    ["2020-07-15T08:55:43+0530", "2020-07-15T03:25:43.000Z"],
    ["2024-05-18", "2024-05-18T00:00:00.000Z"],
    ["10/13/2014", "2014-10-13T00:00:00.000Z"],
    ["4/7/14", "2014-04-07T00:00:00.000Z"],
    ["4/7/70", "1970-04-07T00:00:00.000Z"],
    ["01/02/2006 15:04:05", "2006-01-02T15:04:05.000Z"],
    ["Apr 7, 2014 4:58:55 PM", "2014-04-07T16:58:55.000Z"],
    ["April 7, 2014", "2014-04-07T00:00:00.000Z"],
    ["Mon, 02 Jan 2006 15:04:05 GMT", "2006-01-02T15:04:05.000Z"],
    ["03-JAN-2019 13:05:32", "2019-01-03T13:05:32.000Z"],
    ["Mon Jan  2 15:04:05 2006", "2006-01-02T15:04:05.000Z"],
    ["1396889935", "2014-04-07T16:58:55.000Z"],
    ["1396889935123", "2014-04-07T16:58:55.123Z"],
    ["20140407", "2014-04-07T00:00:00.000Z"],
    ["0099-03-01T00:00:00Z", "0099-03-01T00:00:00.000Z"],
  ])("%s → %s", (text, expected) => {
    expect(iso(parseDateText(text))).toBe(expected);
  });

  it.each([
    "hello",
    "not_a_date",
    "2014-02-30",
    "13/01/2014",
    "2014-04-07T24:00:00",
    "Foo 7, 2014",
    "12:00 PM",
    "123",
    "",
  ])("rejects %j", (text) => {
    expect(parseDateText(text)).toBeUndefined();
  });
});

describe("parseCanonicalIso (the hand-read fast path for event times)", () => {
  it("agrees with Date.parse and round-trips through isoFromMs over 5,000 random times", () => {
    const random = seededRandom(3);
    for (let i = 0; i < 5000; i++) {
      // 1900 to 2100, so leap days, century years and pre-1970 times are all covered.
      const ms = Math.floor(-2_208_988_800_000 + random() * 6_311_433_600_000);
      const text = new Date(ms).toISOString();
      expect(parseCanonicalIso(text)).toBe(ms);
      expect(isoFromMs(ms)).toBe(text);
    }
  });

  it.each([
    "2026-02-29T00:00:00.000Z",
    "2026-04-31T00:00:00.000Z",
    "2026-13-01T00:00:00.000Z",
    "2026-00-10T00:00:00.000Z",
    "2026-01-10T24:00:00.000Z",
    "2026-01-10T10:60:00.000Z",
    "2026-01-10T10:00:60.000Z",
    "2026-01-10T10:00:00.00aZ",
    "2026-01-10 10:00:00.000Z",
    "2026-01-10T10:00:00.000+",
    "2026-01-10T10:00:00Z",
    "+02026-01-10T10:00:00Z",
  ])("leaves %s to the general parser", (text) => {
    expect(parseCanonicalIso(text)).toBeUndefined();
  });

  it("reads leap days of leap years", () => {
    expect(parseCanonicalIso("2024-02-29T23:59:59.999Z")).toBe(Date.parse("2024-02-29T23:59:59.999Z"));
    expect(parseCanonicalIso("2000-02-29T00:00:00.000Z")).toBe(Date.parse("2000-02-29T00:00:00.000Z"));
    expect(parseCanonicalIso("1900-02-29T00:00:00.000Z")).toBeUndefined();
  });
});

describe("calendar parts in UTC", () => {
  it("agrees with Date for hour, weekday (Sunday = 0), month and day across four centuries", () => {
    const mismatches: string[] = [];
    for (let ms = Date.UTC(1900, 0, 1); ms < Date.UTC(2300, 0, 1); ms += 223 * 3_600_000 + 1234) {
      const date = new Date(ms);
      const civil = civilDate(ms);
      const same =
        hourOfDay(ms) === date.getUTCHours() &&
        dayOfWeek(ms) === date.getUTCDay() &&
        civil.year === date.getUTCFullYear() &&
        civil.month === date.getUTCMonth() + 1 &&
        civil.day === date.getUTCDate();
      if (!same || isoFromMs(ms) !== date.toISOString()) mismatches.push(date.toISOString());
    }
    expect(mismatches).toEqual([]);
    expect(dayOfWeek(Date.UTC(2026, 2, 1))).toBe(0);
    for (const ms of [
      0,
      -1,
      1.5,
      Date.UTC(9999, 11, 31, 23, 59, 59, 999),
      Date.UTC(10000, 0, 1),
      Date.UTC(-50, 0, 1),
    ]) {
      expect(isoFromMs(ms)).toBe(new Date(ms).toISOString());
    }
    expect(hourOfDay(Date.UTC(1969, 11, 31, 23, 59))).toBe(23);
  });
});

describe("parseWithGoLayout (todate with a layout)", () => {
  it.each([
    ["02/01/2006", "07/04/2014", "2014-04-07T00:00:00.000Z"],
    ["1/2/06", "4/7/14", "2014-04-07T00:00:00.000Z"],
    ["2006-01-02 15:04:05", "2026-03-01 09:15:00", "2026-03-01T09:15:00.000Z"],
    ["02-Jan-2006 15:04:05", "03-JAN-2019 13:05:32", "2019-01-03T13:05:32.000Z"],
    ["Jan _2 2006 3:04PM", "Apr  7 2014 4:58PM", "2014-04-07T16:58:00.000Z"],
    ["2006-01-02T15:04:05.000Z07:00", "2014-04-07T16:58:55.250+02:00", "2014-04-07T14:58:55.250Z"],
    ["Monday, January 2, 2006", "Monday, April 7, 2014", "2014-04-07T00:00:00.000Z"],
  ])("%s reads %s", (layout, text, expected) => {
    expect(iso(parseWithGoLayout(layout, text))).toBe(expected);
  });

  it.each([
    ["02/01/2006", "hello"],
    ["02/01/2006", "32/01/2014"],
    ["2006-01-02", "2014-04-07 extra"],
  ])("%s rejects %s", (layout, text) => {
    expect(parseWithGoLayout(layout, text)).toBeUndefined();
  });
});

describe("parseDateMath (todate('now-…'))", () => {
  const now = Date.UTC(2026, 2, 31, 12);
  it.each([
    ["now", "2026-03-31T12:00:00.000Z"],
    ["now-3d", "2026-03-28T12:00:00.000Z"],
    ["now+1h-30m", "2026-03-31T12:30:00.000Z"],
    ["now-1M", "2026-03-03T12:00:00.000Z"],
    ["now+1y", "2027-03-31T12:00:00.000Z"],
  ])("%s", (text, expected) => {
    expect(iso(parseDateMath(text, now))).toBe(expected);
  });

  it("rejects other text", () => {
    expect(parseDateMath("now-3x", now)).toBeUndefined();
    expect(parseDateMath("yesterday", now)).toBeUndefined();
  });
});
