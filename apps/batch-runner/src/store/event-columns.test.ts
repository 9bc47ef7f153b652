import { describe, expect, it } from "vitest";
import { EventColumns, parseColumns } from "./event-columns.ts";

describe("event columns", () => {
  it("keeps values by column, null for a field an event lacks, and only ever appends columns", () => {
    const columns = new EventColumns();
    expect(columns.json({ event: "OPEN", riid: "1", _ts: "t" })).toBe('["OPEN","1","t"]');
    // An empty cell left out: null in its place.
    expect(columns.json({ event: "OPEN", _ts: "t" })).toBe('["OPEN",null,"t"]');
    // A field first seen late is appended, whatever its place in the event.
    expect(columns.json({ event: "OPEN", email: "a@b.c", riid: "2", _ts: "t" })).toBe(
      '["OPEN","2","t","a@b.c"]',
    );
    expect(columns.names).toEqual(["event", "riid", "_ts", "email"]);
    expect(columns.count).toBe(4);
  });

  it("resumes with the committed columns first, so committed rows keep their meaning", () => {
    const resumed = new EventColumns(["event", "riid", "_ts", "email"]);
    // This event shows email before riid: the stored order wins.
    expect(resumed.json({ email: "a@b.c", riid: "2", event: "OPEN", _ts: "t" })).toBe(
      '["OPEN","2","t","a@b.c"]',
    );
    expect(resumed.count).toBe(4);
  });

  it("reads stored columns and refuses anything but a JSON array of names", () => {
    expect(parseColumns(null, 1)).toBeNull();
    expect(parseColumns('["a","b"]', 1)).toEqual(["a", "b"]);
    expect(() => parseColumns('{"a":1}', 7)).toThrow(
      /import_files.columns of file 7 is not a JSON array of names/,
    );
    expect(() => parseColumns("[1]", 7)).toThrow(/STORE_CORRUPT|not a JSON array/);
    expect(() => parseColumns("[", 7)).toThrow(/not a JSON array/);
  });
});
