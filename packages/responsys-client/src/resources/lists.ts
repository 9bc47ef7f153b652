import { z } from "zod";
import { type Requester, unexpectedAnswer } from "../api-request.ts";
import { parseInput } from "../input.ts";
import { type MergeResult, toMergeResults } from "../merge-results.ts";
import {
  assertMatchColumnsSent,
  type ListMergeRuleInput,
  listMergeRuleSchema,
  toWireMergeRule,
} from "../merge-rule.ts";
import { path } from "../path.ts";
import { assertRecordCount, type RecordValue, toWireRecords } from "../records.ts";
import { listIn, mergeResponseSchema, type WireProfileList, wireProfileListSchema } from "../wire.ts";

/** A column of a profile list or PET. */
export interface ListField {
  fieldName: string;
  /** Responsys type name (STR500, INTEGER, TIMESTAMP, …) when reported. */
  fieldType: string | undefined;
}

/** A profile list and its columns. */
export interface ProfileList {
  name: string;
  folderName: string | undefined;
  fields: ListField[];
}

/** Records to merge into a profile list. */
export interface ListMergeInput {
  /** Column names, e.g. `EMAIL_ADDRESS_`, `CUSTOMER_ID_`, `FIRST_NAME`. */
  fieldNames: readonly string[];
  /** One array per record, positional to `fieldNames`; values are sent as strings. At most 200. */
  records: readonly (readonly RecordValue[])[];
  mergeRule: ListMergeRuleInput;
}

/** Profile lists: `/rest/api/v1.3/lists…`. */
export class ListsResource {
  readonly #client: Requester;

  constructor(client: Requester) {
    this.#client = client;
  }

  /** Every profile list with its fields: `GET /lists` (a bare array per Oracle's sample). */
  async list(): Promise<ProfileList[]> {
    return this.#client.request({
      apiFunction: "retrieveProfileLists",
      method: "GET",
      path: "/rest/api/v1.3/lists",
      mode: "idempotent",
      schema: z.unknown(),
      map: (body) => {
        const items = listIn(body, ["lists", "items"]);
        const parsed = z.array(wireProfileListSchema).safeParse(items);
        if (!parsed.success) {
          throw unexpectedAnswer("retrieveProfileLists", "idempotent", "expected an array of profile lists");
        }
        return parsed.data.map(toProfileList);
      },
    });
  }

  /** One list's columns: `GET /lists/{list}/fields`. */
  async fields(list: string): Promise<ProfileList> {
    return this.#client.request({
      apiFunction: "retrieveListFields",
      method: "GET",
      path: path`/rest/api/v1.3/lists/${list}/fields`,
      mode: "idempotent",
      schema: wireProfileListSchema,
      map: toProfileList,
    });
  }

  /**
   * Merges up to 200 records: `POST /lists/{list}/members`. Resolves with one result per record
   * in input order; a rejected record is `{ ok: false, error: "MERGEFAILED: …" }`, not a throw.
   */
  async mergeMembers(list: string, input: ListMergeInput): Promise<MergeResult[]> {
    assertRecordCount(input.records.length, "records");
    const listPath = path`/rest/api/v1.3/lists/${list}/members`;
    const rule = parseInput(listMergeRuleSchema, input.mergeRule, "INVALID_MERGE_RULE", "merge rule");
    assertMatchColumnsSent(rule, input.fieldNames);
    const records = toWireRecords(input.fieldNames, input.records);
    if (records.length === 0) return [];
    return this.#client.request({
      apiFunction: "mergeListMembers",
      method: "POST",
      path: listPath,
      mode: "idempotent",
      body: {
        recordData: { fieldNames: [...input.fieldNames], records, mapTemplateName: null },
        mergeRule: toWireMergeRule(rule),
      },
      schema: mergeResponseSchema,
      map: (wire) => toMergeResults("mergeListMembers", wire, records.length),
    });
  }
}

function toProfileList(wire: WireProfileList): ProfileList {
  return {
    name: wire.name,
    folderName: wire.folderName ?? undefined,
    fields: (wire.fields ?? []).map((field) => ({
      fieldName: field.fieldName,
      fieldType: field.fieldType ?? undefined,
    })),
  };
}
