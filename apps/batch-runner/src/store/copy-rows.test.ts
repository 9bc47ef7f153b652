import { describe, expect, it } from "vitest";
import { BufferPool, CopyRows } from "./copy-rows.ts";

/** Reads binary COPY input back: a check written from the format's description, not from CopyRows. */
function readBinaryCopy(bytes: Uint8Array, types: string[]): unknown[][] {
  const data = Buffer.from(bytes);
  expect(data.subarray(0, 11).toString("latin1")).toBe("PGCOPY\n\xff\r\n\0");
  expect(data.readUInt32BE(11)).toBe(0);
  expect(data.readUInt32BE(15)).toBe(0);
  let at = 19;
  const rows: unknown[][] = [];
  for (;;) {
    const fields = data.readInt16BE(at);
    at += 2;
    if (fields === -1) break;
    expect(fields).toBe(types.length);
    const row: unknown[] = [];
    for (const type of types) {
      const length = data.readInt32BE(at);
      at += 4;
      if (length === -1) {
        row.push(null);
        continue;
      }
      const field = data.subarray(at, at + length);
      at += length;
      if (type === "int4") row.push(field.readInt32BE(0));
      else if (type === "timestamptz")
        row.push(new Date(Date.UTC(2000, 0, 1) + Number(field.readBigInt64BE(0) / 1000n)).toISOString());
      else row.push(field.toString("utf8"));
    }
    rows.push(row);
  }
  expect(at).toBe(data.length);
  return rows;
}

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
});
