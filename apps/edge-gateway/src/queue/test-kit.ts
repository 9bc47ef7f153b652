// Builders shared by the queue's tests (never imported by the Worker itself).
import type { WebhookUser } from "@responsys-bridge/core";
import type { JobQueue } from "../durable/job-queue.ts";
import { type JobDefinition, jobDefinitionSchema } from "../jobs/definition.ts";
import { hashWebhookSecret } from "../secrets/webhook-secret.ts";
import type { ExportAudienceJob } from "./export-job.ts";

/** An Export Audience job on the sandbox's CONTACTS_LIST, matched on email. */
export function exportJob(overrides: Partial<ExportAudienceJob> = {}): ExportAudienceJob {
  return {
    id: "job_test1",
    type: "export_audience",
    authorizationId: "auth_test1",
    audience: "vip",
    list: { folderName: "Lists", objectName: "CONTACTS_LIST" },
    idMappings: [
      { lyticsField: "email", responsysField: "EMAIL_ADDRESS_" },
      { lyticsField: "user_id", responsysField: "CUSTOMER_ID_" },
    ],
    matchColumn1: "EMAIL_ADDRESS_",
    matchColumn2: null,
    additionalFields: [],
    fieldsTable: null,
    audienceMemberships: [],
    defaultPermissionStatus: "OPTOUT",
    ...overrides,
  };
}

/** A webhook user entering (or exiting) `audience` at `at`. */
export function webhookUser(
  data: Record<string, unknown>,
  options: { audience?: string; event?: "enter" | "exit" | "change"; at?: string } = {},
): WebhookUser {
  const event = options.event ?? "enter";
  const at = options.at ?? "2026-01-01T00:00:00.000000000Z";
  const segmentEvent =
    event === "change"
      ? { slug: options.audience ?? "vip", event }
      : { slug: options.audience ?? "vip", event, [event]: at };
  return { profileId: null, sentAt: at, data: { ...data, segment_events: [segmentEvent] } };
}

/** A complete job definition (as the admin API stores it) for `JobQueue.configure`. */
export function jobDefinition(overrides: Partial<ExportAudienceJob> = {}): JobDefinition {
  return jobDefinitionSchema.parse({
    label: "Queue test",
    description: null,
    paused: false,
    createdAt: "2026-01-01T00:00:00.000Z",
    ...exportJob(overrides),
  });
}

/** A fresh job id, so every test has its own queue object. */
export function newJobId(): string {
  return `job_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
}

/** Configures a new job's queue object with `secret`; returns its id and stub. */
export async function configuredJob(
  env: Env,
  secret: string,
  overrides: Partial<ExportAudienceJob> = {},
): Promise<{ id: string; stub: DurableObjectStub<JobQueue> }> {
  const id = overrides.id ?? newJobId();
  const stub = env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(id));
  await stub.configure({
    job: jobDefinition({ ...overrides, id }),
    webhookSecretHash: await hashWebhookSecret(secret),
  });
  return { id, stub };
}

/** A Lytics default-format item for one user entering or exiting `vip`. */
export function lyticsItem(
  email: string | null,
  options: { event?: "enter" | "exit"; at?: string; audience?: string; extra?: Record<string, unknown> } = {},
): Record<string, unknown> {
  const event = options.event ?? "enter";
  const at = options.at ?? "2026-01-01T00:00:00Z";
  return {
    id: `profile-${email ?? "none"}`,
    data: {
      ...(email === null ? {} : { email }),
      ...options.extra,
      segment_events: [{ id: "0f0f0f", slug: options.audience ?? "vip", event, [event]: at }],
    },
    meta: { object: "user", timestamp: at },
  };
}
