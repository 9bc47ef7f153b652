import { describe, expect, it } from "vitest";
import { assertRecordCount, chunk, MAX_RECORDS_PER_CALL, toWireRecords } from "./records.ts";

describe("chunk", () => {
  it.each([
    [0, []],
    [1, [1]],
    [200, [200]],
    [201, [200, 1]],
    [450, [200, 200, 50]],
  ])("splits %i items into chunks of %j", (count, sizes) => {
    const items = Array.from({ length: count }, (_, index) => index);
    const chunks = chunk(items);
    expect(chunks.map((part) => part.length)).toEqual(sizes);
    expect(chunks.flat()).toEqual(items);
  });

  it("takes another size and refuses a useless one", () => {
    expect(chunk(["a", "b", "c"], 2)).toEqual([["a", "b"], ["c"]]);
    expect(() => chunk([1], 0)).toThrow(expect.objectContaining({ code: "INVALID_CHUNK_SIZE" }));
  });
});

describe("assertRecordCount", () => {
  it("allows 200 and refuses 201 with TOO_MANY_RECORDS", () => {
    expect(() => assertRecordCount(MAX_RECORDS_PER_CALL, "records")).not.toThrow();
    expect(() => assertRecordCount(201, "records")).toThrow(
      expect.objectContaining({
        code: "TOO_MANY_RECORDS",
        retryable: false,
        details: { count: 201, max: 200 },
      }),
    );
  });
});

describe("toWireRecords", () => {
  it("turns every value into a string, null and undefined into empty", () => {
    expect(toWireRecords(["A", "B", "C", "D", "E"], [["x", 42, true, null, undefined]])).toEqual([
      ["x", "42", "true", "", ""],
    ]);
  });

  it.each([
    [[], [], "at least one field"],
    [["A", "A"], [["1", "2"]], "twice"],
    [["A", "B"], [["1"]], "Record 0 has 1 values for 2"],
  ])("refuses fieldNames %j with records %j", (fieldNames, records, message) => {
    expect(() => toWireRecords(fieldNames, records)).toThrow(message);
  });
});
