import { isEmailShaped } from "@responsys-bridge/core";
import { z } from "zod";
import { invalidParameter } from "./envelope.ts";
import {
  checkColumns,
  checkHashMatch,
  checkRecordCount,
  type RowOutcome,
  readRow,
  rowFailure,
} from "./records.ts";
import type { Member } from "./seed.ts";
import {
  isMatchColumn,
  type MatchColumn,
  type ProfileList,
  type SandboxStore,
  withDerivedColumns,
} from "./store.ts";

export const mergeRuleSchema = z.object({
  insertOnNoMatch: z.boolean().nullable().optional(),
  updateOnMatch: z.enum(["REPLACE_ALL", "NO_UPDATE"]).nullable().optional(),
  matchColumnName1: z.string().nullable().optional(),
  matchColumnName2: z.string().nullable().optional(),
  matchColumnName3: z.string().nullable().optional(),
  matchOperator: z.enum(["NONE", "AND"]).nullable().optional(),
  optinValue: z.string().nullable().optional(),
  optoutValue: z.string().nullable().optional(),
  htmlValue: z.string().nullable().optional(),
  textValue: z.string().nullable().optional(),
  rejectRecordIfChannelEmpty: z.string().nullable().optional(),
  defaultPermissionStatus: z.enum(["OPTIN", "OPTOUT"]).nullable().optional(),
});
export type MergeRuleInput = z.infer<typeof mergeRuleSchema>;

/** A merge rule with Responsys' defaults applied and its combinations checked. */
export interface MergeRule {
  insertOnNoMatch: boolean;
  updateOnMatch: "REPLACE_ALL" | "NO_UPDATE";
  matchColumns: MatchColumn[];
  matchOperator: "NONE" | "AND";
  optinValue: string | null;
  optoutValue: string | null;
  htmlValue: string | null;
  textValue: string | null;
  rejectChannels: Set<string>;
  defaultPermissionStatus: "OPTIN" | "OPTOUT";
}

/** Checks the columns and the rule of a list merge; a problem fails the whole request (400). */
export function resolveMergeRule(input: MergeRuleInput, fieldNames: readonly string[]): MergeRule {
  if (input.matchColumnName3 !== undefined && input.matchColumnName3 !== null) {
    throw invalidParameter("matchColumnName3 is not supported and must be null");
  }
  const names = [input.matchColumnName1, input.matchColumnName2].filter(
    (name): name is string => name !== undefined && name !== null && name !== "",
  );
  if (!input.matchColumnName1) throw invalidParameter("Match Column is null: matchColumnName1 is required");
  const matchColumns: MatchColumn[] = [];
  for (const name of names) {
    if (!isMatchColumn(name)) {
      throw invalidParameter(
        `Invalid match column ${name}: use one of RIID_, CUSTOMER_ID_, EMAIL_ADDRESS_, MOBILE_NUMBER_, EMAIL_MD5_HASH_, EMAIL_SHA256_HASH_`,
      );
    }
    if (!fieldNames.includes(name)) throw invalidParameter(`Match column ${name} is not in fieldNames`);
    matchColumns.push(name);
  }
  if (matchColumns.length === 2 && matchColumns[0] === matchColumns[1]) {
    throw invalidParameter("matchColumnName1 and matchColumnName2 are the same column");
  }
  const insertOnNoMatch = input.insertOnNoMatch ?? true;
  checkHashMatch(matchColumns, insertOnNoMatch);
  return {
    insertOnNoMatch,
    updateOnMatch: input.updateOnMatch ?? "REPLACE_ALL",
    matchColumns,
    matchOperator: input.matchOperator ?? "NONE",
    optinValue: input.optinValue ?? null,
    optoutValue: input.optoutValue ?? null,
    htmlValue: input.htmlValue ?? null,
    textValue: input.textValue ?? null,
    rejectChannels: new Set(
      (input.rejectRecordIfChannelEmpty ?? "")
        .split(",")
        .map((code) => code.trim().toUpperCase())
        .filter((code) => code !== ""),
    ),
    defaultPermissionStatus: input.defaultPermissionStatus ?? "OPTOUT",
  };
}

/** The rule as Responsys echoes it in a merge response (reference §2 response sample). */
export function echoMergeRule(rule: MergeRule): Record<string, unknown> {
  return {
    insertOnNoMatch: rule.insertOnNoMatch,
    updateOnMatch: rule.updateOnMatch,
    matchColumnName1: rule.matchColumns[0] ?? null,
    matchColumnName2: rule.matchColumns[1] ?? null,
    matchOperator: rule.matchOperator,
    optinValue: rule.optinValue,
    optoutValue: rule.optoutValue,
    htmlValue: rule.htmlValue,
    textValue: rule.textValue,
    rejectRecordIfChannelEmpty: rule.rejectChannels.size > 0 ? [...rule.rejectChannels].join(",") : null,
    defaultPermissionStatus: rule.defaultPermissionStatus,
    matchColumnName3: null,
  };
}

