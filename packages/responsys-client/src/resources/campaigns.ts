import { type InteractObject, interactObjectSchema } from "@responsys-bridge/core";
import { z } from "zod";
import { type Requester, unexpectedAnswer } from "../api-request.ts";
import { parseInput } from "../input.ts";
import {
  assertMatchColumnsSent,
  type ListMergeRuleInput,
  listMergeRuleSchema,
  toWireMergeRule,
} from "../merge-rule.ts";
import { path } from "../path.ts";
import { assertRecordCount, type RecordValue, toWireRecords, toWireValue } from "../records.ts";
import {
  listIn,
  triggerResponseSchema,
  type WireCampaign,
  wireCampaignSchema,
  wireLinkSchema,
} from "../wire.ts";

/** A campaign as the picker shows it. */
export interface Campaign {
  id: number | undefined;
  name: string;
  folderName: string | undefined;
  /** The profile list the campaign sends to, when Responsys says. */
  list: { objectName: string; folderName: string | undefined } | undefined;
  type: string | undefined;
  status: string | undefined;
  purpose: string | undefined;
}

/** One page of `GET /campaigns`. */
export interface CampaignPage {
  campaigns: Campaign[];
  offset: number;
  limit: number;
  /** Offset of the next page, or undefined on the last one. */
  nextOffset: number | undefined;
}

export const campaignListOptionsSchema = z.object({
  offset: z.number().int().min(0).default(0),
  /** Oracle: default 200, at most 200. */
  limit: z.number().int().min(1).max(200).default(200),
  type: z.enum(["email", "push", "sms", "mms", "pushiocampaign"]).default("email"),
});
export type CampaignListOptions = z.input<typeof campaignListOptionsSchema>;

const recordValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.undefined()]);

// `optionalData` may not carry system columns (DEV trigger-email page); those are exactly the
// names that end in `_`, which custom fields may not.
const optionalDataSchema = z.record(z.string(), recordValueSchema).superRefine((data, context) => {
  for (const name of Object.keys(data)) {
    if (name.trim() === "") context.addIssue({ code: "custom", message: "names must not be empty" });
    if (name.endsWith("_")) {
      context.addIssue({
        code: "custom",
        message: `${name} is a system column name (ends in _), not optionalData`,
      });
    }
  }
});

const IDENTIFIER_KEYS = [
  "recipientId",
  "customerId",
  "emailAddress",
  "mobileNumber",
  "emailMD5Hash",
  "emailSHA256Hash",
] as const;

export const triggerRecipientSchema = z
  .object({
    /** The campaign's profile list. */
    listName: interactObjectSchema,
    recipientId: z
      .union([z.number().int().positive(), z.string().regex(/^\d+$/, "must be a numeric RIID")])
      .optional(),
    customerId: z.string().min(1).optional(),
    emailAddress: z.string().min(1).optional(),
    mobileNumber: z.string().min(1).optional(),
    emailMD5Hash: z.string().min(1).optional(),
    emailSHA256Hash: z.string().min(1).optional(),
    emailFormat: z.enum(["HTML_FORMAT", "TEXT_FORMAT"]).optional(),
    /** Personalisation values by field name; non-ASCII is escaped as \uXXXX on the wire. */
    optionalData: optionalDataSchema.optional(),
  })
  .refine((recipient) => IDENTIFIER_KEYS.some((key) => recipient[key] !== undefined), {
    message: `needs one of ${IDENTIFIER_KEYS.join(", ")}`,
  });
/** Who receives a triggered email. */
export type TriggerRecipient = z.input<typeof triggerRecipientSchema>;

/** The per-recipient outcome Responsys reports (recipientId -1 when not found). */
export interface TriggerResult {
  recipientId: number | null;
  success: boolean;
  errorMessage: string | null;
}

/** Records to merge into the campaign's list and trigger in one call. */
export interface MergeTriggerInput {
  fieldNames: readonly string[];
  records: readonly { values: readonly RecordValue[]; optionalData?: Record<string, RecordValue> }[];
  mergeRule: ListMergeRuleInput;
}

