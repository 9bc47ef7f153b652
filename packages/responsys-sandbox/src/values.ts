import type { FieldType } from "./seed.ts";

/** Why `value` cannot be stored in a column of `type`, or null when it can. */
export function valueProblem(type: FieldType, value: string): string | null {
  const maxLength = /^STR(\d+)$/.exec(type)?.[1];
  if (maxLength !== undefined) {
    return value.length > Number(maxLength) ? `is longer than ${maxLength} characters` : null;
  }
  switch (type) {
    case "CHAR":
      return value.length > 1 ? "is longer than 1 character" : null;
    case "INTEGER":
      return /^-?\d+$/.test(value.trim()) ? null : "is not an integer";
    case "NUMBER":
      return value.trim() !== "" && Number.isFinite(Number(value)) ? null : "is not a number";
    case "TIMESTAMP":
      return Number.isNaN(Date.parse(value)) ? "is not a timestamp" : null;
    default:
      return null;
  }
}

/** Responsys' per-record failure text: `MERGEFAILED: Record <i> = <CODE>: <detail>` (reference §2). */
export function mergeFailed(index: number, code: string, detail: string): string {
  return `MERGEFAILED: Record ${index} = ${code}: ${detail}`;
}
