import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { hashEmail } from "@responsys-bridge/core";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import { createSandboxAuthorization } from "../../test/admin.ts";
import { jobDefinitionSchema } from "../jobs/definition.ts";
import { fieldsTableName } from "../queue/export-audience.ts";
import { configuredJob, lyticsItem, newJobId } from "../queue/test-kit.ts";
import { hashWebhookSecret } from "../secrets/webhook-secret.ts";
import type { JobQueue } from "./job-queue.ts";

// Flush tests against a Responsys sandbox of their own (this file alone uses it, so it may be
// reset and given faults). Alarms are driven explicitly; none is left behind.

const SANDBOX = inject("queueSandboxUrl");
const SECRET = "whsec-flush-0123456789abcdef";
const admin = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
const made: DurableObjectStub<JobQueue>[] = [];

interface Recorded {
  method: string;
  path: string;
  api: string | null;
  status: number | null;
  body: {
    recordData?: { fieldNames: string[]; records: string[][] };
    mergeRule?: Record<string, unknown>;
  } & Record<string, unknown>;
}

const sandbox = {
  async call(path: string, init: RequestInit = {}): Promise<unknown> {
    const response = await fetch(`${SANDBOX}/__sandbox${path}`, {
      ...init,
      headers: { "Content-Type": "application/json" },
    });
    if (!response.ok)
      throw new Error(`sandbox ${path} answered ${response.status}: ${await response.text()}`);
    return response.json();
  },
  reset: () => sandbox.call("/reset", { method: "POST" }),
  async requests(api?: string, path?: string): Promise<Recorded[]> {
    const query = new URLSearchParams();
    if (api !== undefined) query.set("api", api);
    if (path !== undefined) query.set("path", path);
    const body = (await sandbox.call(`/requests?${query}`)) as { requests: Recorded[] };
    return body.requests;
  },
  fault: (fault: Record<string, unknown>) =>
    sandbox.call("/faults", { method: "POST", body: JSON.stringify(fault) }),
  expireTokens: () => sandbox.call("/tokens/expire", { method: "POST" }),
  async extension(
    name: string,
  ): Promise<{ fields: { fieldName: string }[]; members: Record<string, string | null>[] }> {
    const state = (await sandbox.call("/state")) as {
      lists: {
        name: string;
        extensions: {
          objectName: string;
          fields: { fieldName: string }[];
          members: Record<string, string | null>[];
        }[];
      }[];
    };
    const list = state.lists.find((candidate) => candidate.name === "CONTACTS_LIST");
    const table = list?.extensions.find((candidate) => candidate.objectName === name);
    if (table === undefined) throw new Error(`no table ${name} in the sandbox`);
    return table;
  },
  async members(): Promise<Record<string, string | null>[]> {
    const state = (await sandbox.call("/state")) as {
      lists: { name: string; members: Record<string, string | null>[] }[];
    };
    return state.lists.find((list) => list.name === "CONTACTS_LIST")?.members ?? [];
  },
};

const LIST_MERGE = "Merge List Recipients";
const PET_MERGE = "Merge Profile Extension Recipients";

beforeEach(async () => {
  await sandbox.reset();
  await sandbox.call("/faults", { method: "DELETE" });
});

afterEach(async () => {
  for (const stub of made.splice(0)) await stub.destroy();
});

/**
 * A job whose flushes go the production way: an authorization (made through the admin API, on
 * this file's sandbox) whose session object holds the token and paces the calls.
 */
async function newJob(overrides: Parameters<typeof configuredJob>[2] = {}) {
  const authorizationId =
    overrides.authorizationId ?? (await createSandboxAuthorization({ endpoint: SANDBOX }));
  const job = await configuredJob(env, SECRET, { ...overrides, authorizationId });
  made.push(job.stub);
  return { ...job, authorizationId };
}

async function deliver(jobId: string, items: unknown[]): Promise<void> {
  const response = await exports.default.fetch(`http://gateway/v1/hooks/${jobId}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
    body: JSON.stringify(items),
  });
  expect(response.status).toBe(202);
}

const emails = (count: number, prefix = "user") =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}@example.com`);

/** Runs the job's alarm (if one is set) and waits for any flush the runtime started by itself. */
async function runAlarm(stub: DurableObjectStub<JobQueue>): Promise<void> {
  await runDurableObjectAlarm(stub);
  await runInDurableObject(stub, (instance) => instance.idle());
}

/** Makes every queued user older than the flush interval, as if ten minutes had passed. */
async function ageQueue(stub: DurableObjectStub<JobQueue>): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => {
    state.storage.sql.exec("UPDATE queued_users SET queued_at = queued_at - 601000");
  });
}

