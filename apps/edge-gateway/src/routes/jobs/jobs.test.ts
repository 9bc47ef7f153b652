import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { admin, createSandboxAuthorization, type ErrorBody, expectJson } from "../../../test/admin.ts";
import { readConfig } from "../../env.ts";
import { jobQueueOf } from "../../jobs/queue-stub.ts";
import { responsysClientFor } from "../../responsys/client.ts";

// The table below is built before any test runs; bodies name this placeholder, replaced on send.
const SANDBOX_AUTHORIZATION = "auth_sandbox";
let authorizationId = "";
beforeAll(async () => {
  authorizationId = await createSandboxAuthorization();
});

function postJob(body: Record<string, unknown>): Promise<Response> {
  const authorization =
    body.authorizationId === SANDBOX_AUTHORIZATION ? authorizationId : body.authorizationId;
  return admin("POST", "/v1/jobs", { ...body, authorizationId: authorization });
}

function audienceJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "export_audience",
    label: "VIP sync",
    description: "VIPs to Responsys",
    authorizationId: SANDBOX_AUTHORIZATION,
    audience: "vip_customers",
    list: { folderName: "Lists", objectName: "CONTACTS_LIST" },
    idMappings: [
      { lyticsField: "email", responsysField: "EMAIL_ADDRESS_" },
      { lyticsField: "rs_user_id", responsysField: "RIID_" },
    ],
    matchColumn1: "EMAIL_ADDRESS_",
    matchColumn2: null,
    additionalFields: ["first_name", "ltv"],
    fieldsTable: null,
    audienceMemberships: ["vip_customers", "churn_risk"],
    defaultPermissionStatus: "OPTOUT",
    ...overrides,
  };
}

function campaignJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "export_campaign",
    label: "Welcome",
    authorizationId: SANDBOX_AUTHORIZATION,
    audience: "new_signups",
    emailField: "email",
    campaign: "Welcome_Series",
    backfill: false,
    additionalFields: ["first_name"],
    ...overrides,
  };
}

const names = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, index) => `${prefix}_${index}`);
const hashMappings = [
  { lyticsField: "email", responsysField: "EMAIL_ADDRESS_" },
  { lyticsField: "md5", responsysField: "EMAIL_MD5_HASH_" },
  { lyticsField: "sha", responsysField: "EMAIL_SHA256_HASH_" },
  { lyticsField: "cid", responsysField: "CUSTOMER_ID_" },
];

