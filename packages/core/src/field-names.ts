// Responsys custom field names: letters, digits and `_`; must start with a letter; may not end
// with `_` (that suffix is reserved for system fields such as EMAIL_ADDRESS_); at most 30
// characters; and the single letters below are reserved. Sources: Oracle's "List_ChangeSchema"
// and "List_DataTypeFieldname" help pages, summarised in shared/reference/responsys-api.md.

export const MAX_FIELD_NAME_LENGTH = 30;
export const RESERVED_SINGLE_LETTERS: readonly string[] = ["A", "E", "G", "K", "M", "P", "T", "U"];

/** Why `name` is not a valid Responsys custom field name, or null when it is valid. */
export function fieldNameProblem(name: string): string | null {
  if (name.length === 0) return "is empty";
  if (name.length > MAX_FIELD_NAME_LENGTH) return `is longer than ${MAX_FIELD_NAME_LENGTH} characters`;
  if (!/^[A-Za-z]/.test(name)) return "does not start with a letter";
  if (!/^[A-Za-z0-9_]+$/.test(name)) return "has characters other than letters, digits and _";
  if (name.endsWith("_")) return "ends with _ (reserved for system fields)";
  if (RESERVED_SINGLE_LETTERS.includes(name.toUpperCase())) return `is the reserved single letter ${name}`;
  return null;
}

/** True when `name` may be used as a custom Responsys field (PET column) name. */
export function isValidFieldName(name: string): boolean {
  return fieldNameProblem(name) === null;
}

/**
 * Turns any CDP field name into a valid Responsys field name, deterministically:
 * non [A-Za-z0-9_] characters become `_`, runs of `_` collapse, a leading non-letter gets an
 * `F_` prefix, the result is cut to 30 characters and trailing `_` are removed. A reserved
 * single letter gets a trailing `1`. The same input always gives the same column name.
 */
export function toFieldName(name: string): string {
  let result = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9_]/g, "_")
    .replace(/_+/g, "_");
  if (!/^[A-Za-z]/.test(result)) result = `F_${result}`.replace(/_+/g, "_");
  result = result.slice(0, MAX_FIELD_NAME_LENGTH).replace(/_+$/, "");
  if (result === "F") result = "FIELD";
  if (RESERVED_SINGLE_LETTERS.includes(result.toUpperCase())) result = `${result}1`;
  return result;
}