async function alarmAt(stub: DurableObjectStub<JobQueue>): Promise<number | null> {
  return runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
}

const recordCounts = (requests: Recorded[]) =>
  requests.map((request) => request.body.recordData?.records.length);

describe("Export Audience flush", () => {
  it("sends 450 users in exactly 3 list merges (200, 200, 50) with the PET merges that go with them", async () => {
    const { id, stub } = await newJob({
      additionalFields: ["first_name"],
      audienceMemberships: ["vip", "churn"],
    });
    await deliver(
      id,
      emails(450).map((email, index) =>
        lyticsItem(email, {
          extra: { first_name: `N${index}`, _segments: index % 2 === 0 ? ["churn"] : [] },
        }),
      ),
    );
    // 200 or more queued: the alarm is due now (it may already have fired and be running).
    expect((await alarmAt(stub)) ?? 0).toBeLessThanOrEqual(Date.now() + 1000);

    await runAlarm(stub);
    expect(recordCounts(await sandbox.requests(LIST_MERGE))).toEqual([200, 200]);
    expect(await stub.queuedCount()).toBe(50);
    // The remaining 50 wait for the interval.
    expect(await alarmAt(stub)).toBeGreaterThan(Date.now() + 500_000);

    await ageQueue(stub);
    await runAlarm(stub);
    const merges = await sandbox.requests(LIST_MERGE);
    expect(recordCounts(merges)).toEqual([200, 200, 50]);
    expect(merges[0]?.body.mergeRule).toMatchObject({
      matchColumnName1: "EMAIL_ADDRESS_",
      matchOperator: "NONE",
      updateOnMatch: "REPLACE_ALL",
      insertOnNoMatch: true,
      defaultPermissionStatus: "OPTOUT",
    });
    const fieldsTable = fieldsTableName(id);
    expect(recordCounts(await sandbox.requests(PET_MERGE, `/${fieldsTable}/`))).toEqual([200, 200, 50]);
    expect(recordCounts(await sandbox.requests(PET_MERGE, "/Lytics_Segments/"))).toEqual([200, 200, 50]);
    // Each table is created once, then known.
    expect(await sandbox.requests("Create Profile Extension")).toHaveLength(2);

    expect(await stub.queuedCount()).toBe(0);
    expect(await sandbox.members()).toHaveLength(450);
    const segments = await sandbox.extension("Lytics_Segments");
    expect(segments.members).toHaveLength(450);
    const riidOf = async (email: string) =>
      (await sandbox.members()).find((m) => m.EMAIL_ADDRESS_ === email)?.RIID_;
    const user0 = await riidOf("user0@example.com");
    const user1 = await riidOf("user1@example.com");
    expect(segments.members.find((row) => row.RIID_ === user0)).toMatchObject({ vip: "1", churn: "1" });
    expect(segments.members.find((row) => row.RIID_ === user1)).toMatchObject({ vip: "1", churn: "0" });
    const fields = await sandbox.extension(fieldsTable);
    const user7 = await riidOf("user7@example.com");
    expect(fields.members.find((row) => row.RIID_ === user7)?.first_name).toBe("N7");

    const status = await stub.status();
    expect(status).toMatchObject({
      state: "running",
      queued: 0,
      oldestQueuedAt: null,
      nextFlushAt: null,
      totals: { received: 450, duplicates: 0, ignored: 0, sent: 450, rejected: 0, flushes: 3 },
      lastError: null,
      deadLetters: 0,
    });
    const flushFunctions = [LIST_MERGE, PET_MERGE, "Create Profile Extension", "Retrieve Profile Extensions"];
    expect(status?.totals.apiCalls).toBe(
      (await sandbox.requests()).filter((request) => flushFunctions.includes(request.api ?? "")).length,
    );
    expect(await alarmAt(stub)).toBeNull();
  });

  it("flushes a full batch of 200 at once, and a smaller one only when its oldest user is due", async () => {
    const { id, stub } = await newJob();
    await deliver(
      id,
      emails(10).map((email) => lyticsItem(email)),
    );
    const due = await alarmAt(stub);
    expect(due).toBeGreaterThan(Date.now() + 590_000);
    await runAlarm(stub);
    expect(await sandbox.requests(LIST_MERGE)).toHaveLength(0);
    await deliver(
      id,
      emails(190, "more").map((email) => lyticsItem(email)),
    );
    expect((await alarmAt(stub)) ?? 0).toBeLessThanOrEqual(Date.now() + 1000);
    await runAlarm(stub);
    expect(recordCounts(await sandbox.requests(LIST_MERGE))).toEqual([200]);
    expect(await stub.queuedCount()).toBe(0);
  });

  it("leaves the list alone on exit and writes 0 for the job's audience in Lytics_Segments", async () => {
    const { id, stub } = await newJob({ audienceMemberships: ["vip"] });
    await deliver(id, [lyticsItem("ann@example.com", { at: "2026-01-01T00:00:00Z" })]);
    await stub.flush();
    await deliver(id, [lyticsItem("ann@example.com", { event: "exit", at: "2026-01-02T00:00:00Z" })]);
    await stub.flush();
    expect(await sandbox.requests(LIST_MERGE)).toHaveLength(1);
    const petMerges = await sandbox.requests(PET_MERGE, "/Lytics_Segments/");
    expect(petMerges.map((request) => request.body.recordData?.records)).toEqual([
      [["ann@example.com", "1"]],
      [["ann@example.com", "0"]],
    ]);
    expect((await sandbox.extension("Lytics_Segments")).members[0]).toMatchObject({ vip: "0" });
  });

  it("matches on a hash column: digests sent, no inserts, unknown profiles dead-lettered with Responsys' message", async () => {
    const seed = await newJob();
    await deliver(seed.id, [lyticsItem("known@example.com")]);
    await seed.stub.flush();

    const { id, stub } = await newJob({
      idMappings: [
        { lyticsField: "email", responsysField: "EMAIL_SHA256_HASH_" },
        { lyticsField: "user_id", responsysField: "CUSTOMER_ID_" },
      ],
      matchColumn1: "EMAIL_SHA256_HASH_",
      audienceMemberships: ["vip"],
    });
    await deliver(id, [
      lyticsItem(" Known@Example.com ", { extra: { user_id: "c-1" } }),
      lyticsItem("stranger@example.com", { extra: { user_id: "c-2" } }),
    ]);
    const report = await stub.flush();
    expect(report).toMatchObject({ users: 2, ok: 1, failed: 1 });
    const [merge] = (await sandbox.requests(LIST_MERGE)).slice(-1);
    expect(merge?.body.mergeRule).toMatchObject({
      matchColumnName1: "EMAIL_SHA256_HASH_",
      insertOnNoMatch: false,
    });
    expect(merge?.body.recordData?.records[0]).toEqual([hashEmail("known@example.com", "sha256"), "c-1"]);
    // The PET cannot insert by hash: the known user's row goes in by the RIID the list merge returned.
    const known = (await sandbox.members()).find((m) => m.EMAIL_ADDRESS_ === "known@example.com");
    const [pet] = await sandbox.requests(PET_MERGE, "/Lytics_Segments/");
    expect(pet?.body).toMatchObject({ matchColumnName1: "RIID", insertOnNoMatch: true });
    expect(pet?.body.recordData?.records).toEqual([[known?.RIID_, "1"]]);
    expect(known?.CUSTOMER_ID_).toBe("c-1");

    const letters = await exports.default.fetch(`http://gateway/v1/jobs/${id}/dead-letters`, {
      headers: admin,
    });
    const page = (await letters.json()) as { items: { code: string; reason: string; attempts: number }[] };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.code).toBe("MERGEFAILED");
    expect(page.items[0]?.reason).toContain("MERGEFAILED");
    expect((await stub.status())?.totals).toMatchObject({ sent: 1, rejected: 1 });
  });
});

