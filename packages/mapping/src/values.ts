// How LQL sees event values. qlbridge treats an empty string, an empty list and an empty map as
// nil ("not ok"), so a field fed by them gets nothing from the event.

/** True when LQL would treat `value` as nil: absent, null, "", NaN, an empty list or an empty object. */
export function isMissing(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  switch (typeof value) {
    case "string":
    case "boolean":
    case "bigint":
      return false;
    case "number":
      return Number.isNaN(value);
    case "object":
      if (Array.isArray(value)) return value.length === 0;
      if (value instanceof Date) return Number.isNaN(value.getTime());
      for (const _ in value) return false;
      return true;
    default:
      return true;
  }
}

/** Functions that take one value use the first element of a list, as qlbridge does. */
export function firstOf(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/** A non-empty string, or undefined for anything else (qlbridge's string-only functions). */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

// Hours, weekdays and months become map keys on every event; their text is made once.
const SMALL_INTEGERS = Array.from({ length: 256 }, (_, n) => String(n));

/**
 * The text form of a scalar, used for set members, valuect and map keys and string fields:
 * numbers in decimal, booleans as true/false, times as ISO 8601. Lists, objects and nil give undefined.
 */
export function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return value === "" ? undefined : value;
    case "number":
      if (Number.isInteger(value) && value >= 0 && value < SMALL_INTEGERS.length)
        return SMALL_INTEGERS[value];
      return Number.isFinite(value) ? String(value) : undefined;
    case "bigint":
    case "boolean":
      return String(value);
    case "object":
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
      return undefined;
    default:
      return undefined;
  }
}

/** Each member of a list (or the value itself) as text, skipping nil members. */
export function textMembers(value: unknown): string[] {
  if (!Array.isArray(value)) {
    const text = scalarText(value);
    return text === undefined ? [] : [text];
  }
  const members: string[] = [];
  for (const item of value) {
    const text = scalarText(item);
    if (text !== undefined) members.push(text);
  }
  return members;
}

/** A finite number from a number, a numeric string, a bigint, a boolean or a Date; undefined otherwise. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  // A time is its epoch milliseconds, as qlbridge converts times to numbers.
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.getTime();
  return undefined;
}

/** LQL equality: same-typed values compare exactly; a number and a numeric string compare as numbers. */
export function looseEquals(a: unknown, b: unknown): boolean {
  if (isMissing(a) || isMissing(b)) return false;
  if (a === b) return true;
  if (typeof a === "number" || typeof b === "number") {
    const x = toNumber(a);
    const y = toNumber(b);
    return x !== undefined && x === y;
  }
  const x = scalarText(a);
  return x !== undefined && x === scalarText(b);
}

/** Whether an IF condition lets the field be written: true, or a non-nil value other than false/0/"false". */
export function isTruthy(value: unknown): boolean {
  if (value === true) return true;
  if (value === false || value === 0 || isMissing(value)) return false;
  return !(typeof value === "string" && value.toLowerCase() === "false");
}
