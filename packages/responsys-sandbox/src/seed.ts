import { z } from "zod";

// Field types Responsys shows in list and PET field listings (reference §3: DEV fields-get sample).
export const fieldTypeSchema = z.enum([
  "INTEGER",
  "CHAR",
  "STR25",
  "STR50",
  "STR100",
  "STR255",
  "STR500",
  "STR4000",
  "NUMBER",
  "TIMESTAMP",
]);
export type FieldType = z.infer<typeof fieldTypeSchema>;

/** The only types a PET may be created with (reference §3, REF listExtensions-post). */
export const extensionFieldTypeSchema = z.enum(["STR500", "STR4000", "INTEGER", "NUMBER", "TIMESTAMP"]);

export const fieldSchema = z.object({ fieldName: z.string().min(1), fieldType: fieldTypeSchema });
export type Field = z.infer<typeof fieldSchema>;

/** A stored row: column name → value (Responsys carries every value as a string). */
export const memberSchema = z.record(z.string(), z.string().nullable());
export type Member = z.infer<typeof memberSchema>;

export const extensionSeedSchema = z.object({
  objectName: z.string().min(1),
  folderName: z.string().min(1),
  fields: z.array(fieldSchema),
  /** PET rows; each needs `RIID_` of an existing member of the parent list. */
  members: z.array(memberSchema).default([]),
});

export const listSeedSchema = z.object({
  name: z.string().min(1),
  folderName: z.string().min(1),
  fields: z.array(fieldSchema).min(1),
  /** Members; `RIID_` is assigned when absent. */
  members: z.array(memberSchema).default([]),
  extensions: z.array(extensionSeedSchema).default([]),
});
export type ListSeed = z.infer<typeof listSeedSchema>;

export const campaignTypeSchema = z.enum(["EMAIL", "PUSH", "SMS", "MMS", "PUSHIOCAMPAIGN"]);

export const campaignSeedSchema = z.object({
  id: z.number().int().positive().optional(),
  name: z.string().min(1),
  folderName: z.string().min(1),
  type: campaignTypeSchema.default("EMAIL"),
  listName: z.string().min(1),
  campaignStatus: z.enum(["NONE", "DRAFT", "ACTIVE", "CLOSED"]).default("ACTIVE"),
  purpose: z.enum(["PROMOTIONAL", "TRANSACTIONAL"]).default("PROMOTIONAL"),
});
export type CampaignSeed = z.infer<typeof campaignSeedSchema>;

/** Everything a sandbox starts from: API users, profile lists (with PETs and members), campaigns. */
export const sandboxSeedSchema = z
  .object({
    users: z.array(z.object({ userName: z.string().min(1), password: z.string().min(1) })).min(1),
    lists: z.array(listSeedSchema).default([]),
    campaigns: z.array(campaignSeedSchema).default([]),
  })
  .superRefine((seed, ctx) => {
    const listNames = new Set(seed.lists.map((list) => list.name.toLowerCase()));
    seed.campaigns.forEach((campaign, index) => {
      if (!listNames.has(campaign.listName.toLowerCase())) {
        ctx.addIssue({
          code: "custom",
          path: ["campaigns", index, "listName"],
          message: `campaign ${campaign.name} sends to list ${campaign.listName}, which the seed does not define`,
        });
      }
    });
    seed.lists.forEach((list, listIndex) => {
      const fieldNames = new Set(list.fields.map((field) => field.fieldName));
      if (!fieldNames.has("RIID_")) {
        ctx.addIssue({ code: "custom", path: ["lists", listIndex, "fields"], message: "a list needs RIID_" });
      }
      const riids = new Set<string>();
      list.members.forEach((member, memberIndex) => {
        for (const column of Object.keys(member)) {
          if (!fieldNames.has(column)) {
            ctx.addIssue({
              code: "custom",
              path: ["lists", listIndex, "members", memberIndex, column],
              message: `list ${list.name} has no field ${column}`,
            });
          }
        }
        const riid = member.RIID_;
        if (riid !== undefined && riid !== null && !/^[1-9]\d{0,14}$/.test(riid)) {
          ctx.addIssue({
            code: "custom",
            path: ["lists", listIndex, "members", memberIndex, "RIID_"],
            message: `RIID_ must be a positive integer, got ${riid}`,
          });
        } else if (riid) {
          if (riids.has(riid)) {
            ctx.addIssue({
              code: "custom",
              path: ["lists", listIndex, "members", memberIndex, "RIID_"],
              message: `RIID_ ${riid} is used twice`,
            });
          }
          riids.add(riid);
        }
      });
      list.extensions.forEach((extension, extensionIndex) => {
        const columns = new Set(extension.fields.map((field) => field.fieldName));
        extension.members.forEach((row, rowIndex) => {
          const at = ["lists", listIndex, "extensions", extensionIndex, "members", rowIndex];
          if (!row.RIID_ || !riids.has(row.RIID_)) {
            ctx.addIssue({
              code: "custom",
              path: [...at, "RIID_"],
              message: `a row of ${extension.objectName} needs the RIID_ of a seeded member of ${list.name}`,
            });
          }
          for (const column of Object.keys(row)) {
            if (column !== "RIID_" && !columns.has(column)) {
              ctx.addIssue({
                code: "custom",
                path: [...at, column],
                message: `${extension.objectName} has no field ${column}`,
              });
            }
          }
        });
      });
    });
  });
