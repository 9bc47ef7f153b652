// Responsys JSON as it travels (wire types), kept apart from the domain types the resources
// return. Response schemas are lenient where Oracle's documentation and observed traffic
// disagree (shared/reference/responsys-api.md), strict where the client relies on a value.
import { z } from "zod";

/** `POST /rest/api/v1.3/auth/token` answer (REF RegisterClientApp.html; observed in CMP cassettes). */
export const loginResponseSchema = z.object({
  authToken: z.string().min(1),
  issuedAt: z.union([z.number(), z.string()]).nullish(),
  endPoint: z.string().regex(/^https?:\/\/[^/\s]+/i, "endPoint must be an http(s) URL"),
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

export const wireFieldSchema = z.object({
  fieldName: z.string(),
  fieldType: z.string().nullish(),
});

/** One profile list as `GET /lists` and `GET /lists/{list}/fields` describe it. */
export const wireProfileListSchema = z.object({
  name: z.string(),
  folderName: z.string().nullish(),
  fields: z.array(wireFieldSchema).nullish(),
});
export type WireProfileList = z.infer<typeof wireProfileListSchema>;

/** A PET as `GET/POST /lists/{list}/listExtensions` describe it. */
export const wireProfileExtensionSchema = z.object({
  profileExtension: z.object({ objectName: z.string(), folderName: z.string().nullish() }),
  fields: z.array(wireFieldSchema).nullish(),
});
export type WireProfileExtension = z.infer<typeof wireProfileExtensionSchema>;

const cellSchema = z.union([z.string(), z.number(), z.null()]);

/** A merge answer: one row per input record, in request order, RIID or `MERGEFAILED: …`. */
export const mergeResponseSchema = z.object({
  recordData: z.object({
    fieldNames: z.array(z.string()).nullish(),
    records: z.array(z.array(cellSchema)),
  }),
});
export type MergeResponse = z.infer<typeof mergeResponseSchema>;

/** One entry of a trigger or merge-trigger answer (REF handlingRcpntErrors.html). */
export const wireTriggerResultSchema = z.object({
  recipientId: z.union([z.number(), z.string()]).nullish(),
  success: z.boolean(),
  errorMessage: z.string().nullish(),
});
export const triggerResponseSchema = z.array(wireTriggerResultSchema);

/** A campaign as `GET /campaigns` lists it (SWAG create-update-retrieve-campaign-response). */
export const wireCampaignSchema = z.object({
  id: z.union([z.number(), z.string()]).nullish(),
  name: z.string(),
  folderName: z.string().nullish(),
  listName: z
    .union([z.string(), z.object({ objectName: z.string(), folderName: z.string().nullish() })])
    .nullish(),
  type: z.string().nullish(),
  campaignStatus: z.string().nullish(),
  purpose: z.string().nullish(),
});
export type WireCampaign = z.infer<typeof wireCampaignSchema>;

export const wireLinkSchema = z.object({ rel: z.string(), href: z.string(), method: z.string().nullish() });

/** One entry of `GET /rest/api/ratelimit` (REF Throttling.html: limit, api, resource_path, verb, description). */
export const wireRateLimitSchema = z.object({
  limit: z.coerce.number().int().nonnegative(),
  api: z.string().nullish(),
  resource_path: z.string().nullish(),
  verb: z.string().nullish(),
  description: z.string().nullish(),
});
export type WireRateLimit = z.infer<typeof wireRateLimitSchema>;

/**
 * Finds the list in a body that may be a bare array or an object holding it under one of `keys`
 * (Oracle's samples and its Swagger disagree for several endpoints). Undefined when neither.
 */
export function listIn(body: unknown, keys: readonly string[]): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (typeof body !== "object" || body === null) return undefined;
  for (const key of keys) {
    const value: unknown = Reflect.get(body, key);
    if (Array.isArray(value)) return value;
  }
  return undefined;
}
