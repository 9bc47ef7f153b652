import { Buffer } from "node:buffer";
import { expect } from "vitest";

/** Reads binary COPY input back: a check written from the format's description, not from CopyRows. */
export function readBinaryCopy(bytes: Uint8Array, types: string[]): unknown[][] {
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
