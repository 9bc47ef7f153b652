import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { type GatewayAdmin, GatewayError } from "./gateway-admin.ts";

/** The audiences the demo jobs listen to (Lytics audience slugs). */
export const AUDIENCE_SLUG = "vip_customers";
export const CAMPAIGN_AUDIENCE_SLUG = "new_signups";

const jobRefSchema = z.object({ id: z.string(), webhookSecret: z.string() });
export type JobRef = z.infer<typeof jobRefSchema>;

const provisionedSchema = z.object({
  sandboxUrl: z.string(),
  authorizationId: z.string(),
  audienceJob: jobRefSchema,
  campaignJob: jobRefSchema.nullable(),
});
/** What the stack made in the gateway; kept in `stack.json` so restarts reuse it. */
export type Provisioned = z.infer<typeof provisionedSchema>;

export interface ProvisionResult extends Provisioned {
  /** What happened to each part: "created" or "reused" (or why the campaign job is missing). */
  notes: string[];
}

/** The export_audience job of the demo (SPEC §3.2), syncing `vip_customers` into CONTACTS_LIST. */
export function audienceJobBody(authorizationId: string) {
  return {
    type: "export_audience",
    label: "Local demo: VIP sync",
    description: "Created by npm start (apps/local-stack)",
    authorizationId,
    audience: AUDIENCE_SLUG,
    list: { folderName: "Lists", objectName: "CONTACTS_LIST" },
    idMappings: [{ lyticsField: "email", responsysField: "EMAIL_ADDRESS_" }],
    matchColumn1: "EMAIL_ADDRESS_",
    additionalFields: ["first_name", "last_name"],
    audienceMemberships: [AUDIENCE_SLUG],
    defaultPermissionStatus: "OPTIN",
  };
}

/** The export_campaign job of the demo: a Welcome_Series email per `new_signups` entry. */
export function campaignJobBody(authorizationId: string) {
  return {
    type: "export_campaign",
    label: "Local demo: Welcome",
    description: "Created by npm start (apps/local-stack)",
    authorizationId,
    audience: CAMPAIGN_AUDIENCE_SLUG,
    emailField: "email",
    campaign: "Welcome_Series",
    backfill: false,
    additionalFields: ["first_name"],
  };
}

/**
 * Makes sure the gateway has the demo authorization (sandbox/sandbox against the sandbox) and one
 * job of each kind, reusing what `stackFile` names when the gateway still has it.
 */
export async function provision(
  admin: GatewayAdmin,
  sandboxUrl: string,
  stackFile: string,
): Promise<ProvisionResult> {
  const previous = await readProvisioned(stackFile);
  const notes: string[] = [];
  let authorizationId: string | undefined;
  if (previous !== undefined && previous.sandboxUrl === sandboxUrl) {
    authorizationId = (await admin.findAuthorization(previous.authorizationId))?.id;
  } else if (previous !== undefined) {
    await retire(admin, previous);
  }
  if (authorizationId === undefined) {
    const created = await admin.createAuthorization({
      type: "responsys_interact",
      label: "Local Responsys sandbox",
      description: "Created by npm start (apps/local-stack)",
      username: "sandbox",
      password: "sandbox",
      endpoint: sandboxUrl,
    });
    authorizationId = created.id;
    notes.push(`authorization ${authorizationId}: created (sandbox/sandbox at ${sandboxUrl})`);
  } else {
    notes.push(`authorization ${authorizationId}: reused`);
  }
  const sameAuthorization = previous?.authorizationId === authorizationId;

  let audienceJob = sameAuthorization ? previous?.audienceJob : undefined;
  if (audienceJob !== undefined && (await admin.hasJob(audienceJob.id))) {
    notes.push(`export_audience job ${audienceJob.id}: reused`);
  } else {
    const created = await admin.createJob(audienceJobBody(authorizationId));
    audienceJob = { id: created.id, webhookSecret: created.webhookSecret };
    notes.push(`export_audience job ${audienceJob.id}: created`);
  }

  let campaignJob = sameAuthorization ? (previous?.campaignJob ?? undefined) : undefined;
  if (campaignJob !== undefined && (await admin.hasJob(campaignJob.id))) {
    notes.push(`export_campaign job ${campaignJob.id}: reused`);
  } else {
    try {
      const created = await admin.createJob(campaignJobBody(authorizationId));
      campaignJob = { id: created.id, webhookSecret: created.webhookSecret };
      notes.push(`export_campaign job ${campaignJob.id}: created`);
    } catch (error) {
      // The gateway refusing campaign jobs must not keep the rest of the stack from starting.
      if (!(error instanceof GatewayError)) throw error;
      campaignJob = undefined;
      notes.push(`export_campaign job: not created (${error.message})`);
    }
  }

  const provisioned: Provisioned = {
    sandboxUrl,
    authorizationId,
    audienceJob,
    campaignJob: campaignJob ?? null,
  };
  await mkdir(dirname(stackFile), { recursive: true });
  await writeFile(stackFile, `${JSON.stringify(provisioned, null, 2)}\n`, { mode: 0o600 });
  return { ...provisioned, notes };
}

/** What an earlier start recorded in `stack.json`, if anything valid. */
export async function readProvisioned(stackFile: string): Promise<Provisioned | undefined> {
  const text = await readFile(stackFile, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const parsed = provisionedSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the jobs and authorization made for a sandbox that is no longer at that address. */
async function retire(admin: GatewayAdmin, previous: Provisioned): Promise<void> {
  const jobs = [previous.audienceJob, previous.campaignJob].filter((job): job is JobRef => job !== null);
  for (const job of jobs) await admin.deleteJob(job.id).catch(() => undefined);
  await admin.deleteAuthorization(previous.authorizationId).catch(() => undefined);
}
