import { interactObjectSchema } from "@responsys-bridge/core";
import { z } from "zod";
import { invalidParameter } from "./envelope.ts";
import { checkRecordCount } from "./records.ts";
import type { Campaign, MatchColumn, ProfileList, SandboxStore } from "./store.ts";

export const optionalDataSchema = z
  .array(z.object({ name: z.string().min(1), value: z.string().nullable() }))
  .nullable()
  .optional();

export const recipientSchema = z.object({
  recipientId: z.union([z.number().int(), z.string()]).nullable().optional(),
  customerId: z.string().nullable().optional(),
  emailAddress: z.string().nullable().optional(),
  mobileNumber: z.string().nullable().optional(),
  emailMD5Hash: z.string().nullable().optional(),
  emailSHA256Hash: z.string().nullable().optional(),
  listName: interactObjectSchema,
  emailFormat: z.enum(["HTML_FORMAT", "TEXT_FORMAT"]).nullable().optional(),
});
export type Recipient = z.infer<typeof recipientSchema>;

export const triggerSchema = z.object({
  recipientData: z.array(z.object({ recipient: recipientSchema, optionalData: optionalDataSchema })).min(1),
});
export type TriggerRequest = z.infer<typeof triggerSchema>;

export const mergeTriggerSchema = z.object({
  mergeTriggerRecordData: z.object({
    fieldNames: z.array(z.string().min(1)).min(1),
    mergeTriggerRecords: z
      .array(z.object({ fieldValues: z.array(z.string().nullable()), optionalData: optionalDataSchema }))
      .min(1),
  }),
});

/** One entry of a trigger response (reference §4.3). */
export interface TriggerResult {
  recipientId: number;
  success: boolean;
  errorMessage: string | null;
}

export const NO_RECIPIENT_FOUND = "NO_RECIPIENT_FOUND: Recipient Not Found";
const UNDELIVERABLE = "RECIPIENT_STATUS_UNDELIVERABLE: Recipient deliverability status is undeliverable";

// Which identifier of a recipient is used to find it, most specific first.
const RECIPIENT_KEYS: [keyof Recipient, MatchColumn][] = [
  ["recipientId", "RIID_"],
  ["customerId", "CUSTOMER_ID_"],
  ["emailAddress", "EMAIL_ADDRESS_"],
  ["mobileNumber", "MOBILE_NUMBER_"],
  ["emailMD5Hash", "EMAIL_MD5_HASH_"],
  ["emailSHA256Hash", "EMAIL_SHA256_HASH_"],
];

export function checkRecipientCount(count: number): void {
  checkRecordCount(count, "recipients");
}

/** Responsys wants non-ASCII text escaped as \uXXXX in trigger bodies (reference §4.1). */
export function hasLiteralNonAscii(rawBody: string): boolean {
  for (let index = 0; index < rawBody.length; index++) if (rawBody.charCodeAt(index) > 0x7f) return true;
  return false;
}

/**
 * Triggers the campaign for existing list members. A recipient who is not on the campaign's list
 * gets `success: false` with NO_RECIPIENT_FOUND, and the others are still sent.
 */
export function triggerRecipients(
  store: SandboxStore,
  campaign: Campaign,
  request: TriggerRequest,
  now: number,
): TriggerResult[] {
  const list = store.list(campaign.listName);
  return request.recipientData.map(({ recipient, optionalData }, index) => {
    const key = RECIPIENT_KEYS.find(([field]) => {
      const value = recipient[field];
      return value !== undefined && value !== null && value !== "";
    });
    if (!key)
      throw invalidParameter(
        `Recipient ${index} has no identifier (recipientId, customerId, emailAddress, …)`,
      );
    if (!list || recipient.listName.objectName.toLowerCase() !== list.name.toLowerCase()) {
      return { recipientId: -1, success: false, errorMessage: NO_RECIPIENT_FOUND };
    }
    const [field, column] = key;
    const riid = list.find(column, String(recipient[field]))[0];
    if (riid === undefined) return { recipientId: -1, success: false, errorMessage: NO_RECIPIENT_FOUND };
    return sendTo(store, campaign, list, riid, optionalData ?? [], now);
  });
}

/** Sends the campaign to one member (or reports why it cannot). */
export function sendTo(
  store: SandboxStore,
  campaign: Campaign,
  list: ProfileList,
  riid: number,
  optionalData: { name: string; value: string | null }[],
  now: number,
): TriggerResult {
  const member = list.members.get(riid);
  if (!member) return { recipientId: -1, success: false, errorMessage: NO_RECIPIENT_FOUND };
  if (member.EMAIL_DELIVERABILITY_STATUS_ === "U") {
    return { recipientId: -1, success: false, errorMessage: UNDELIVERABLE };
  }
  store.sent.push({
    campaign: campaign.name,
    riid,
    emailAddress: member.EMAIL_ADDRESS_ ?? null,
    optionalData: optionalData.map(({ name, value }) => ({ name, value: value ?? "" })),
    time: now,
  });
  return { recipientId: riid, success: true, errorMessage: null };
}
