import type { JobRow } from "../db/schema.ts";
import { type StoredJob, storedJobOf } from "./stored.ts";

type StoredCampaignJob = Extract<StoredJob, { type: "export_campaign" }>;

/** A job as the admin API shows it: every setting, no secret, plus where its webhooks go. */
export type JobView = (
  | Extract<StoredJob, { type: "export_audience" }>
  | (Omit<StoredCampaignJob, "lytics"> & { lytics: { apiUrl: string; hasApiToken: boolean } | null })
) & { updatedAt: string; webhookUrl: string };

/** The webhook URL of a job on the gateway that `requestUrl` reached. */
export function webhookUrlOf(requestUrl: string, jobId: string): string {
  return `${new URL(requestUrl).origin}/v1/hooks/${jobId}`;
}

/** The public view of a job row. */
export function jobView(row: JobRow, requestUrl: string): JobView {
  const stored = storedJobOf(row);
  const extra = { updatedAt: row.updatedAt, webhookUrl: webhookUrlOf(requestUrl, row.id) };
  if (stored.type === "export_audience") return { ...stored, ...extra };
  const lytics =
    stored.lytics === null
      ? null
      : { apiUrl: stored.lytics.apiUrl, hasApiToken: row.lyticsTokenEncrypted !== null };
  return { ...stored, ...extra, lytics };
}
