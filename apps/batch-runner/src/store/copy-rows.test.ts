import { describe, expect, it } from "vitest";
import { BufferPool, CopyRows } from "./copy-rows.ts";
import { readBinaryCopy } from "./test-copy.ts";

describe("COPY rows (binary)", () => {
  const types = ["int4", "text", "timestamptz", "text"] as const;

  it("writes header, rows with NULLs, text of any kind and times before and after 2000, and the trailer", () => {
    const rows = new CopyRows(types, 8);
    rows.add([7, "tab\there\nnewline \\N é😀", Date.parse("2026-03-01T09:15:00.123Z"), null]);
    rows.add([-1, "", Date.parse("1999-12-31T23:59:59.999Z"), '{"a":"b"}']);
    for (let i = 0; i < 1_000; i++) rows.add([i, "x".repeat(i), null, null]);
    expect(rows.rows).toBe(1_002);
    const read = readBinaryCopy(rows.bytes(), [...types]);
    expect(read[0]).toEqual([7, "tab\there\nnewline \\N é😀", "2026-03-01T09:15:00.123Z", null]);
    expect(read[1]).toEqual([-1, "", "1999-12-31T23:59:59.999Z", '{"a":"b"}']);
    expect(read[1_001]).toEqual([999, "x".repeat(999), null, null]);
    expect(read).toHaveLength(1_002);
  });

  it("starts again cleanly in a pooled buffer", () => {
    const pool = new BufferPool(1024);
    const first = new CopyRows(types, 1024, pool.take());
    first.add([1, "first", null, null]);
    pool.give(first.buffer);
    const second = new CopyRows(types, 1024, pool.take());
    expect(second.buffer).toBe(first.buffer);
    second.add([2, "second", null, null]);
    expect(readBinaryCopy(second.bytes(), [...types])).toEqual([[2, "second", null, null]]);
  });

  it("writes a row's last text field piece by piece, growing the buffer as it goes", () => {
    const rows = new CopyRows(["int4", "text", "text"], 16);
    const long = "é".repeat(5_000);
    rows.addWithText([7, "key"], (text) => {
      text.appendByte(0x5b);
      text.appendInteger(0);
      text.appendInteger(1_234_567_890_123);
      const at = text.written();
      text.append(`[${long}😀`);
      text.setByte(at, 0x2c);
      text.appendByte(0x5d);
    });
    rows.add([8, null, "plain"]);
    expect(readBinaryCopy(rows.bytes(), ["int4", "text", "text"])).toEqual([
      [7, "key", `[01234567890123,${long}😀]`],
      [8, null, "plain"],
    ]);
    expect(() => rows.addWithText([1], () => {})).toThrow(/every column but the last/);
    expect(() => rows.addWithText([1, "k"], (text) => text.appendInteger(-1))).toThrow(/non-negative/);
    expect(() => rows.addWithText([1, "k"], (text) => text.setByte(0, 0x20))).toThrow(/no byte 0/);
    // A row that failed half-way leaves nothing behind.
    expect(rows.rows).toBe(2);
    expect(readBinaryCopy(rows.bytes(), ["int4", "text", "text"])).toHaveLength(2);
  });
});
