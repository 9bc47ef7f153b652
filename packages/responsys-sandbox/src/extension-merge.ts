import { z } from "zod";
import { invalidParameter } from "./envelope.ts";
import {
  checkColumns,
  checkHashMatch,
  checkMapTemplate,
  checkRecordCount,
  type RowOutcome,
  readRow,
  recordDataSchema,
  rowFailure,
} from "./records.ts";
import type { Member } from "./seed.ts";
import { isMatchColumn, type MatchColumn, type ProfileExtension, type ProfileList } from "./store.ts";

// PET rule fields sit at the root of the body (no mergeRule wrapper) and name match columns
// without the trailing underscore (reference §3.1). Swagger calls the first one `matchColumn`.
export const extensionMergeSchema = z.object({
  recordData: recordDataSchema,
  insertOnNoMatch: z.boolean().nullable().optional(),
  updateOnMatch: z.enum(["REPLACE_ALL", "NO_UPDATE"]).nullable().optional(),
  matchColumnName1: z.string().nullable().optional(),
  matchColumnName2: z.string().nullable().optional(),
  matchColumn: z.string().nullable().optional(),
});
export type ExtensionMerge = z.infer<typeof extensionMergeSchema>;

const PET_MATCH_COLUMNS: Record<string, MatchColumn> = {
  RIID: "RIID_",
  CUSTOMER_ID: "CUSTOMER_ID_",
  EMAIL_ADDRESS: "EMAIL_ADDRESS_",
  MOBILE_NUMBER: "MOBILE_NUMBER_",
  EMAIL_MD5_HASH: "EMAIL_MD5_HASH_",
  EMAIL_SHA256_HASH: "EMAIL_SHA256_HASH_",
};

export interface ExtensionRule {
  insertOnNoMatch: boolean;
  updateOnMatch: "REPLACE_ALL" | "NO_UPDATE";
  /** The bare names as sent, e.g. EMAIL_ADDRESS. */
  matchColumnNames: string[];
  /** The list columns they stand for, e.g. EMAIL_ADDRESS_. */
  listColumns: MatchColumn[];
}

/** Whole-request checks of a PET merge; each failure is a 400 and nothing is written. */
export function resolveExtensionRule(body: ExtensionMerge, extension: ProfileExtension): ExtensionRule {
  const { fieldNames, records, mapTemplateName } = body.recordData;
  checkRecordCount(records.length);
  checkMapTemplate(mapTemplateName);
  const first = body.matchColumnName1 ?? body.matchColumn ?? null;
  const names = [first, body.matchColumnName2 ?? null].filter((name): name is string => !!name);
  if (!first) throw invalidParameter("Match Column is null: matchColumnName1 is required");
  const listColumns: MatchColumn[] = [];
  for (const name of names) {
    const column = PET_MATCH_COLUMNS[name];
    if (!column) {
      throw invalidParameter(
        `Match Column is null: ${name} is not a PET match column (use ${Object.keys(PET_MATCH_COLUMNS).join(", ")}, without a trailing underscore)`,
      );
    }
    listColumns.push(column);
  }
  checkColumns(
    fieldNames,
    (name) => isMatchColumn(name) || !!extension.fieldType(name),
    extension.objectName,
  );
  const insertOnNoMatch = body.insertOnNoMatch ?? true;
  checkHashMatch(listColumns, insertOnNoMatch);
  return {
    insertOnNoMatch,
    updateOnMatch: body.updateOnMatch ?? "REPLACE_ALL",
    matchColumnNames: names,
    listColumns,
  };
}

/**
 * Writes PET rows. Each row is keyed by its parent list record, found through the match column's
 * list twin (EMAIL_ADDRESS → EMAIL_ADDRESS_), which must be among fieldNames. A row whose parent
 * does not exist fails alone: PETs never accept records for profiles that are not on the list.
 */
export function mergeIntoExtension(
  list: ProfileList,
  extension: ProfileExtension,
  fieldNames: readonly string[],
  records: readonly (readonly (string | null)[])[],
  rule: ExtensionRule,
  now: number,
): RowOutcome[] {
  return records.map((record, index): RowOutcome => {
    const fail = (code: string, detail: string) => rowFailure(index, code, detail);
    const missingKey = rule.listColumns.find((column) => !fieldNames.includes(column));
    if (missingKey) {
      return fail("INVALID_PARAMETER", `fieldNames must include the profile list merge key ${missingKey}`);
    }
    const row = readRow(fieldNames, record, index, (name) => extension.fieldType(name));
    if ("failure" in row) return row.failure;
    const { values } = row;
    let riid: number | undefined;
    for (const column of rule.listColumns) {
      const value = values[column];
      const found = value ? list.find(column, value) : [];
      if (found.length > 0) {
        riid = found[0];
        break;
      }
    }
    if (riid === undefined) {
      return fail(
        "RECORD_NOT_FOUND",
        `No record in profile list ${list.name} matches ${rule.listColumns.join(", ")}; a PET row needs its profile list record`,
      );
    }
    const columns: Member = {};
    for (const [name, value] of Object.entries(values)) {
      if (extension.fieldType(name)) columns[name] = value;
    }
    const timestamp = new Date(now).toISOString();
    const existing = extension.rows.get(riid);
    if (existing) {
      if (rule.updateOnMatch === "REPLACE_ALL") {
        extension.rows.set(riid, { ...existing, ...columns, MODIFIED_DATE_: timestamp });
      }
      return { ok: true, riid };
    }
    if (!rule.insertOnNoMatch) {
      return fail(
        "RECORD_NOT_FOUND",
        `No ${extension.objectName} row for RIID ${riid} and insertOnNoMatch is false`,
      );
    }
    extension.rows.set(riid, {
      RIID_: String(riid),
      ...columns,
      CREATED_DATE_: timestamp,
      MODIFIED_DATE_: timestamp,
    });
    return { ok: true, riid };
  });
}
