import {
  identifierColumnSchema,
  interactObjectSchema,
  isHashColumn,
  permissionStatusSchema,
  toFieldName,
} from "@responsys-bridge/core";
import { z } from "zod";

/** Responsys allows 29 custom columns per table next to the match column (SPEC §3.2). */
export const MAX_ADDITIONAL_FIELDS = 29;
export const MAX_AUDIENCE_MEMBERSHIPS = 29;

export const jobTypeSchema = z.enum(["export_audience", "export_campaign"]);
export type JobType = z.infer<typeof jobTypeSchema>;

const labelSchema = z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters");
const descriptionSchema = z.string().trim().max(2000, "must be at most 2000 characters").nullable();
const authorizationIdSchema = z.string().regex(/^auth_[0-9a-z]+$/, "must be an authorization id (auth_…)");
const audienceSchema = z.string().trim().min(1, "must not be empty").max(255);
const lyticsFieldSchema = z.string().trim().min(1, "must not be empty").max(255);

export const idMappingSchema = z.strictObject({
  lyticsField: lyticsFieldSchema,
  responsysField: identifierColumnSchema,
});
export type IdMapping = z.infer<typeof idMappingSchema>;

export const lyticsAccessSchema = z.strictObject({
  apiUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  apiToken: z.string().min(1, "must not be empty"),
});
export type LyticsAccess = z.infer<typeof lyticsAccessSchema>;

const commonFields = {
  label: labelSchema,
  description: descriptionSchema.default(null),
  authorizationId: authorizationIdSchema,
  audience: audienceSchema,
};

/** Flags duplicates in a list of names, and names that become the same Responsys column. */
function checkNames(
  names: readonly string[],
  field: string,
  ctx: z.RefinementCtx,
  columnName: (name: string) => string,
): void {
  const seen = new Map<string, string>();
  names.forEach((name, index) => {
    const column = columnName(name).toUpperCase();
    const earlier = seen.get(column);
    if (earlier !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [field, index],
        message:
          earlier === name
            ? `"${name}" is listed twice`
            : `"${name}" and "${earlier}" would both be the Responsys column ${column}`,
      });
    }
    seen.set(column, name);
  });
}

const exportAudienceFields = {
  type: z.literal("export_audience"),
  ...commonFields,
  list: interactObjectSchema,
  idMappings: z.array(idMappingSchema).min(1, "at least one ID mapping is required"),
  matchColumn1: identifierColumnSchema,
  matchColumn2: identifierColumnSchema.nullable().default(null),
  additionalFields: z
    .array(lyticsFieldSchema)
    .max(MAX_ADDITIONAL_FIELDS, `at most ${MAX_ADDITIONAL_FIELDS} additional fields`)
    .default([]),
  /** An existing profile extension table for additionalFields; null creates `LyticsUser_Fields{jobId}`. */
  fieldsTable: z.string().trim().min(1, "must not be empty").max(100).nullable().default(null),
  audienceMemberships: z
    .array(audienceSchema)
    .max(MAX_AUDIENCE_MEMBERSHIPS, `at most ${MAX_AUDIENCE_MEMBERSHIPS} audience memberships`)
    .default([]),
  defaultPermissionStatus: permissionStatusSchema.default("OPTOUT"),
};

type ExportAudienceShape = z.infer<z.ZodObject<typeof exportAudienceFields>>;