// Every rule of SPEC §3.2, each with the field the 400 INVALID_JOB must name.
const invalid: Array<[string, Record<string, unknown>, string]> = [
  ["no ID mapping", audienceJob({ idMappings: [] }), "idMappings"],
  [
    "an ID mapping to a non-identifier column",
    audienceJob({ idMappings: [{ lyticsField: "email", responsysField: "FIRST_NAME" }] }),
    "idMappings[0].responsysField",
  ],
  [
    "the same Responsys column mapped twice",
    audienceJob({
      idMappings: [
        { lyticsField: "email", responsysField: "EMAIL_ADDRESS_" },
        { lyticsField: "email2", responsysField: "EMAIL_ADDRESS_" },
      ],
    }),
    "idMappings[1].responsysField",
  ],
  ["no matchColumn1", audienceJob({ matchColumn1: undefined }), "matchColumn1"],
  ["matchColumn1 not an identifier", audienceJob({ matchColumn1: "FIRST_NAME" }), "matchColumn1"],
  ["matchColumn1 not mapped", audienceJob({ matchColumn1: "CUSTOMER_ID_" }), "matchColumn1"],
  ["matchColumn2 not mapped", audienceJob({ matchColumn2: "MOBILE_NUMBER_" }), "matchColumn2"],
  ["matchColumn2 equal to matchColumn1", audienceJob({ matchColumn2: "EMAIL_ADDRESS_" }), "matchColumn2"],
  [
    "two hash columns as match columns",
    audienceJob({
      idMappings: hashMappings,
      matchColumn1: "EMAIL_MD5_HASH_",
      matchColumn2: "EMAIL_SHA256_HASH_",
    }),
    "matchColumn2",
  ],
  [
    "EMAIL_ADDRESS_ with a hash column",
    audienceJob({
      idMappings: hashMappings,
      matchColumn1: "EMAIL_ADDRESS_",
      matchColumn2: "EMAIL_MD5_HASH_",
    }),
    "matchColumn2",
  ],
  [
    "a hash column with EMAIL_ADDRESS_",
    audienceJob({
      idMappings: hashMappings,
      matchColumn1: "EMAIL_SHA256_HASH_",
      matchColumn2: "EMAIL_ADDRESS_",
    }),
    "matchColumn2",
  ],
  ["30 additionalFields", audienceJob({ additionalFields: names(30, "field") }), "additionalFields"],
  ["30 audienceMemberships", audienceJob({ audienceMemberships: names(30, "aud") }), "audienceMemberships"],
  ["a repeated additional field", audienceJob({ additionalFields: ["ltv", "ltv"] }), "additionalFields[1]"],
  [
    "additional fields that make the same column",
    audienceJob({ additionalFields: ["first-name", "first_name"] }),
    "additionalFields[1]",
  ],
  [
    "a repeated audience membership",
    audienceJob({ audienceMemberships: ["a", "a"] }),
    "audienceMemberships[1]",
  ],
  [
    "defaultPermissionStatus OPTIN_ALL",
    audienceJob({ defaultPermissionStatus: "OPTIN_ALL" }),
    "defaultPermissionStatus",
  ],
  ["no list", audienceJob({ list: undefined }), "list"],
  ["a list without objectName", audienceJob({ list: { folderName: "Lists" } }), "list.objectName"],
  ["an empty label", audienceJob({ label: "" }), "label"],
  ["no audience", audienceJob({ audience: undefined }), "audience"],
  ["an unknown field", audienceJob({ matchcolumn1: "EMAIL_ADDRESS_" }), "matchcolumn1"],
  ["no type", audienceJob({ type: undefined }), "type"],
  ["an unknown type", audienceJob({ type: "import_activity" }), "type"],
  ["a malformed authorizationId", audienceJob({ authorizationId: "42" }), "authorizationId"],
  [
    "an authorization that does not exist",
    audienceJob({ authorizationId: "auth_missing" }),
    "authorizationId",
  ],
  ["a campaign job without emailField", campaignJob({ emailField: undefined }), "emailField"],
  ["a campaign job without campaign", campaignJob({ campaign: "" }), "campaign"],
  ["a campaign job with backfill as a string", campaignJob({ backfill: "yes" }), "backfill"],
  [
    "a campaign job with 30 additionalFields",
    campaignJob({ additionalFields: names(30, "f") }),
    "additionalFields",
  ],
  [
    "a campaign job with a system column name as additional field",
    campaignJob({ additionalFields: ["first_name", "EMAIL_ADDRESS_"] }),
    "additionalFields[1]",
  ],
  ["a campaign job with a list", campaignJob({ list: { folderName: "Lists", objectName: "X" } }), "list"],
  [
    "a campaign job with a bad Lytics URL",
    campaignJob({ lytics: { apiUrl: "not a url", apiToken: "t" } }),
    "lytics.apiUrl",
  ],
  [
    "a campaign job without a Lytics token",
    campaignJob({ lytics: { apiUrl: "http://127.0.0.1:9" } }),
    "lytics.apiToken",
  ],
  ["a campaign Responsys does not have", campaignJob({ campaign: "No_Such_Campaign" }), "campaign"],
  [
    "a list Responsys does not have",
    audienceJob({ list: { folderName: "Lists", objectName: "NO_SUCH_LIST" } }),
    "list.objectName",
  ],
  ["a fields table the list does not have", audienceJob({ fieldsTable: "NO_SUCH_PET" }), "fieldsTable"],
];

