import { describe, expect, it } from "vitest";
import { eventReader } from "./fold-part.ts";

const columns = ["event", "channel", "account_id", "riid", "email", "device_os", "_ts"];
const reads = ["_ts", "email", "event", "riid", "campaign_id"];

/** What a record must read as: JSON.parse, then the read fields that are not null. */
function expected(values: unknown[]): Record<string, unknown> {
  const event: Record<string, unknown> = {};
  for (const name of reads) {
    const value = values[columns.indexOf(name)];
    if (columns.includes(name) && value !== null && value !== undefined) event[name] = value;
  }
  return event;
}

describe("a part record's event reader", () => {
  const read = eventReader(columns, reads);

  it("read only the fields the mapping reads, leaving out nulls and columns the file lacks", () => {
    const values = ["OPEN", "email", "1234", "42", null, "iOS 17.4", "2026-03-01T09:00:00.000Z"];
    expect(read(JSON.stringify(values))).toEqual({
      event: "OPEN",
      riid: "42",
      _ts: "2026-03-01T09:00:00.000Z",
    });
  });

  it("read a record written before the file's later columns appeared", () => {
    expect(read(JSON.stringify(["CLICK", "email", "1234", "7"]))).toEqual({ event: "CLICK", riid: "7" });
    expect(read("[]")).toEqual({});
  });

  it("read escaped, quoted and non-ASCII text exactly as JSON.parse does", () => {
    const awkward = [
      'say "hi"',
      "back\\slash",
      "tab\there\nline",
      "naïve 日本 😀",
      "\u0000\u001f",
      '"',
      "\\",
      "",
      ",",
      "null",
      "[]",
    ];
    for (const text of awkward) {
      for (let at = 0; at < columns.length; at++) {
        const values: unknown[] = columns.map((_, i) => (i % 3 === 1 ? null : `v${i}`));
        values[at] = text;
        expect(read(JSON.stringify(values))).toEqual(expected(values));
      }
    }
  });

  it("read values that are not strings through JSON.parse", () => {
    const values = ["OPEN", "email", 1234, 42, { a: 1 }, [1, 2], true];
    expect(read(JSON.stringify(values))).toEqual(expected(values));
  });

  it("refuse a record that is not a JSON array, naming what it found", () => {
    expect(() => read('{"event":"OPEN"}')).toThrow(/not an array of values: \{"event"/);
    expect(() => read('["OPEN", "em')).toThrow(SyntaxError);
  });
});