/** Whole-request checks of every list write: record count and known, unique columns. */
export function checkRecordShape(list: ProfileList, fieldNames: readonly string[], count: number): void {
  checkRecordCount(count);
  checkColumns(fieldNames, (name) => list.hasField(name), `list ${list.name}`);
}

/**
 * Merges records into the list one by one, in order, as Responsys does: a bad row fails alone
 * (MERGEFAILED) and the rest of the batch is applied.
 */
export function mergeIntoList(
  store: SandboxStore,
  list: ProfileList,
  fieldNames: readonly string[],
  records: readonly (readonly (string | null)[])[],
  rule: MergeRule,
  now: number,
): RowOutcome[] {
  return records.map((record, index) => mergeOne(store, list, fieldNames, record, index, rule, now));
}

function mergeOne(
  store: SandboxStore,
  list: ProfileList,
  fieldNames: readonly string[],
  record: readonly (string | null)[],
  index: number,
  rule: MergeRule,
  now: number,
): RowOutcome {
  const fail = (code: string, detail: string) => rowFailure(index, code, detail);
  const row = readRow(
    fieldNames,
    record,
    index,
    (name) => list.fieldType(name),
    (given) => translateCodes(given, rule),
  );
  if ("failure" in row) return row.failure;
  const { values } = row;
  const email = values.EMAIL_ADDRESS_;
  if (email && !isEmailShaped(email)) return fail("INVALID_PARAMETER", `Bad Email Format: ${email}`);
  const firstColumn = rule.matchColumns[0];
  const channels = new Set(rule.rejectChannels);
  if (firstColumn === "EMAIL_ADDRESS_") channels.add("E");
  if (firstColumn === "MOBILE_NUMBER_") channels.add("M");
  if (channels.has("E") && !values.EMAIL_ADDRESS_)
    return fail("INVALID_PARAMETER", "EMAIL_ADDRESS_ is empty");
  if (channels.has("M") && !values.MOBILE_NUMBER_)
    return fail("INVALID_PARAMETER", "MOBILE_NUMBER_ is empty");
  if (rule.matchColumns.every((column) => !values[column])) {
    return fail("INVALID_PARAMETER", `Match column ${rule.matchColumns.join(", ")} has no value`);
  }

  const riid = findMatch(list, values, rule);
  const writable = { ...values };
  delete writable.RIID_;
  if (riid !== undefined) {
    const existing = list.members.get(riid) ?? {};
    if (rule.updateOnMatch === "REPLACE_ALL") {
      list.put(riid, withDerivedColumns(list, { ...existing, ...writable }, now, false));
    }
    return { ok: true, riid };
  }
  if (!rule.insertOnNoMatch) {
    return fail("RECORD_NOT_FOUND", "No record matches and insertOnNoMatch is false");
  }
  if (rule.matchColumns.includes("RIID_")) {
    return fail("RECORD_NOT_FOUND", `No record has RIID_ ${values.RIID_ ?? ""}`);
  }
  const permission = rule.defaultPermissionStatus === "OPTIN" ? "I" : "O";
  const inserted: Member = { ...writable };
  if (
    list.hasField("EMAIL_PERMISSION_STATUS_") &&
    inserted.EMAIL_ADDRESS_ &&
    !inserted.EMAIL_PERMISSION_STATUS_
  ) {
    inserted.EMAIL_PERMISSION_STATUS_ = permission;
  }
  if (
    list.hasField("MOBILE_PERMISSION_STATUS_") &&
    inserted.MOBILE_NUMBER_ &&
    !inserted.MOBILE_PERMISSION_STATUS_
  ) {
    inserted.MOBILE_PERMISSION_STATUS_ = permission;
  }
  const newRiid = store.allocateRiid();
  list.put(newRiid, withDerivedColumns(list, inserted, now, true));
  return { ok: true, riid: newRiid };
}

function findMatch(list: ProfileList, values: Member, rule: MergeRule): number | undefined {
  const candidates = rule.matchColumns.map((column) => {
    const value = values[column];
    return value ? list.find(column, value) : [];
  });
  if (rule.matchOperator === "AND") {
    const [first = [], ...rest] = candidates;
    return first.find((riid) => rest.every((other) => other.includes(riid)));
  }
  // NONE: the first match column decides; the second is tried only when the first finds nobody.
  for (const found of candidates) if (found.length > 0) return found[0];
  return undefined;
}

/** Applies the rule's incoming codes (e.g. `optinValue: "Y"`) to Responsys' own I/O and H/T. */
function translateCodes(values: Member, rule: MergeRule): Member {
  const translated = { ...values };
  const permission = values.EMAIL_PERMISSION_STATUS_;
  if (permission && permission === rule.optinValue) translated.EMAIL_PERMISSION_STATUS_ = "I";
  if (permission && permission === rule.optoutValue) translated.EMAIL_PERMISSION_STATUS_ = "O";
  const format = values.EMAIL_FORMAT_;
  if (format && format === rule.htmlValue) translated.EMAIL_FORMAT_ = "H";
  if (format && format === rule.textValue) translated.EMAIL_FORMAT_ = "T";
  return translated;
}