/** A parsed seed (defaults applied). */
export type SandboxSeed = z.infer<typeof sandboxSeedSchema>;
/** A seed as written in a JSON file or passed to createSandbox (defaults may be left out). */
export type SandboxSeedInput = z.input<typeof sandboxSeedSchema>;

// The profile-list system fields with their types, in Oracle's listing order
// (reference §2.1; DEV `api-v1.3-lists-listName-fields-get.htm` sample).
export const SYSTEM_LIST_FIELDS: readonly Field[] = [
  { fieldName: "RIID_", fieldType: "INTEGER" },
  { fieldName: "CREATED_SOURCE_IP_", fieldType: "STR255" },
  { fieldName: "CUSTOMER_ID_", fieldType: "STR255" },
  { fieldName: "EMAIL_ADDRESS_", fieldType: "STR500" },
  { fieldName: "EMAIL_DOMAIN_", fieldType: "STR255" },
  { fieldName: "EMAIL_ISP_", fieldType: "STR255" },
  { fieldName: "EMAIL_FORMAT_", fieldType: "CHAR" },
  { fieldName: "EMAIL_PERMISSION_STATUS_", fieldType: "CHAR" },
  { fieldName: "EMAIL_DELIVERABILITY_STATUS_", fieldType: "CHAR" },
  { fieldName: "EMAIL_PERMISSION_REASON_", fieldType: "STR255" },
  { fieldName: "EMAIL_MD5_HASH_", fieldType: "STR50" },
  { fieldName: "EMAIL_SHA256_HASH_", fieldType: "STR100" },
  { fieldName: "MOBILE_NUMBER_", fieldType: "STR50" },
  { fieldName: "MOBILE_COUNTRY_", fieldType: "STR25" },
  { fieldName: "MOBILE_PERMISSION_STATUS_", fieldType: "CHAR" },
  { fieldName: "MOBILE_DELIVERABILITY_STATUS_", fieldType: "CHAR" },
  { fieldName: "MOBILE_PERMISSION_REASON_", fieldType: "STR255" },
  { fieldName: "POSTAL_STREET_1_", fieldType: "STR255" },
  { fieldName: "POSTAL_STREET_2_", fieldType: "STR255" },
  { fieldName: "CITY_", fieldType: "STR50" },
  { fieldName: "STATE_", fieldType: "STR50" },
  { fieldName: "POSTAL_CODE_", fieldType: "STR25" },
  { fieldName: "COUNTRY_", fieldType: "STR50" },
  { fieldName: "POSTAL_DELIVERABILITY_STATUS_", fieldType: "CHAR" },
  { fieldName: "POSTAL_PERMISSION_STATUS_", fieldType: "CHAR" },
  { fieldName: "POSTAL_PERMISSION_REASON_", fieldType: "STR255" },
  { fieldName: "CREATED_DATE_", fieldType: "TIMESTAMP" },
  { fieldName: "MODIFIED_DATE_", fieldType: "TIMESTAMP" },
];

/** The seed SPEC §6 describes: user sandbox/sandbox, CONTACTS_LIST in Lists, EMD campaign Welcome_Series. */
export const defaultSeed: SandboxSeed = sandboxSeedSchema.parse({
  users: [{ userName: "sandbox", password: "sandbox" }],
  lists: [
    {
      name: "CONTACTS_LIST",
      folderName: "Lists",
      fields: [
        ...SYSTEM_LIST_FIELDS,
        { fieldName: "FIRST_NAME", fieldType: "STR500" },
        { fieldName: "LAST_NAME", fieldType: "STR500" },
      ],
    },
  ],
  campaigns: [
    {
      id: 101,
      name: "Welcome_Series",
      folderName: "Campaigns",
      type: "EMAIL",
      listName: "CONTACTS_LIST",
      campaignStatus: "ACTIVE",
      purpose: "PROMOTIONAL",
    },
  ],
});
