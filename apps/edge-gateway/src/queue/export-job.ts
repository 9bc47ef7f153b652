import { identifierColumnSchema, interactObjectSchema, permissionStatusSchema } from "@responsys-bridge/core";
import { z } from "zod";

/**
 * What the queue needs to know of an Export Audience job. The job definition of the admin API
 * has these fields; the queue reads them through this narrow schema so its modules can be tested
 * without the registry, and so a stored job is checked when it is read back.
 */
export const exportAudienceJobSchema = z.object({
  id: z.string().min(1),
  type: z.literal("export_audience"),
  authorizationId: z.string().min(1),
  audience: z.string().min(1),
  list: interactObjectSchema,
  idMappings: z
    .array(z.object({ lyticsField: z.string().min(1), responsysField: identifierColumnSchema }))
    .min(1),
  matchColumn1: identifierColumnSchema,
  matchColumn2: identifierColumnSchema.nullish(),
  additionalFields: z.array(z.string()).nullish(),
  /** Name of an existing PET (in the list's folder) for additionalFields; null creates one. */
  fieldsTable: z.string().min(1).nullish(),
  audienceMemberships: z.array(z.string()).nullish(),
  defaultPermissionStatus: permissionStatusSchema.nullish(),
});
export type ExportAudienceJob = z.infer<typeof exportAudienceJobSchema>;
