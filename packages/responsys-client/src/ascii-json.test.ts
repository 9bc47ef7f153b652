import { describe, expect, it } from "vitest";
import { toAsciiJson } from "./ascii-json.ts";

describe("toAsciiJson", () => {
  it.each([
    ["plain ASCII stays as JSON.stringify writes it", { a: "Ann", n: 1 }, '{"a":"Ann","n":1}'],
    ["Latin-1 is escaped", "Zoë", '"Zo\\u00eb"'],
    ["U+0080 is the first escaped character, DEL is not", "\u007f\u0080", '"\u007f\\u0080"'],
    ["CJK is escaped", "東京", '"\\u6771\\u4eac"'],
    ["astral characters become their surrogate pair, two escapes", "😀", '"\\ud83d\\ude00"'],
    ["keys are escaped too", { é: "x" }, '{"\\u00e9":"x"}'],
    ["JSON's own escapes are kept", 'a"b\\c\n', '"a\\"b\\\\c\\n"'],
  ])("%s", (_name, value, expected) => {
    const text = toAsciiJson(value);
    expect(text).toBe(expected);
    expect([...text].every((char) => char.charCodeAt(0) <= 0x7f)).toBe(true);
    expect(JSON.parse(text)).toEqual(value);
  });

  it("refuses values JSON cannot represent", () => {
    expect(() => toAsciiJson(undefined)).toThrow(TypeError);
  });
});
