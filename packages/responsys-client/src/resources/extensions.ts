import { BridgeError, fieldNameProblem } from "@responsys-bridge/core";
import { z } from "zod";
import { type Requester, unexpectedAnswer } from "../api-request.ts";
import { parseInput } from "../input.ts";
import { type MergeResult, toMergeResults } from "../merge-results.ts";
import { path } from "../path.ts";
import { assertRecordCount, type RecordValue, toWireRecords } from "../records.ts";
import {
  listIn,
  mergeResponseSchema,
  type WireProfileExtension,
  wireProfileExtensionSchema,
} from "../wire.ts";
import type { ListField } from "./lists.ts";

/** Column types a new PET may have (REF op-rest-api-v1.3-lists-listname-listextensions-post). */
export const PET_FIELD_TYPES = ["STR500", "STR4000", "INTEGER", "NUMBER", "TIMESTAMP"] as const;

/**
 * PET match columns are the profile-list identifiers WITHOUT the trailing underscore; `RIID_`
 * gives INVALID_PARAMETER "Match Column is null" (DEV listExtensions-petName-members-post).
 * Callers may write either form; the client sends the bare one.
 */
export const petMatchColumnSchema = z
  .string()
  .transform((name) => name.replace(/_$/, ""))
  .pipe(
    z.enum(["RIID", "CUSTOMER_ID", "EMAIL_ADDRESS", "MOBILE_NUMBER", "EMAIL_MD5_HASH", "EMAIL_SHA256_HASH"]),
  );
export type PetMatchColumn = z.output<typeof petMatchColumnSchema>;

const HASH_MATCH_COLUMNS: readonly string[] = ["EMAIL_MD5_HASH", "EMAIL_SHA256_HASH"];

export const createExtensionSchema = z.object({
  objectName: z.string().trim().min(1).max(255),
  folderName: z.string().trim().min(1).max(255),
  fields: z
    .array(
      z.object({
        fieldName: z.string().superRefine((name, context) => {
          const problem = fieldNameProblem(name);
          if (problem !== null)
            context.addIssue({ code: "custom", message: `field name ${name} ${problem}` });
        }),
        fieldType: z.enum(PET_FIELD_TYPES),
      }),
    )
    .min(1, "a PET needs at least one field"),
});
export type CreateExtensionInput = z.input<typeof createExtensionSchema>;

const petMergeOptionsSchema = z
  .object({
    matchColumnName1: petMatchColumnSchema,
    matchColumnName2: petMatchColumnSchema.nullable().default(null),
    insertOnNoMatch: z.boolean(),
    updateOnMatch: z.enum(["REPLACE_ALL", "NO_UPDATE"]).default("REPLACE_ALL"),
  })
  .superRefine((rule, context) => {
    const usesHash = [rule.matchColumnName1, rule.matchColumnName2].some(
      (column) => column !== null && HASH_MATCH_COLUMNS.includes(column),
    );
    if (usesHash && rule.insertOnNoMatch) {
      context.addIssue({
        code: "custom",
        path: ["insertOnNoMatch"],
        message: "must be false when matching on a hash column (Responsys cannot insert by hash)",
      });
    }
    if (rule.matchColumnName2 === rule.matchColumnName1) {
      context.addIssue({
        code: "custom",
        path: ["matchColumnName2"],
        message: "must differ from matchColumnName1",
      });
    }
  });

/** Records to merge into a PET. */
export interface ExtensionMergeInput {
  /** Must include the match column as a profile-list key with its underscore (e.g. `EMAIL_ADDRESS_`). */
  fieldNames: readonly string[];
  records: readonly (readonly RecordValue[])[];
  /** `EMAIL_ADDRESS`, `RIID`, … (a trailing `_` is dropped). */
  matchColumnName1: string;
  matchColumnName2?: string | null;
  insertOnNoMatch: boolean;
  updateOnMatch?: "REPLACE_ALL" | "NO_UPDATE";
}

/** A profile extension table and its columns. */
export interface ProfileExtension {
  objectName: string;
  folderName: string | undefined;
  fields: ListField[];
}

/** Profile extension tables: `/rest/api/v1.3/lists/{list}/listExtensions…`. */
export class ExtensionsResource {
  readonly #client: Requester;

  constructor(client: Requester) {
    this.#client = client;
  }

