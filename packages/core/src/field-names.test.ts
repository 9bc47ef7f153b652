import { describe, expect, it } from "vitest";
import { fieldNameProblem, isValidFieldName, toFieldName } from "./field-names.ts";

describe("fieldNameProblem", () => {
  it.each([
    ["FIRST_NAME", null],
    ["ltv2", null],
    ["a".repeat(30), null],
    ["", "is empty"],
    ["a".repeat(31), "is longer than 30 characters"],
    ["1st", "does not start with a letter"],
    ["_x", "does not start with a letter"],
    ["first-name", "has characters other than letters, digits and _"],
    ["EMAIL_ADDRESS_", "ends with _ (reserved for system fields)"],
    ["E", "is the reserved single letter E"],
    ["u", "is the reserved single letter u"],
    ["B", null],
  ])("%j → %j", (name, problem) => {
    expect(fieldNameProblem(name)).toBe(problem);
  });
});

describe("toFieldName", () => {
  it.each([
    ["first_name", "first_name"],
    ["first-name", "first_name"],
    ["Café Owner!", "Cafe_Owner"],
    ["2fa enabled", "F_2fa_enabled"],
    ["_score", "F_score"],
    ["trailing___", "trailing"],
    ["a very long field name that goes on and on", "a_very_long_field_name_that_go"],
    ["E", "E1"],
    ["!!!", "FIELD"],
  ])("%j → %j", (input, expected) => {
    expect(toFieldName(input)).toBe(expected);
    expect(isValidFieldName(toFieldName(input))).toBe(true);
  });
});
