import { interactObjectSchema } from "@responsys-bridge/core";
import { z } from "zod";

/**
 * What the campaign queue needs of an Export Audiences to Campaign job. The admin API's stored job
 * has these fields (and `list`, the campaign's profile list read from Responsys at creation); the
 * queue reads them through this narrow schema, so a stored job is checked when it is read back and
 * the campaign modules can be tested without the registry.
 */
export const campaignJobSchema = z.object({
  id: z.string().min(1),
  type: z.literal("export_campaign"),
  authorizationId: z.string().min(1),
  audience: z.string().min(1),
  /** The Lytics user field holding the recipient's email address. */
  emailField: z.string().min(1),
  campaign: z.string().min(1),
  list: interactObjectSchema,
  backfill: z.boolean().default(false),
  additionalFields: z.array(z.string()).nullish(),
  /** Lets the gateway page the Lytics segment scan API itself for the backfill. */
  lytics: z.object({ apiUrl: z.string().min(1), apiToken: z.string().min(1) }).nullish(),
});
export type CampaignJob = z.infer<typeof campaignJobSchema>;

/** True when the job asks the gateway to scan its audience in Lytics for the backfill. */
export function scansLytics(job: CampaignJob): boolean {
  return job.backfill && job.lytics !== null && job.lytics !== undefined;
}