/** Email campaigns: `/rest/api/v1.3/campaigns…`. */
export class CampaignsResource {
  readonly #client: Requester;

  constructor(client: Requester) {
    this.#client = client;
  }

  /** One page of campaigns: `GET /campaigns?type=email&offset=&limit=` (EMD campaigns only). */
  async list(options: CampaignListOptions = {}): Promise<CampaignPage> {
    const { offset, limit, type } = parseInput(
      campaignListOptionsSchema,
      options,
      "INVALID_PAGE",
      "campaign page",
    );
    return this.#client.request({
      apiFunction: "retrieveCampaigns",
      method: "GET",
      path: "/rest/api/v1.3/campaigns",
      query: { type, offset, limit },
      mode: "idempotent",
      schema: z.unknown(),
      map: (body) => {
        // The top-level key is not documented for email campaigns: accept an array, or an
        // object holding one under `campaigns` (the push variant) or `items` (Swagger).
        const parsed = z.array(wireCampaignSchema).safeParse(listIn(body, ["campaigns", "items"]));
        if (!parsed.success) {
          throw unexpectedAnswer("retrieveCampaigns", "idempotent", "expected a list of campaigns");
        }
        const campaigns = parsed.data.map(toCampaign);
        return { campaigns, offset, limit, nextOffset: nextOffset(body, offset, limit, campaigns.length) };
      },
    });
  }

  /** Every campaign, page after page. */
  async *all(options: Omit<CampaignListOptions, "offset"> = {}): AsyncGenerator<Campaign> {
    let offset: number | undefined = 0;
    while (offset !== undefined) {
      const page: CampaignPage = await this.list({ ...options, offset });
      yield* page.campaigns;
      // An empty page, or a next offset that does not move forward, ends the walk.
      offset =
        page.campaigns.length === 0 || page.nextOffset === undefined || page.nextOffset <= offset
          ? undefined
          : page.nextOffset;
    }
  }

  /**
   * Triggers the campaign for up to 200 existing list members: `POST /campaigns/{c}/email` with
   * `recipientData`. One result per recipient, in input order. Not idempotent: repeated only
   * when Responsys answered that it did not process the call.
   */
  async triggerEmail(campaign: string, recipients: readonly TriggerRecipient[]): Promise<TriggerResult[]> {
    assertRecordCount(recipients.length, "recipients");
    const campaignPath = path`/rest/api/v1.3/campaigns/${campaign}/email`;
    const checked = recipients.map((recipient, index) =>
      parseInput(triggerRecipientSchema, recipient, "INVALID_RECIPIENT", `recipient ${index}`),
    );
    if (checked.length === 0) return [];
    return this.#client.request({
      apiFunction: "triggerEmail",
      method: "POST",
      path: campaignPath,
      mode: "trigger",
      body: { recipientData: checked.map(toWireRecipient) },
      schema: triggerResponseSchema,
      map: (wire) => toTriggerResults("triggerEmail", wire, checked.length),
    });
  }

  /**
   * Merges up to 200 records into the campaign's list and triggers it for each:
   * `POST /campaigns/{c}/email` with `mergeTriggerRecordData` and a complete `mergeRule`.
   */
  async mergeAndTriggerEmail(campaign: string, input: MergeTriggerInput): Promise<TriggerResult[]> {
    assertRecordCount(input.records.length, "records");
    const campaignPath = path`/rest/api/v1.3/campaigns/${campaign}/email`;
    const rule = parseInput(listMergeRuleSchema, input.mergeRule, "INVALID_MERGE_RULE", "merge rule");
    assertMatchColumnsSent(rule, input.fieldNames);
    const values = toWireRecords(
      input.fieldNames,
      input.records.map((record) => record.values),
    );
    const optionalData = input.records.map((record, index) =>
      parseInput(
        optionalDataSchema.optional(),
        record.optionalData,
        "INVALID_RECORDS",
        `optionalData of record ${index}`,
      ),
    );
    if (values.length === 0) return [];
    return this.#client.request({
      apiFunction: "mergeTriggerEmail",
      method: "POST",
      path: campaignPath,
      mode: "trigger",
      body: {
        mergeTriggerRecordData: {
          fieldNames: [...input.fieldNames],
          mergeTriggerRecords: values.map((fieldValues, index) => ({
            fieldValues,
            ...wireOptionalData(optionalData[index]),
          })),
        },
        mergeRule: toWireMergeRule(rule),
      },
      schema: triggerResponseSchema,
      map: (wire) => toTriggerResults("mergeTriggerEmail", wire, values.length),
    });
  }
}

