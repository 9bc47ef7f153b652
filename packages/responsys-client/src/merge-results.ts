import type { ApiFunction } from "./api-functions.ts";
import { unexpectedAnswer } from "./api-request.ts";
import type { MergeResponse } from "./wire.ts";

/** The outcome of one merged record: its RIID, or Responsys' `MERGEFAILED: …` message. */
export type MergeResult = { ok: true; riid: string } | { ok: false; error: string };

const FAILED_PREFIX = "MERGEFAILED:";

/**
 * Reads a merge answer into one result per input record, in input order. Responsys keeps request
 * order and puts either the RIID or a `MERGEFAILED:` string in each row's RIID cell
 * (shared/reference/responsys-api.md §2, "Parse rule").
 */
export function toMergeResults(
  apiFunction: ApiFunction,
  wire: MergeResponse,
  expected: number,
): MergeResult[] {
  const rows = wire.recordData.records;
  if (rows.length !== expected) {
    throw unexpectedAnswer(apiFunction, "idempotent", `${rows.length} result rows for ${expected} records`);
  }
  const riidIndex = Math.max(0, wire.recordData.fieldNames?.indexOf("RIID_") ?? 0);
  return rows.map((row, index): MergeResult => {
    const cell = row[riidIndex];
    const text = cell === null || cell === undefined ? "" : String(cell).trim();
    if (text.toUpperCase().startsWith(FAILED_PREFIX)) return { ok: false, error: text };
    // Neither an RIID nor a failure: count it as failed so the caller keeps the record.
    if (text === "")
      return { ok: false, error: `${FAILED_PREFIX} Responsys returned no RIID for record ${index}` };
    return { ok: true, riid: text };
  });
}
