import { describe, expect, it } from "vitest";
import { CopyRows, copyField } from "./copy-rows.ts";

describe("COPY rows", () => {
  it("writes tab-separated rows with NULLs and escapes, growing past its first buffer", () => {
    const rows = new CopyRows(8);
    rows.add([1, "a\tb", null, "line\nbreak\r", "back\\slash", "é😀"]);
    for (let i = 0; i < 1_000; i++) rows.add([i, "x".repeat(i)]);
    expect(rows.rows).toBe(1_001);
    const text = Buffer.from(rows.bytes()).toString("utf8");
    const lines = text.split("\n");
    expect(lines[0]).toBe("1\ta\\tb\t\\N\tline\\nbreak\\r\tback\\\\slash\té😀");
    expect(lines[1_000]).toBe(`999\t${"x".repeat(999)}`);
    expect(lines[1_001]).toBe("");
  });

  it("escapes only what COPY's text format needs", () => {
    expect(copyField(null)).toBe("\\N");
    expect(copyField("\\N")).toBe("\\\\N");
    expect(copyField('{"a":"b"}')).toBe('{"a":"b"}');
  });
});
