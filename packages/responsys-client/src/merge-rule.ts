import {
  BridgeError,
  identifierColumnSchema,
  isHashColumn,
  permissionStatusSchema,
} from "@responsys-bridge/core";
import { z } from "zod";

/**
 * How a profile-list merge matches and updates records (DEV profile-list-definitions-rule-parameters;
 * SWAG `mergeRule`). Everything but the match column, insertOnNoMatch and the permission status
 * has Responsys' documented meaning as its default, and the client always sends every field.
 */
export const listMergeRuleSchema = z
  .object({
    insertOnNoMatch: z.boolean(),
    updateOnMatch: z.enum(["REPLACE_ALL", "NO_UPDATE"]).default("REPLACE_ALL"),
    matchColumnName1: identifierColumnSchema,
    matchColumnName2: identifierColumnSchema.nullable().default(null),
    matchOperator: z.enum(["NONE", "AND"]).default("NONE"),
    optinValue: z.string().default("I"),
    optoutValue: z.string().default("O"),
    htmlValue: z.string().default("H"),
    textValue: z.string().default("T"),
    /** Comma list of channels (E, M, P) whose empty value rejects the record; null disables. */
    rejectRecordIfChannelEmpty: z.string().nullable().default(null),
    /** Explicit on purpose: Responsys silently defaults to OPTOUT when it is missing. */
    defaultPermissionStatus: permissionStatusSchema,
  })
  .superRefine((rule, context) => {
    const second = rule.matchColumnName2;
    if (second === rule.matchColumnName1) {
      context.addIssue({
        code: "custom",
        path: ["matchColumnName2"],
        message: "must differ from matchColumnName1",
      });
    }
    const columns = [rule.matchColumnName1, ...(second === null ? [] : [second])];
    const hashes = columns.filter(isHashColumn);
    if (hashes.length > 1) {
      context.addIssue({
        code: "custom",
        path: ["matchColumnName2"],
        message: "cannot match on two hash columns",
      });
    }
    if (hashes.length > 0 && columns.includes("EMAIL_ADDRESS_")) {
      context.addIssue({
        code: "custom",
        path: ["matchColumnName2"],
        message: "cannot match on EMAIL_ADDRESS_ together with a hash column",
      });
    }
    if (hashes.length > 0 && rule.insertOnNoMatch) {
      context.addIssue({
        code: "custom",
        path: ["insertOnNoMatch"],
        message: "must be false when matching on a hash column (Responsys cannot insert by hash)",
      });
    }
  });
/** A complete merge rule, every field present. */
export type ListMergeRule = z.infer<typeof listMergeRuleSchema>;
/** A merge rule as callers write it; missing optional fields take Responsys' defaults. */
export type ListMergeRuleInput = z.input<typeof listMergeRuleSchema>;

/** The `mergeRule` object sent on the wire: all fields, `matchColumnName3` null (Oracle: "DO NOT USE"). */
export function toWireMergeRule(rule: ListMergeRule): Record<string, unknown> {
  return {
    insertOnNoMatch: rule.insertOnNoMatch,
    updateOnMatch: rule.updateOnMatch,
    matchColumnName1: rule.matchColumnName1,
    matchColumnName2: rule.matchColumnName2,
    matchColumnName3: null,
    matchOperator: rule.matchOperator,
    optinValue: rule.optinValue,
    optoutValue: rule.optoutValue,
    htmlValue: rule.htmlValue,
    textValue: rule.textValue,
    rejectRecordIfChannelEmpty: rule.rejectRecordIfChannelEmpty,
    defaultPermissionStatus: rule.defaultPermissionStatus,
  };
}

/** Refuses a merge whose match columns are not among the fields sent: nothing could match. */
export function assertMatchColumnsSent(rule: ListMergeRule, fieldNames: readonly string[]): void {
  for (const column of [rule.matchColumnName1, rule.matchColumnName2]) {
    if (column !== null && !fieldNames.includes(column)) {
      throw new BridgeError({
        code: "INVALID_RECORDS",
        message: `Match column ${column} must be one of fieldNames (${fieldNames.join(", ")}).`,
      });
    }
  }
}