describe("POST /v1/jobs validation", () => {
  it.each(invalid)("answers 400 INVALID_JOB for %s", async (_name, body, field) => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM jobs").first<{ n: number }>();
    const answer = await expectJson<ErrorBody>(await postJob(body), 400);
    expect(answer.error.code).toBe("INVALID_JOB");
    expect(answer.error.message.startsWith(`${field}:`), answer.error.message).toBe(true);
    expect(answer.error.details?.field).toBe(field);
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM jobs").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("accepts 29 additionalFields and 29 audienceMemberships", async () => {
    const body = audienceJob({ additionalFields: names(29, "field"), audienceMemberships: names(29, "aud") });
    await expectJson(await postJob(body), 201);
  });

  it("accepts a fields table the list has, whatever its case", async () => {
    const pet = `GW_PET_${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
    const client = responsysClientFor(env, authorizationId, readConfig(env));
    await client.extensions.create("CONTACTS_LIST", {
      objectName: pet,
      folderName: "Lists",
      fields: [{ fieldName: "first_name", fieldType: "STR500" }],
    });
    await expectJson(await postJob(audienceJob({ fieldsTable: pet.toLowerCase() })), 201);
  });

  it("accepts a hash column with a non-email column as match columns", async () => {
    const body = audienceJob({
      idMappings: hashMappings,
      matchColumn1: "EMAIL_MD5_HASH_",
      matchColumn2: "CUSTOMER_ID_",
    });
    await expectJson(await postJob(body), 201);
  });

  it("answers 413 PAYLOAD_TOO_LARGE for a definition over 1 MB", async () => {
    const body = audienceJob({ description: "x".repeat(1_100_000) });
    const answer = await expectJson<ErrorBody>(await postJob(body), 413);
    expect(answer.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 400 INVALID_JSON for a body that is not JSON", async () => {
    const answer = await expectJson<ErrorBody>(await admin("POST", "/v1/jobs", "{"), 400);
    expect(answer.error.code).toBe("INVALID_JSON");
  });
});

type JobAnswer = Record<string, unknown> & {
  id: string;
  webhookUrl: string;
  webhookSecret?: string;
  paused: boolean;
};

describe("jobs CRUD", () => {
  it("creates an export_audience job with defaults, a webhook URL and a secret shown once", async () => {
    const body = audienceJob({
      matchColumn2: undefined,
      defaultPermissionStatus: undefined,
      fieldsTable: undefined,
    });
    const created = await expectJson<JobAnswer>(await postJob(body), 201);
    expect(created).toMatchObject({
      type: "export_audience",
      label: "VIP sync",
      authorizationId,
      matchColumn2: null,
      fieldsTable: null,
      defaultPermissionStatus: "OPTOUT",
      paused: false,
      webhookUrl: `http://gateway/v1/hooks/${created.id}`,
    });
    expect(created.id).toMatch(/^job_[0-9a-f]{32}$/);
    expect(created.webhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const row = await env.DB.prepare("SELECT * FROM jobs WHERE id = ?")
      .bind(created.id)
      .first<Record<string, string>>();
    expect(JSON.stringify(row)).not.toContain(created.webhookSecret ?? "?");
    const digest = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(created.webhookSecret)),
    );
    expect(row?.webhook_secret_hash).toBe(
      Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""),
    );

    const read = await expectJson<JobAnswer>(await admin("GET", `/v1/jobs/${created.id}`), 200);
    expect(read.webhookSecret).toBeUndefined();
    expect(read).toMatchObject({ id: created.id, webhookUrl: created.webhookUrl, audience: "vip_customers" });
    const list = await expectJson<{ items: JobAnswer[] }>(await admin("GET", "/v1/jobs"), 200);
    expect(list.items.map((job) => job.id)).toContain(created.id);
    expect(JSON.stringify(list)).not.toContain("whsec_");
  });

  it("configures the job's queue so its webhook takes the secret", async () => {
    const created = await expectJson<JobAnswer>(await postJob(audienceJob()), 201);
    const hook = await env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(created.id)).queuedCount();
    expect(hook).toBe(0);
    const wrong = await fetchHook(created.id, "whsec_wrong");
    expect(wrong.status).toBe(401);
    // The admin token opens the admin API only, never a job's webhook.
    expect((await fetchHook(created.id, env.ADMIN_TOKEN)).status).toBe(401);
    const right = await fetchHook(created.id, created.webhookSecret ?? "");
    expect(right.status).toBe(202);
  });

  it("creates an export_campaign job with the campaign's list read from Responsys and hides the Lytics token", async () => {
    const body = campaignJob({
      backfill: true,
      lytics: { apiUrl: "http://127.0.0.1:9", apiToken: "lytics-secret-token" },
    });
    const response = await postJob(body);
    const text = await response.clone().text();
    const created = await expectJson<JobAnswer>(response, 201);
    expect(created).toMatchObject({
      type: "export_campaign",
      campaign: "Welcome_Series",
      emailField: "email",
      backfill: true,
      list: { folderName: "Lists", objectName: "CONTACTS_LIST" },
      lytics: { apiUrl: "http://127.0.0.1:9", hasApiToken: true },
    });
    expect(text).not.toContain("lytics-secret-token");
    const row = await env.DB.prepare("SELECT * FROM jobs WHERE id = ?").bind(created.id).first();
    expect(JSON.stringify(row)).not.toContain("lytics-secret-token");
    const read = await admin("GET", `/v1/jobs/${created.id}`);
    expect(await read.text()).not.toContain("lytics-secret-token");
  });

  it("answers 404 JOB_NOT_FOUND for unknown jobs", async () => {
    for (const [method, body] of [["GET"], ["PATCH", { paused: true }], ["DELETE"]] as const) {
      const answer = await expectJson<ErrorBody>(await admin(method, "/v1/jobs/job_missing", body), 404);
      expect(answer.error.code).toBe("JOB_NOT_FOUND");
    }
  });

  it("pauses and resumes a job in D1 and in its queue", async () => {
    const created = await expectJson<JobAnswer>(await postJob(audienceJob()), 201);
    const paused = await expectJson<JobAnswer>(
      await admin("PATCH", `/v1/jobs/${created.id}`, { paused: true, label: "Renamed", description: null }),
      200,
    );
    expect(paused).toMatchObject({ paused: true, label: "Renamed", description: null });
    expect((await fetchHook(created.id, created.webhookSecret ?? "")).status).toBe(503);
    const read = await expectJson<JobAnswer>(await admin("GET", `/v1/jobs/${created.id}`), 200);
    expect(read).toMatchObject({ paused: true, label: "Renamed" });

    await expectJson(await admin("PATCH", `/v1/jobs/${created.id}`, { paused: false }), 200);
    expect((await fetchHook(created.id, created.webhookSecret ?? "")).status).toBe(202);
  });

  it.each([
    ["an empty body", {}, "body"],
    ["paused as a string", { paused: "yes" }, "paused"],
    ["an empty label", { label: "" }, "label"],
    ["a field that cannot change", { audience: "other" }, "audience"],
  ])("answers 400 INVALID_JOB to a PATCH with %s", async (_name, body, field) => {
    const created = await expectJson<JobAnswer>(await postJob(audienceJob()), 201);
    const answer = await expectJson<ErrorBody>(await admin("PATCH", `/v1/jobs/${created.id}`, body), 400);
    expect(answer.error.code).toBe("INVALID_JOB");
    expect(answer.error.message).toContain(field);
  });

  it("deletes an empty job and its queue", async () => {
    const created = await expectJson<JobAnswer>(await postJob(audienceJob()), 201);
    expect((await admin("DELETE", `/v1/jobs/${created.id}`)).status).toBe(204);
    expect((await admin("GET", `/v1/jobs/${created.id}`)).status).toBe(404);
    expect((await fetchHook(created.id, created.webhookSecret ?? "")).status).toBe(404);
  });

  it("refuses to delete a job with queued users unless ?discard=true", async () => {
    const created = await expectJson<JobAnswer>(await postJob(audienceJob()), 201);
    expect((await fetchHook(created.id, created.webhookSecret ?? "")).status).toBe(202);
    expect(await jobQueueOf(env, created.id).queuedCount()).toBe(1);

    const refused = await expectJson<ErrorBody>(await admin("DELETE", `/v1/jobs/${created.id}`), 409);
    expect(refused.error.code).toBe("JOB_HAS_QUEUED_USERS");
    expect(refused.error.details?.queued).toBe(1);
    expect((await admin("GET", `/v1/jobs/${created.id}`)).status).toBe(200);

    expect((await admin("DELETE", `/v1/jobs/${created.id}?discard=true`)).status).toBe(204);
    expect((await admin("GET", `/v1/jobs/${created.id}`)).status).toBe(404);
    expect(await jobQueueOf(env, created.id).queuedCount()).toBe(0);
  });

  it("keeps an authorization while a job uses it (409), and lets it go after the job is deleted", async () => {
    const ownAuthorization = await createSandboxAuthorization();
    const created = await expectJson<JobAnswer>(
      await postJob(audienceJob({ authorizationId: ownAuthorization })),
      201,
    );
    const refused = await expectJson<ErrorBody>(
      await admin("DELETE", `/v1/authorizations/${ownAuthorization}`),
      409,
    );
    expect(refused.error.code).toBe("AUTHORIZATION_IN_USE");
    expect((await admin("DELETE", `/v1/jobs/${created.id}`)).status).toBe(204);
    expect((await admin("DELETE", `/v1/authorizations/${ownAuthorization}`)).status).toBe(204);
  });
});

/** One Lytics-style enter event for the job's audience. */
async function fetchHook(jobId: string, secret: string): Promise<Response> {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch(`http://gateway/v1/hooks/${jobId}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      id: "profile-1",
      data: {
        email: "ann@example.com",
        rs_user_id: "1001",
        segment_events: [
          { id: "seg-1", event: "enter", slug: "vip_customers", enter: "2026-11-26T12:00:00Z" },
        ],
      },
      meta: { timestamp: "2026-11-26T12:00:00Z" },
    }),
  });
}