type CheckedRecipient = z.output<typeof triggerRecipientSchema>;

function toWireRecipient(recipient: CheckedRecipient): Record<string, unknown> {
  const listName: InteractObject = recipient.listName;
  const wire: Record<string, unknown> = {};
  if (recipient.recipientId !== undefined) wire.recipientId = Number(recipient.recipientId);
  for (const key of IDENTIFIER_KEYS) {
    const value = recipient[key];
    if (key !== "recipientId" && value !== undefined) wire[key] = value;
  }
  wire.listName = { folderName: listName.folderName, objectName: listName.objectName };
  if (recipient.emailFormat !== undefined) wire.emailFormat = recipient.emailFormat;
  return { recipient: wire, ...wireOptionalData(recipient.optionalData) };
}

function wireOptionalData(data: Record<string, RecordValue> | undefined): { optionalData?: unknown[] } {
  if (data === undefined) return {};
  const entries = Object.entries(data);
  if (entries.length === 0) return {};
  return { optionalData: entries.map(([name, value]) => ({ name, value: toWireValue(value) })) };
}

function toTriggerResults(
  apiFunction: "triggerEmail" | "mergeTriggerEmail",
  wire: z.infer<typeof triggerResponseSchema>,
  expected: number,
): TriggerResult[] {
  if (wire.length !== expected) {
    throw unexpectedAnswer(apiFunction, "trigger", `${wire.length} results for ${expected} recipients`);
  }
  return wire.map((entry) => ({
    recipientId:
      entry.recipientId === null || entry.recipientId === undefined ? null : Number(entry.recipientId),
    success: entry.success,
    errorMessage: entry.errorMessage ?? null,
  }));
}

function toCampaign(wire: WireCampaign): Campaign {
  const id = wire.id === null || wire.id === undefined ? undefined : Number(wire.id);
  const list =
    wire.listName === null || wire.listName === undefined
      ? undefined
      : typeof wire.listName === "string"
        ? { objectName: wire.listName, folderName: undefined }
        : { objectName: wire.listName.objectName, folderName: wire.listName.folderName ?? undefined };
  return {
    id: id === undefined || Number.isNaN(id) ? undefined : id,
    name: wire.name,
    folderName: wire.folderName ?? undefined,
    list,
    type: wire.type ?? undefined,
    status: wire.campaignStatus ?? undefined,
    purpose: wire.purpose ?? undefined,
  };
}

// Oracle pages with `prev`/`next` links; without links, a full page suggests there may be more.
function nextOffset(body: unknown, offset: number, limit: number, count: number): number | undefined {
  const links = z
    .array(wireLinkSchema)
    .safeParse(
      typeof body === "object" && body !== null && !Array.isArray(body)
        ? Reflect.get(body, "links")
        : undefined,
    );
  if (links.success) {
    const next = links.data.find((link) => link.rel.toLowerCase() === "next");
    if (next === undefined) return undefined;
    const fromHref = Number(new URL(next.href, "http://responsys.invalid").searchParams.get("offset"));
    return Number.isInteger(fromHref) && fromHref > offset ? fromHref : offset + count;
  }
  return count >= limit ? offset + count : undefined;
}