/** The match-column rules of SPEC §3.2, each issue on the field it concerns. */
function checkExportAudience(job: ExportAudienceShape, ctx: z.RefinementCtx): void {
  const mapped = new Set<string>();
  job.idMappings.forEach((mapping, index) => {
    if (mapped.has(mapping.responsysField)) {
      ctx.addIssue({
        code: "custom",
        path: ["idMappings", index, "responsysField"],
        message: `${mapping.responsysField} is mapped more than once`,
      });
    }
    mapped.add(mapping.responsysField);
  });
  if (!mapped.has(job.matchColumn1)) {
    ctx.addIssue({
      code: "custom",
      path: ["matchColumn1"],
      message: `${job.matchColumn1} is not mapped in idMappings`,
    });
  }
  const second = job.matchColumn2;
  if (second !== null) {
    if (second === job.matchColumn1) {
      ctx.addIssue({ code: "custom", path: ["matchColumn2"], message: "must differ from matchColumn1" });
    } else if (!mapped.has(second)) {
      ctx.addIssue({
        code: "custom",
        path: ["matchColumn2"],
        message: `${second} is not mapped in idMappings`,
      });
    } else if (isHashColumn(job.matchColumn1) && isHashColumn(second)) {
      ctx.addIssue({
        code: "custom",
        path: ["matchColumn2"],
        message: "two hash columns cannot be the match columns together",
      });
    } else if (
      (job.matchColumn1 === "EMAIL_ADDRESS_" && isHashColumn(second)) ||
      (second === "EMAIL_ADDRESS_" && isHashColumn(job.matchColumn1))
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["matchColumn2"],
        message: "EMAIL_ADDRESS_ cannot be a match column together with a hash column",
      });
    }
  }
  checkNames(job.additionalFields, "additionalFields", ctx, toFieldName);
  checkNames(job.audienceMemberships, "audienceMemberships", ctx, toFieldName);
}

/** Body of `POST /v1/jobs` for an Export Audience job. */
export const exportAudienceBodySchema = z.strictObject(exportAudienceFields).superRefine(checkExportAudience);
export type ExportAudienceBody = z.infer<typeof exportAudienceBodySchema>;

const exportCampaignFields = {
  type: z.literal("export_campaign"),
  ...commonFields,
  /** The Lytics user field that holds the recipient's email address. */
  emailField: lyticsFieldSchema,
  /** Name of the Responsys email campaign to trigger. */
  campaign: z.string().trim().min(1, "must not be empty").max(255),
  backfill: z.boolean().default(false),
  /**
   * Lytics fields sent as the trigger's `optionalData`, under their own names. Responsys refuses
   * system column names there (DEV trigger-email page), and those are the names ending in `_`.
   */
  additionalFields: z
    .array(
      lyticsFieldSchema.refine(
        (name) => !name.endsWith("_"),
        "cannot end in _: Responsys refuses system column names as optionalData",
      ),
    )
    .max(MAX_ADDITIONAL_FIELDS, `at most ${MAX_ADDITIONAL_FIELDS} additional fields`)
    .default([]),
  /** Lets the gateway page the Lytics segment scan API itself for a backfill. */
  lytics: lyticsAccessSchema.nullable().default(null),
};

/** Body of `POST /v1/jobs` for an Export Audiences to Campaign job. */
export const exportCampaignBodySchema = z
  .strictObject(exportCampaignFields)
  .superRefine((job, ctx) => checkNames(job.additionalFields, "additionalFields", ctx, (name) => name));
export type ExportCampaignBody = z.infer<typeof exportCampaignBodySchema>;

/** Body of `POST /v1/jobs`, either job type. */
export const jobBodySchema = z.discriminatedUnion(
  "type",
  [exportAudienceBodySchema, exportCampaignBodySchema],
  {
    error: 'must be "export_audience" or "export_campaign"',
  },
);
export type JobBody = z.infer<typeof jobBodySchema>;

const storedFields = {
  id: z.string().regex(/^job_[0-9a-z]+$/),
  paused: z.boolean(),
  createdAt: z.iso.datetime(),
};

/** A stored Export Audience job, as the gateway keeps it and hands it to the job's queue. */
export const exportAudienceJobSchema = z.object({ ...exportAudienceFields, ...storedFields });
export type ExportAudienceJob = z.infer<typeof exportAudienceJobSchema>;

/** A stored campaign job; `list` is the campaign's profile list, read from Responsys at creation. */
export const exportCampaignJobSchema = z.object({
  ...exportCampaignFields,
  ...storedFields,
  list: interactObjectSchema,
});
export type ExportCampaignJob = z.infer<typeof exportCampaignJobSchema>;

/** A job with every setting, secrets included: what `JobQueue.configure` receives. */
export const jobDefinitionSchema = z.discriminatedUnion("type", [
  exportAudienceJobSchema,
  exportCampaignJobSchema,
]);
export type JobDefinition = z.infer<typeof jobDefinitionSchema>;