describe("failures and recovery", () => {
  it("retries a Responsys outage (5xx and dropped connections) until every user is delivered", async () => {
    const { id, stub } = await newJob();
    await deliver(
      id,
      emails(250).map((email) => lyticsItem(email)),
    );
    await sandbox.fault({ kind: "server_error", match: { path: "/members" }, times: 2, status: 503 });
    await sandbox.fault({ kind: "drop_before", match: { path: "/members" }, times: 2 });
    const waits: number[] = [];
    for (let attempt = 0; attempt < 10 && (await stub.queuedCount()) > 0; attempt += 1) {
      await ageQueue(stub);
      await runAlarm(stub);
      const status = await stub.status();
      if (status !== null && status.queued > 0 && status.nextFlushAt !== null) {
        waits.push(Date.parse(status.nextFlushAt) - Date.now());
      }
    }
    expect(await stub.queuedCount()).toBe(0);
    expect(await sandbox.members()).toHaveLength(250);
    const status = await stub.status();
    expect(status).toMatchObject({ state: "running", totals: { sent: 250, rejected: 0, flushes: 2 } });
    expect(status?.lastError?.code).toMatch(/HTTP_503|UNEXPECTED_EXCEPTION|NETWORK_ERROR/);
    // Four failed attempts (two 503s, two dropped connections), then the two batches went through.
    const attempts = await sandbox.requests(LIST_MERGE);
    expect(attempts.map((request) => request.status)).toEqual([503, 503, null, null, 200, 200]);
    // Every retry waited a jittered backoff, never less than half of the 5 s first step.
    for (const wait of waits) expect(wait).toBeGreaterThan(2_000);
  });

  it("waits out the capacity limit without logging in again, then delivers", async () => {
    const { id, stub } = await newJob();
    await deliver(
      id,
      emails(5).map((email) => lyticsItem(email)),
    );
    await stub.flush();
    await deliver(
      id,
      emails(5, "late").map((email) => lyticsItem(email)),
    );
    const logins = (await sandbox.requests("Login")).length;
    await sandbox.fault({ kind: "capacity_limit", match: { path: "/members" }, times: 1 });
    const report = await stub.flush();
    expect(report).toMatchObject({ batches: 0, error: { code: "INTERNAL_CAPACITY_LIMIT_EXCEEDED" } });
    const status = await stub.status();
    expect(status?.state).toBe("running");
    expect(status?.queued).toBe(5);
    // The capacity window resets every ten minutes: the next try waits for it.
    expect(Date.parse(status?.nextFlushAt ?? "")).toBeGreaterThan(Date.now() + 590_000);
    await runAlarm(stub);
    expect(await stub.queuedCount()).toBe(0);
    expect((await sandbox.requests("Login")).length).toBe(logins);
  });

  it("backs off for a minute on API_LIMIT_EXCEEDED without logging in, then delivers", async () => {
    const { id, stub } = await newJob();
    await deliver(
      id,
      emails(3).map((email) => lyticsItem(email)),
    );
    expect(await stub.flush()).toMatchObject({ ok: 3 });
    // Another application on the account used the quota: Responsys now allows one merge a minute.
    await sandbox.call("/config", {
      method: "PUT",
      body: JSON.stringify({ rateLimits: { [LIST_MERGE]: 1 } }),
    });
    await deliver(
      id,
      emails(3, "later").map((email) => lyticsItem(email)),
    );
    const logins = (await sandbox.requests("Login")).length;
    expect(await stub.flush()).toMatchObject({ batches: 0, error: { code: "API_LIMIT_EXCEEDED" } });
    const status = await stub.status();
    expect(status).toMatchObject({ state: "running", queued: 3, lastError: { code: "API_LIMIT_EXCEEDED" } });
    expect(Date.parse(status?.nextFlushAt ?? "")).toBeGreaterThan(Date.now() + 55_000);
    // A minute later (on the sandbox's clock) the retry goes through.
    await sandbox.call("/clock", { method: "POST", body: JSON.stringify({ advanceMs: 61_000 }) });
    await runAlarm(stub);
    expect(await stub.status()).toMatchObject({ queued: 0, totals: { sent: 6 } });
    expect((await sandbox.requests("Login")).length).toBe(logins);
  });

  it("logs in once more when the token expired, and loses nothing", async () => {
    const { id, stub } = await newJob();
    await deliver(id, [lyticsItem("a@example.com")]);
    await stub.flush();
    await sandbox.expireTokens();
    await deliver(id, [lyticsItem("b@example.com")]);
    const logins = (await sandbox.requests("Login")).length;
    const report = await stub.flush();
    expect(report).toMatchObject({ ok: 1, error: null });
    expect((await sandbox.requests("Login")).length).toBe(logins + 1);
    expect(await sandbox.members()).toHaveLength(2);
  });

  it("marks the job failing on a permanent error, keeps the queue, and resumes once the cause is fixed", async () => {
    const { id, stub, authorizationId } = await newJob({
      list: { folderName: "Lists", objectName: "NO_SUCH_LIST" },
    });
    await deliver(
      id,
      emails(3).map((email) => lyticsItem(email)),
    );
    expect(await stub.flush()).toMatchObject({ error: { code: "LIST_NOT_FOUND" } });
    const failing = await stub.status();
    expect(failing).toMatchObject({ state: "failing", queued: 3, lastError: { code: "LIST_NOT_FOUND" } });
    expect(failing?.nextFlushAt).not.toBeNull();
    // A person fixes the job (the admin API reconfigures the queue); the next alarm delivers.
    await configuredJob(env, SECRET, { id, authorizationId });
    await runAlarm(stub);
    expect(await stub.status()).toMatchObject({ state: "running", queued: 0, totals: { sent: 3 } });
  });

  it("dead-letters a queued row it cannot read instead of sending or retrying it forever", async () => {
    const { id, stub } = await newJob();
    await deliver(id, [lyticsItem("fine@example.com")]);
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO queued_users (key, event_time, user, queued_at) VALUES ('broken', '', '{\"nope\":1}', 0)",
      );
      state.storage.sql.exec("UPDATE job_state SET queued = queued + 1");
    });
    expect(await stub.flush()).toMatchObject({ users: 1, ok: 1, error: null });
    expect(await stub.status()).toMatchObject({ queued: 0, deadLetters: 1 });
    const page = await stub.deadLetters(null);
    expect("items" in page && page.items[0]?.code).toBe("UNREADABLE_QUEUE_ROW");
  });

  it("keeps queued users across a Durable Object restart", async () => {
    const { id, stub } = await newJob();
    await deliver(
      id,
      emails(120).map((email) => lyticsItem(email)),
    );
    await evictDurableObject(stub);
    await ageQueue(stub);
    await runAlarm(stub);
    expect(await stub.queuedCount()).toBe(0);
    expect(await sandbox.members()).toHaveLength(120);
  });
});

