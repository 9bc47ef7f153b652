import { z } from "zod";
import type { JobRow } from "../db/schema.ts";
import { openSecret, sealSecret } from "../secrets/password-box.ts";
import {
  type ExportCampaignJob,
  exportAudienceJobSchema,
  exportCampaignJobSchema,
  type JobDefinition,
} from "./definition.ts";

/** The D1 form of a job definition: the Lytics API token is taken out (sealed in its own column). */
export const storedJobSchema = z.discriminatedUnion("type", [
  exportAudienceJobSchema,
  exportCampaignJobSchema.extend({ lytics: z.object({ apiUrl: z.string() }).nullable() }),
]);
export type StoredJob = z.infer<typeof storedJobSchema>;

/** Splits a definition into its storable JSON and its sealed secret. */
export async function toStoredJob(
  job: JobDefinition,
  secretsKey: Uint8Array,
): Promise<{ stored: StoredJob; lyticsTokenEncrypted: string | null }> {
  if (job.type === "export_audience" || job.lytics === null) {
    return { stored: job, lyticsTokenEncrypted: null };
  }
  return {
    stored: { ...job, lytics: { apiUrl: job.lytics.apiUrl } },
    lyticsTokenEncrypted: await sealSecret(secretsKey, job.id, job.lytics.apiToken),
  };
}

/** Reads the definition part of a job row; `paused` comes from its own column. */
export function storedJobOf(row: JobRow): StoredJob {
  return storedJobSchema.parse({ ...JSON.parse(row.definition), paused: row.paused });
}

/** The whole definition of a stored job, its Lytics token decrypted (for the job's queue). */
export async function jobDefinitionOf(row: JobRow, secretsKey: Uint8Array): Promise<JobDefinition> {
  const stored = storedJobOf(row);
  if (stored.type === "export_audience") return stored;
  let lytics: ExportCampaignJob["lytics"] = null;
  if (stored.lytics !== null && row.lyticsTokenEncrypted !== null) {
    lytics = {
      apiUrl: stored.lytics.apiUrl,
      apiToken: await openSecret(secretsKey, row.id, row.lyticsTokenEncrypted),
    };
  }
  return { ...stored, lytics };
}
