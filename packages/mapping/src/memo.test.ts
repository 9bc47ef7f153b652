import { describe, expect, it } from "vitest";
import { memoized } from "./memo.ts";

describe("memoized", () => {
  it("computes each text once while it is cached, undefined answers included", () => {
    const calls: string[] = [];
    const length = memoized((text) => {
      calls.push(text);
      return text === "" ? undefined : text.length;
    });
    expect(["ab", "ab", "", "abc", "ab", ""].map(length)).toEqual([2, 2, undefined, 3, 2, undefined]);
    expect(calls).toEqual(["ab", "", "abc"]);
  });

  it("stays bounded: a full cache starts again", () => {
    const calls: string[] = [];
    const upper = memoized((text) => {
      calls.push(text);
      return text.toUpperCase();
    }, 2);
    expect(["a", "b", "c", "a"].map(upper)).toEqual(["A", "B", "C", "A"]);
    // "c" emptied the full cache, so "a" is computed again.
    expect(calls).toEqual(["a", "b", "c", "a"]);
  });
});