describe("Export to Campaign jobs", () => {
  it("queue webhook enters in the campaign ledger and trigger each entry once", async () => {
    // The recipient must be on the campaign's list first: an Export Audience job puts them there.
    const seed = await newJob();
    await deliver(seed.id, [lyticsItem("camp@example.com")]);
    await seed.stub.flush();

    const id = newJobId();
    const stub = env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(id));
    made.push(stub);
    const job = jobDefinitionSchema.parse({
      id,
      type: "export_campaign",
      label: "Welcome",
      description: null,
      paused: false,
      createdAt: "2026-01-01T00:00:00.000Z",
      authorizationId: seed.authorizationId,
      audience: "vip",
      emailField: "email",
      campaign: "Welcome_Series",
      list: { folderName: "Lists", objectName: "CONTACTS_LIST" },
      additionalFields: ["first_name"],
    });
    await stub.configure({ job, webhookSecretHash: await hashWebhookSecret(SECRET) });
    const enter = [lyticsItem("camp@example.com", { extra: { first_name: "Zoë" } })];
    await deliver(id, enter);
    const retry = await exports.default.fetch(`http://gateway/v1/hooks/${id}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${SECRET}`, "Content-Type": "application/json" },
      body: JSON.stringify(enter),
    });
    expect(await retry.json()).toMatchObject({ accepted: 0, duplicates: 1 });
    expect(await stub.queuedCount()).toBe(1);

    expect(await stub.flush()).toMatchObject({ users: 1, ok: 1, error: null });
    expect(await stub.flush()).toMatchObject({ users: 0 });
    const triggers = await sandbox.requests("Trigger Email");
    expect(triggers).toHaveLength(1);
    expect(JSON.stringify(triggers[0]?.body)).toContain("camp@example.com");
    const status = await stub.status();
    expect(status).toMatchObject({ state: "running", queued: 0, totals: { sent: 1 } });
    expect(status?.campaign?.entries).toEqual({ queued: 0, inFlight: 0 });
  });
});