  /** The PETs of a list: `GET /lists/{list}/listExtensions` (a bare array). */
  async list(list: string): Promise<ProfileExtension[]> {
    return this.#client.request({
      apiFunction: "retrieveProfileExtensions",
      method: "GET",
      path: path`/rest/api/v1.3/lists/${list}/listExtensions`,
      mode: "idempotent",
      schema: z.unknown(),
      map: (body) => {
        const parsed = z
          .array(wireProfileExtensionSchema)
          .safeParse(listIn(body, ["listExtensions", "items"]));
        if (!parsed.success) {
          throw unexpectedAnswer("retrieveProfileExtensions", "idempotent", "expected an array of PETs");
        }
        return parsed.data.map(toProfileExtension);
      },
    });
  }

  /** Creates a PET: `POST /lists/{list}/listExtensions`. Field names are checked before sending. */
  async create(list: string, input: CreateExtensionInput): Promise<ProfileExtension> {
    const listPath = path`/rest/api/v1.3/lists/${list}/listExtensions`;
    const pet = parseInput(createExtensionSchema, input, "INVALID_EXTENSION", "PET definition");
    return this.#client.request({
      apiFunction: "createProfileExtension",
      method: "POST",
      path: listPath,
      mode: "idempotent",
      body: {
        profileExtension: { objectName: pet.objectName, folderName: pet.folderName },
        fields: pet.fields.map((field) => ({ fieldName: field.fieldName, fieldType: field.fieldType })),
      },
      // The answer is documented only as echoing the definition; fall back to what was asked.
      schema: z.unknown(),
      map: (body) => {
        const parsed = wireProfileExtensionSchema.safeParse(body);
        if (parsed.success && parsed.data.fields !== undefined && parsed.data.fields !== null) {
          return toProfileExtension(parsed.data);
        }
        return {
          objectName: parsed.success ? parsed.data.profileExtension.objectName : pet.objectName,
          folderName: pet.folderName,
          fields: pet.fields.map((field) => ({ fieldName: field.fieldName, fieldType: field.fieldType })),
        };
      },
    });
  }

  /**
   * Merges up to 200 records into a PET: `POST /lists/{list}/listExtensions/{pet}/members`, with
   * the rule fields at the top level (no `mergeRule` wrapper) and bare match columns.
   */
  async mergeMembers(list: string, pet: string, input: ExtensionMergeInput): Promise<MergeResult[]> {
    assertRecordCount(input.records.length, "records");
    const petPath = path`/rest/api/v1.3/lists/${list}/listExtensions/${pet}/members`;
    const rule = parseInput(
      petMergeOptionsSchema,
      {
        matchColumnName1: input.matchColumnName1,
        matchColumnName2: input.matchColumnName2 ?? null,
        insertOnNoMatch: input.insertOnNoMatch,
        updateOnMatch: input.updateOnMatch,
      },
      "INVALID_MERGE_RULE",
      "PET merge rule",
    );
    const records = toWireRecords(input.fieldNames, input.records);
    const key = `${rule.matchColumnName1}_`;
    if (!input.fieldNames.includes(key)) {
      throw new BridgeError({
        code: "INVALID_RECORDS",
        message: `PET records must include ${key} in fieldNames: Responsys matches PET rows by that profile-list key.`,
      });
    }
    if (records.length === 0) return [];
    return this.#client.request({
      apiFunction: "mergeProfileExtensionMembers",
      method: "POST",
      path: petPath,
      mode: "idempotent",
      body: {
        recordData: { fieldNames: [...input.fieldNames], records, mapTemplateName: null },
        insertOnNoMatch: rule.insertOnNoMatch,
        updateOnMatch: rule.updateOnMatch,
        matchColumnName1: rule.matchColumnName1,
        matchColumnName2: rule.matchColumnName2,
      },
      schema: mergeResponseSchema,
      map: (wire) => toMergeResults("mergeProfileExtensionMembers", wire, records.length),
    });
  }
}

function toProfileExtension(wire: WireProfileExtension): ProfileExtension {
  return {
    objectName: wire.profileExtension.objectName,
    folderName: wire.profileExtension.folderName ?? undefined,
    fields: (wire.fields ?? []).map((field) => ({
      fieldName: field.fieldName,
      fieldType: field.fieldType ?? undefined,
    })),
  };
}
