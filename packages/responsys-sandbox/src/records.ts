import { z } from "zod";
import { invalidParameter } from "./envelope.ts";
import type { FieldType, Member } from "./seed.ts";
import type { MatchColumn } from "./store.ts";

// What list merges, PET merges and triggers share: the record shape, the whole-request checks,
// and the per-row reading that turns a bad row into its own MERGEFAILED.

/** Most records (or recipients) one synchronous call may carry (reference §2, §3.1, §4). */
export const MAX_RECORDS_PER_CALL = 200;

export const recordDataSchema = z.object({
  fieldNames: z.array(z.string().min(1)).min(1),
  records: z.array(z.array(z.string().nullable())),
  mapTemplateName: z.string().nullable().optional(),
});

/** The outcome of one record: the RIID it landed on, or a `MERGEFAILED: …` message. */
export type RowOutcome = { ok: true; riid: number } | { ok: false; message: string };

/** 400 when a call carries more than 200 records or recipients. */
export function checkRecordCount(count: number, noun: "records" | "recipients" = "records"): void {
  if (count > MAX_RECORDS_PER_CALL) {
    throw invalidParameter(`Too many ${noun}: ${count} sent, at most ${MAX_RECORDS_PER_CALL} per request`);
  }
}

/** 400 for a column the table does not have, or one named twice: the whole request is refused. */
export function checkColumns(
  fieldNames: readonly string[],
  isKnown: (name: string) => boolean,
  table: string,
): void {
  const unknown = fieldNames.filter((name) => !isKnown(name));
  if (unknown.length > 0) throw invalidParameter(`Invalid field name(s) for ${table}: ${unknown.join(", ")}`);
  const duplicated = fieldNames.filter((name, index) => fieldNames.indexOf(name) !== index);
  if (duplicated.length > 0) throw invalidParameter(`Duplicate field name(s): ${duplicated.join(", ")}`);
}

/**
 * Responsys' limits on hashed-email match columns (reference §2, §3.1): never two hash columns,
 * never EMAIL_ADDRESS_ with one, and no inserts when matching on one (a hash cannot be turned back
 * into the email a new record needs). Each is a 400 for the whole request.
 */
export function checkHashMatch(columns: readonly MatchColumn[], insertOnNoMatch: boolean): void {
  const hashes = columns.filter((column) => column === "EMAIL_MD5_HASH_" || column === "EMAIL_SHA256_HASH_");
  if (hashes.length === 0) return;
  if (hashes.length === 2) throw invalidParameter("Two hash match columns cannot be combined");
  if (columns.includes("EMAIL_ADDRESS_")) {
    throw invalidParameter("EMAIL_ADDRESS_ cannot be combined with a hash match column");
  }
  if (insertOnNoMatch) {
    throw invalidParameter(
      `Records cannot be inserted when matching on ${hashes.join(", ")}: set insertOnNoMatch to false`,
    );
  }
}

/** Map templates are not emulated; naming one is refused rather than silently ignored. */
export function checkMapTemplate(mapTemplateName: string | null | undefined): void {
  if (mapTemplateName) throw invalidParameter(`Map template ${mapTemplateName} not found`);
}

/** Responsys' per-record failure: `MERGEFAILED: Record <i> = <CODE>: <detail>` (reference §2). */
export function rowFailure(index: number, code: string, detail: string): RowOutcome {
  return { ok: false, message: `MERGEFAILED: Record ${index} = ${code}: ${detail}` };
}

/**
 * The row as column → value ("" read as null), or its failure when it has the wrong number of
 * values or a value that does not fit its column's type. `prepare` rewrites the values before
 * they are type-checked (a list merge translates incoming permission and format codes).
 */
export function readRow(
  fieldNames: readonly string[],
  record: readonly (string | null)[],
  index: number,
  typeOf: (name: string) => FieldType | undefined,
  prepare: (values: Member) => Member = (values) => values,
): { values: Member } | { failure: RowOutcome } {
  if (record.length !== fieldNames.length) {
    return {
      failure: rowFailure(
        index,
        "INVALID_PARAMETER",
        `The record has ${record.length} values for ${fieldNames.length} field names`,
      ),
    };
  }
  const given: Member = {};
  fieldNames.forEach((name, position) => {
    const value = record[position];
    given[name] = value === undefined || value === "" ? null : value;
  });
  const values = prepare(given);
  for (const [name, value] of Object.entries(values)) {
    const type = typeOf(name);
    const problem = value === null || type === undefined ? null : valueProblem(type, value);
    if (problem) {
      return { failure: rowFailure(index, "INVALID_PARAMETER", `The value ${value} of ${name} ${problem}`) };
    }
  }
  return { values };
}

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