describe("admin queue routes", () => {
  it("takes a job made through the admin API from webhook to Responsys", async () => {
    const authorizationId = await createSandboxAuthorization({ endpoint: SANDBOX });
    const created = await exports.default.fetch("http://gateway/v1/jobs", {
      method: "POST",
      headers: { ...admin, "Content-Type": "application/json" },
      body: JSON.stringify({
        type: "export_audience",
        label: "VIP sync",
        authorizationId,
        audience: "vip",
        list: { folderName: "Lists", objectName: "CONTACTS_LIST" },
        idMappings: [{ lyticsField: "email", responsysField: "EMAIL_ADDRESS_" }],
        matchColumn1: "EMAIL_ADDRESS_",
        audienceMemberships: ["vip"],
      }),
    });
    expect(created.status).toBe(201);
    const job = (await created.json()) as { id: string; webhookSecret: string };
    made.push(env.JOB_QUEUE.get(env.JOB_QUEUE.idFromName(job.id)));
    const hook = await exports.default.fetch(`http://gateway/v1/hooks/${job.id}`, {
      method: "POST",
      headers: { "X-Api-Key": job.webhookSecret, "Content-Type": "application/json" },
      body: JSON.stringify([lyticsItem("e2e@example.com")]),
    });
    expect(await hook.json()).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
    const flushed = await exports.default.fetch(`http://gateway/v1/jobs/${job.id}/flush`, {
      method: "POST",
      headers: admin,
    });
    expect(await flushed.json()).toMatchObject({ users: 1, ok: 1, error: null });
    expect((await sandbox.members()).map((member) => member.EMAIL_ADDRESS_)).toEqual(["e2e@example.com"]);
  });

  it("reports status, flushes on demand, replays and clears dead letters", async () => {
    const { id } = await newJob();
    const route = (path: string, init: RequestInit = {}) =>
      exports.default.fetch(`http://gateway/v1/jobs/${id}${path}`, {
        ...init,
        headers: { ...admin, ...init.headers },
      });
    await deliver(id, [lyticsItem("good@example.com"), lyticsItem("bad@example", { extra: {} })]);

    const before = (await (await route("/status")).json()) as { queued: number; nextFlushAt: string | null };
    expect(before.queued).toBe(2);
    expect(before.nextFlushAt).not.toBeNull();

    const flushed = await route("/flush", { method: "POST" });
    expect(flushed.status).toBe(200);
    expect(await flushed.json()).toMatchObject({ users: 2, ok: 1, failed: 1, batches: 1, error: null });

    const page = (await (await route("/dead-letters")).json()) as {
      items: { id: number; code: string; reason: string; attempts: number }[];
      next: string | null;
    };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({ code: "MERGEFAILED", attempts: 1 });
    expect(page.items[0]?.reason).toContain("Bad Email Format");
    expect(page.next).toBeNull();

    const replay = await route("/dead-letters/replay", {
      method: "POST",
      body: JSON.stringify({ ids: [page.items[0]?.id, 999_999] }),
      headers: { "Content-Type": "application/json" },
    });
    expect(await replay.json()).toEqual({ replayed: 1, stillFailing: 0, notFound: [999_999], remaining: 0 });
    await route("/flush", { method: "POST" });
    const again = (await (await route("/dead-letters")).json()) as { items: { attempts: number }[] };
    expect(again.items.map((item) => item.attempts)).toEqual([2]);

    const cleared = await route("/dead-letters", { method: "DELETE" });
    expect(await cleared.json()).toEqual({ deleted: 1 });
    expect(((await (await route("/status")).json()) as { deadLetters: number }).deadLetters).toBe(0);
  });

  it("takes a backfill as enters, from a JSON array or NDJSON", async () => {
    const { id, stub } = await newJob();
    const post = (body: string, type: string) =>
      exports.default.fetch(`http://gateway/v1/jobs/${id}/backfill`, {
        method: "POST",
        headers: { ...admin, "Content-Type": type },
        body,
      });
    const array = await post(
      JSON.stringify([{ email: "x@example.com" }, { email: "y@example.com" }]),
      "application/json",
    );
    expect(array.status).toBe(202);
    expect(await array.json()).toEqual({ accepted: 2, duplicates: 0, ignored: 0 });
    const lines = await post(
      '{"email":"z@example.com"}\n{"first_name":"no email"}\n',
      "application/x-ndjson",
    );
    expect(await lines.json()).toEqual({ accepted: 1, duplicates: 0, ignored: 1 });
    const bad = await post('[{"email":"ok@example.com"}, 5]', "application/json");
    expect(bad.status).toBe(400);
    expect(await stub.queuedCount()).toBe(3);
    await stub.flush();
    expect(await sandbox.members()).toHaveLength(3);
  });

  it("answers 404 JOB_NOT_FOUND for a job without a queue", async () => {
    for (const path of ["/status", "/dead-letters"]) {
      const response = await exports.default.fetch(`http://gateway/v1/jobs/job_nothinghere${path}`, {
        headers: admin,
      });
      expect(response.status).toBe(404);
    }
    const flush = await exports.default.fetch("http://gateway/v1/jobs/job_nothinghere/flush", {
      method: "POST",
      headers: admin,
    });
    expect(flush.status).toBe(404);
  });
});
