import { describe, expect, it } from "vitest";
import { eventTimeFromMillis, eventTimeToMillis, parseEventTime } from "./event-time.ts";

describe("parseEventTime", () => {
  it.each([
    ["2020-10-14T13:27:33.916374949-07:00", "2020-10-14T20:27:33.916374949Z"],
    ["2020-10-14T20:27:33.916374949Z", "2020-10-14T20:27:33.916374949Z"],
    ["2020-10-14T20:27:33Z", "2020-10-14T20:27:33.000000000Z"],
    ["2020-10-14t20:27:33.5z", "2020-10-14T20:27:33.500000000Z"],
    ["2020-10-14 20:27:33.123+00:00", "2020-10-14T20:27:33.123000000Z"],
    ["2020-12-31T23:30:00.000000001-01:00", "2021-01-01T00:30:00.000000001Z"],
    ["2021-01-01T00:30:00+05:45", "2020-12-31T18:45:00.000000000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000000000Z"],
    ["2016-12-31T23:59:60Z", "2016-12-31T23:59:59.000000000Z"],
    ["0099-01-01T00:00:00Z", "0099-01-01T00:00:00.000000000Z"],
  ])("%s → %s", (input, expected) => {
    expect(parseEventTime(input)).toBe(expected);
  });

  it.each([
    "",
    "2020-10-14",
    "2020-10-14T20:27:33",
    "2020-10-14T20:27:33.1234567891Z",
    "2020-13-01T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2020-04-31T00:00:00Z",
    "2020-01-01T24:00:00Z",
    "2020-01-01T00:60:00Z",
    "2020-01-01T00:00:61Z",
    "2020-01-01T00:00:00+24:00",
    "2020-01-01T00:00:00+0100",
    "0000-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "１２３４-01-01T00:00:00Z",
    "yesterday",
    " 2020-01-01T00:00:00Z",
  ])("rejects %j", (input) => {
    expect(parseEventTime(input)).toBeNull();
  });

  it.each([1602707253, null, undefined, {}, ["2020-01-01T00:00:00Z"]])("rejects non-strings: %j", (input) => {
    expect(parseEventTime(input)).toBeNull();
  });

  it("orders instants across offsets as plain strings", () => {
    const earlier = parseEventTime("2020-10-14T13:27:33.916374949-07:00") ?? "";
    const later = parseEventTime("2020-10-14T20:27:33.916374950Z") ?? "";
    expect(earlier < later).toBe(true);
  });
});

describe("eventTimeFromMillis / eventTimeToMillis", () => {
  it("round-trip milliseconds", () => {
    const ms = Date.UTC(2026, 10, 26, 12, 0, 0, 123);
    expect(eventTimeFromMillis(ms)).toBe("2026-11-26T12:00:00.123000000Z");
    expect(eventTimeToMillis(eventTimeFromMillis(ms))).toBe(ms);
  });
});
