import type { Hono } from "hono";
import { findAuthorization } from "../../db/authorizations.ts";
import { database } from "../../db/database.ts";
import { newId } from "../../db/ids.ts";
import { deleteJob, insertJob } from "../../db/jobs.ts";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";
import { readJson } from "../../http/json-body.ts";
import { campaignListOf } from "../../jobs/campaign-list.ts";
import { type JobBody, type JobDefinition, jobBodySchema } from "../../jobs/definition.ts";
import { checkListTargets } from "../../jobs/list-check.ts";
import { jobQueueOf } from "../../jobs/queue-stub.ts";
import { toStoredJob } from "../../jobs/stored.ts";
import { jobView } from "../../jobs/view.ts";
import { responsysClientFor } from "../../responsys/client.ts";
import { ADMIN_CALL_OPTIONS } from "../../responsys/http-errors.ts";
import { hashWebhookSecret, newWebhookSecret } from "../../secrets/webhook-secret.ts";

function invalidJob(field: string, message: string): Error {
  return apiError("INVALID_JOB", `${field}: ${message}`, 400, { details: { field } });
}

/** `POST /v1/jobs`: validates, stores the job and configures its queue; the webhook secret is shown once. */
export function registerCreateJob(routes: Hono<HonoEnv>): void {
  routes.post("/", async (c) => {
    const config = c.get("config");
    const body: JobBody = await readJson(c, jobBodySchema, "INVALID_JOB");
    const db = database(c.env.DB);
    const authorization = await findAuthorization(db, body.authorizationId);
    if (authorization === undefined) {
      throw invalidJob("authorizationId", `there is no authorization ${body.authorizationId}`);
    }

    const id = newId("job");
    const createdAt = new Date().toISOString();
    let job: JobDefinition;
    if (body.type === "export_campaign") {
      // The Lytics token is a credential too: https only, unless custom endpoints are allowed.
      if (
        body.lytics !== null &&
        !config.allowCustomEndpoints &&
        !body.lytics.apiUrl.startsWith("https://")
      ) {
        throw invalidJob("lytics.apiUrl", "must be an https URL");
      }
      const client = responsysClientFor(c.env, authorization.id, config, ADMIN_CALL_OPTIONS);
      const list = await campaignListOf(client, body.campaign);
      job = { ...body, id, paused: false, createdAt, list };
    } else {
      const client = responsysClientFor(c.env, authorization.id, config, ADMIN_CALL_OPTIONS);
      await checkListTargets(client, body.list, body.fieldsTable);
      job = { ...body, id, paused: false, createdAt };
    }

    const webhookSecret = newWebhookSecret();
    const webhookSecretHash = await hashWebhookSecret(webhookSecret);
    const { stored, lyticsTokenEncrypted } = await toStoredJob(job, config.secretsKey);
    const row = {
      id,
      type: job.type,
      authorizationId: job.authorizationId,
      definition: JSON.stringify(stored),
      lyticsTokenEncrypted,
      webhookSecretHash,
      paused: false,
      createdAt,
      updatedAt: createdAt,
    };
    await insertJob(db, row);
    try {
      await jobQueueOf(c.env, id).configure({ job, webhookSecretHash });
    } catch (error) {
      // Without a configured queue the job could take no webhook: leave nothing half-made.
      await deleteJob(db, id);
      throw error;
    }
    return c.json({ ...jobView(row, c.req.url), webhookSecret }, 201);
  });
}
