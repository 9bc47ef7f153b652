import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { admin, expectJson } from "../../test/admin.ts";
import {
  addMembers,
  armTriggerFault,
  createCampaignAuthorization,
  seedCampaignSandbox,
  sentCount,
  triggeredRecipients,
  triggerRequests,
  uniqueEmail,
  uniqueEmails,
} from "../../test/campaign-sandbox.ts";
import { LyticsScanEmulator, routeLyticsHost } from "../../test/lytics-scan.ts";
import { readConfig } from "../env.ts";
import { jobQueueOf } from "../jobs/queue-stub.ts";
import type { CampaignJob } from "./campaign-job.ts";
import type { CampaignQueue } from "./campaign-queue.ts";
import { campaignPort } from "./responsys-port.ts";
import { audienceEvent, campaignJob, campaignObject, minutesIn, withCampaignQueue } from "./test-kit.ts";

// Campaign flushes against the Responsys sandbox, on a job object's real SQLite. Every test that
// triggers Welcome_Series lives in this file, on the campaign tests' own sandbox: its faults must
// not meet another file's calls.

const config = readConfig(env);
let job: CampaignJob;
let objects = 0;
const freshObject = () => campaignObject(`campaign-flush-test-${++objects}`);

beforeAll(async () => {
  job = campaignJob({
    authorizationId: await createCampaignAuthorization(),
    additionalFields: ["first_name"],
  });
});

function flush(queue: CampaignQueue, state: DurableObjectState, options: { batchSize?: number } = {}) {
  return queue.flush({
    job,
    port: () => campaignPort(env, job, config),
    settings: { batchSize: options.batchSize ?? 200, flushIntervalSeconds: 600 },
    force: true,
    maxBatches: 25,
    now: Date.now,
    persist: () => state.storage.sync(),
  });
}

describe("campaign flush against the sandbox", () => {
  it("triggers each entry once, with the campaign's list and optionalData, in batches of at most the batch size", async () => {
    const emails = uniqueEmails("batch", 3);
    await addMembers(
      job.authorizationId,
      emails.map((email, index) => ({ email, firstName: `F${index}` })),
    );
    const stub = freshObject();
    const report = await withCampaignQueue(stub, async ({ queue, state }) => {
      for (const [index, email] of emails.entries()) {
        const enter = audienceEvent(
          { email, first_name: index === 0 ? "Zoë" : `F${index}` },
          { at: minutesIn(1) },
        );
        queue.take(job, [enter, enter], Date.now());
      }
      return flush(queue, state, { batchSize: 2 });
    });
    expect(report).toMatchObject({ users: 3, ok: 3, failed: 0, batches: 2, apiCalls: 2, failure: null });
    const recipients = await triggeredRecipients(emails);
    expect(recipients.map((data) => data.recipient.emailAddress).sort()).toEqual([...emails].sort());
    expect(recipients[0]).toEqual({
      recipient: { emailAddress: emails[0], listName: { folderName: "Lists", objectName: "CONTACTS_LIST" } },
      // Sent as \u00eb (the sandbox refuses literal non-ASCII) and read back as the letter.
      optionalData: [{ name: "first_name", value: "Zoë" }],
    });
    // A second flush, and the same enters again, send nothing more.
    const again = await withCampaignQueue(stub, ({ queue, state }) => {
      queue.take(job, [audienceEvent({ email: emails[1] }, { at: minutesIn(2) })], Date.now());
      return flush(queue, state);
    });
    expect(again).toMatchObject({ users: 0, apiCalls: 0 });
    expect(await triggerRequests(emails)).toHaveLength(2);
  });

  it("dead-letters recipients Responsys refuses, with its message, and sends the rest", async () => {
    const [member, stranger, bounced] = uniqueEmails("refused", 3) as [string, string, string];
    await addMembers(job.authorizationId, [{ email: member }, { email: bounced, undeliverable: true }]);
    const result = await withCampaignQueue(freshObject(), async ({ queue, state, store }) => {
      queue.take(
        job,
        [
          audienceEvent({ email: member }),
          audienceEvent({ email: stranger }),
          audienceEvent({ email: bounced }),
        ],
        Date.now(),
      );
      return { report: await flush(queue, state), letters: store.deadLetterPage(0, 10) };
    });
    expect(result.report).toMatchObject({ users: 3, ok: 1, failed: 2 });
    expect(result.letters).toMatchObject([
      {
        code: "NO_RECIPIENT_FOUND",
        reason: "NO_RECIPIENT_FOUND: Recipient Not Found",
        user: { email: stranger },
      },
      { code: "RECIPIENT_STATUS_UNDELIVERABLE", user: { email: bounced } },
    ]);
    expect(await sentCount(member)).toBe(1);
    expect(await sentCount(bounced)).toBe(0);
  });

  it("dead-letters a trigger whose connection dropped after sending, never resends it, and replays it once on request", async () => {
    const email = uniqueEmail("ambiguous");
    await addMembers(job.authorizationId, [{ email }]);
    await armTriggerFault({ kind: "drop_after" });
    const stub = freshObject();
    const first = await withCampaignQueue(stub, async ({ queue, state, store }) => {
      queue.take(job, [audienceEvent({ email })], Date.now());
      const report = await flush(queue, state);
      // The webhook is retried, and flushes run again: nothing is sent a second time.
      queue.take(job, [audienceEvent({ email })], Date.now());
      const second = await flush(queue, state);
      return { report, second, letters: store.deadLetterPage(0, 10), pending: queue.pendingCount() };
    });
    expect(first.report).toMatchObject({ users: 1, ok: 0, failed: 1, failure: null });
    expect(first.second).toMatchObject({ users: 0, apiCalls: 0 });
    expect(first.pending).toBe(0);
    expect(first.letters).toMatchObject([{ code: "AMBIGUOUS_DELIVERY", user: { email } }]);
    expect(await triggerRequests([email])).toHaveLength(1);
    expect(await sentCount(email)).toBe(1);

    const replayed = await withCampaignQueue(stub, async ({ queue, state, store }) => {
      const [letter] = store.deadLetterPage(0, 10);
      if (letter === undefined) throw new Error("no dead letter");
      expect(queue.replay(job, letter, Date.now())).toEqual({ kind: "replayed" });
      store.deleteDeadLetter(letter.id);
      return flush(queue, state);
    });
    expect(replayed).toMatchObject({ ok: 1 });
    expect(await triggerRequests([email])).toHaveLength(2);
    expect(await sentCount(email)).toBe(2);
  });

  it("retries a throttled trigger on the job's backoff, then delivers it once", async () => {
    const email = uniqueEmail("throttled");
    await addMembers(job.authorizationId, [{ email }]);
    await armTriggerFault({ kind: "capacity_limit" });
    const stub = freshObject();
    const first = await withCampaignQueue(stub, async ({ queue, state, store }) => {
      queue.take(job, [audienceEvent({ email })], Date.now());
      const report = await flush(queue, state);
      return { report, pending: queue.pendingCount(), letters: store.deadLetterCount() };
    });
    expect(first.report).toMatchObject({ users: 0, ok: 0, apiCalls: 1, failure: { permanent: false } });
    expect(first.pending).toBe(1);
    expect(first.letters).toBe(0);
    expect(await sentCount(email)).toBe(0);

    const second = await withCampaignQueue(stub, ({ queue, state }) => flush(queue, state));
    expect(second).toMatchObject({ users: 1, ok: 1, failure: null });
    expect(await triggerRequests([email])).toHaveLength(2);
    expect(await sentCount(email)).toBe(1);
  });

  it("dead-letters entries a restart left in flight instead of sending them again", async () => {
    const email = uniqueEmail("restart");
    await addMembers(job.authorizationId, [{ email }]);
    const stub = freshObject();
    await withCampaignQueue(stub, ({ queue }) => {
      queue.take(job, [audienceEvent({ email })], Date.now());
      // Claimed for a call, then the object stops before the outcome is known.
      queue.ledger.claim(200);
    });
    const report = await withCampaignQueue(stub, ({ queue, state }) => flush(queue, state));
    expect(report).toMatchObject({ recovered: 1, users: 0, apiCalls: 0 });
    expect(await triggerRequests([email])).toHaveLength(0);
    const letters = await withCampaignQueue(stub, ({ store }) => store.deadLetterPage(0, 10));
    expect(letters).toMatchObject([{ code: "AMBIGUOUS_DELIVERY", user: { email } }]);
  });

  it("sends again for a re-entry (enter, exit, enter) but not for a later enter without an exit", async () => {
    const [leaver, stayer] = uniqueEmails("reentry", 2) as [string, string];
    await addMembers(job.authorizationId, [{ email: leaver }, { email: stayer }]);
    const stub = freshObject();
    await withCampaignQueue(stub, async ({ queue, state }) => {
      queue.take(
        job,
        [
          audienceEvent({ email: leaver }, { at: minutesIn(1) }),
          audienceEvent({ email: stayer }, { at: minutesIn(1) }),
        ],
        Date.now(),
      );
      await flush(queue, state);
      queue.take(job, [audienceEvent({ email: leaver }, { event: "exit", at: minutesIn(2) })], Date.now());
      queue.take(
        job,
        [
          audienceEvent({ email: leaver }, { at: minutesIn(3) }),
          audienceEvent({ email: stayer }, { at: minutesIn(3) }),
        ],
        Date.now(),
      );
      await flush(queue, state);
    });
    expect(await sentCount(leaver)).toBe(2);
    expect(await sentCount(stayer)).toBe(1);
  });
});

// ---- campaign jobs end to end: the admin API, webhooks and the job's Durable Object ----

type CreatedJob = { id: string; webhookUrl: string; webhookSecret: string };
type Status = {
  state: string;
  lastFlush: { users: number; ok: number; failed: number } | null;
  queued: number;
  totals: Record<string, number>;
  lastError: { code: string } | null;
  deadLetters: number;
  campaign?: {
    entries: { queued: number; inFlight: number };
    exits: number;
    backfill: {
      state: string;
      done: boolean;
      pages: number;
      users: number;
      cursor: string;
      lastError: unknown;
    } | null;
  };
};
type DeadLetters = {
  items: { id: number; code: string; reason: string; user: Record<string, unknown> }[];
  next: string | null;
};

async function createCampaignJob(overrides: Record<string, unknown> = {}): Promise<CreatedJob> {
  const body = {
    type: "export_campaign",
    label: "Welcome",
    authorizationId: job.authorizationId,
    audience: "new_signups",
    emailField: "email",
    campaign: "Welcome_Series",
    backfill: false,
    additionalFields: ["first_name"],
    ...overrides,
  };
  return expectJson<CreatedJob>(await admin("POST", "/v1/jobs", body), 201);
}

async function postHook(created: CreatedJob, body: unknown): Promise<Record<string, number>> {
  const response = await exports.default.fetch(created.webhookUrl, {
    method: "POST",
    headers: { Authorization: `Bearer ${created.webhookSecret}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return expectJson<Record<string, number>>(response, 202);
}

function lyticsEnter(
  email: string,
  at: string,
  event: "enter" | "exit" = "enter",
  extra: Record<string, unknown> = {},
) {
  return {
    id: `profile-${email}`,
    data: { email, ...extra, segment_events: [{ id: "seg1", slug: "new_signups", event, [event]: at }] },
    meta: { object: "user", timestamp: at },
  };
}

const statusOf = async (id: string) => expectJson<Status>(await admin("GET", `/v1/jobs/${id}/status`), 200);
const deadLettersOf = async (id: string) =>
  expectJson<DeadLetters>(await admin("GET", `/v1/jobs/${id}/dead-letters`), 200);
const flushJob = async (id: string) =>
  expectJson<Record<string, unknown>>(await admin("POST", `/v1/jobs/${id}/flush`), 200);

describe("campaign jobs end to end", () => {
  it("sends one email per audience entry for webhooks retried, batched and re-entered, and explains the rest", async () => {
    const emails = uniqueEmails("e2e", 3);
    const [ann, bob, cy] = emails as [string, string, string];
    await addMembers(
      job.authorizationId,
      emails.map((email) => ({ email })),
    );
    const created = await createCampaignJob();
    const batch = [
      lyticsEnter(ann, minutesIn(1), "enter", { first_name: "Ann" }),
      lyticsEnter(bob, minutesIn(1)),
      lyticsEnter(cy, minutesIn(1)),
    ];
    expect(await postHook(created, batch)).toEqual({ accepted: 3, duplicates: 0, ignored: 0 });
    // Lytics retries the same delivery; later enters without an exit are the same entry.
    expect(await postHook(created, batch)).toEqual({ accepted: 0, duplicates: 3, ignored: 0 });
    expect(await postHook(created, lyticsEnter(bob, minutesIn(2)))).toEqual({
      accepted: 0,
      duplicates: 1,
      ignored: 0,
    });
    // Ann leaves and comes back: a new entry. A user without an email cannot be sent.
    expect(
      await postHook(created, [
        lyticsEnter(ann, minutesIn(3), "exit"),
        lyticsEnter(ann, minutesIn(4)),
        { data: { segment_events: [{ slug: "new_signups", event: "enter", enter: minutesIn(4) }] } },
      ]),
    ).toEqual({
      accepted: 1,
      duplicates: 0,
      ignored: 2,
    });
    const before = await statusOf(created.id);
    expect(before).toMatchObject({
      queued: 4,
      campaign: { entries: { queued: 4, inFlight: 0 }, exits: 1, backfill: null },
    });

    expect(await flushJob(created.id)).toMatchObject({ users: 4, ok: 4, failed: 0 });
    expect(await flushJob(created.id)).toMatchObject({ users: 0 });
    const recipients = await triggeredRecipients(emails);
    expect(recipients.map((data) => data.recipient.emailAddress).sort()).toEqual([ann, ann, bob, cy].sort());
    expect(await triggerRequests(emails)).toHaveLength(1);
    const after = await statusOf(created.id);
    expect(after).toMatchObject({
      state: "running",
      queued: 0,
      totals: { received: 10, duplicates: 4, sent: 4 },
      deadLetters: 1,
    });
    expect((await deadLettersOf(created.id)).items).toMatchObject([{ code: "MISSING_IDENTIFIER" }]);
  });

  it("dead-letters an ambiguous trigger, never resends it, and sends it once more on a person's replay", async () => {
    const email = uniqueEmail("e2e-ambiguous");
    await addMembers(job.authorizationId, [{ email }]);
    const created = await createCampaignJob();
    await postHook(created, lyticsEnter(email, minutesIn(1)));
    await armTriggerFault({ kind: "drop_after" });
    expect(await flushJob(created.id)).toMatchObject({ users: 1, ok: 0, failed: 1 });
    await postHook(created, lyticsEnter(email, minutesIn(1)));
    await flushJob(created.id);
    const letters = await deadLettersOf(created.id);
    expect(letters.items).toMatchObject([{ code: "AMBIGUOUS_DELIVERY", user: { email } }]);
    expect(await sentCount(email)).toBe(1);
    expect(await triggerRequests([email])).toHaveLength(1);

    const replay = await expectJson<Record<string, unknown>>(
      await admin("POST", `/v1/jobs/${created.id}/dead-letters/replay`, {
        ids: letters.items.map((item) => item.id),
      }),
      200,
    );
    expect(replay).toMatchObject({ replayed: 1, stillFailing: 0 });
    expect(await flushJob(created.id)).toMatchObject({ ok: 1 });
    expect(await sentCount(email)).toBe(2);
    expect(await statusOf(created.id)).toMatchObject({ deadLetters: 0, queued: 0 });
  });

  it("keeps throttled entries queued with lastError, then delivers them", async () => {
    const email = uniqueEmail("e2e-throttled");
    await addMembers(job.authorizationId, [{ email }]);
    const created = await createCampaignJob();
    await postHook(created, lyticsEnter(email, minutesIn(1)));
    await armTriggerFault({ kind: "capacity_limit" });
    expect(await flushJob(created.id)).toMatchObject({
      ok: 0,
      error: { code: "INTERNAL_CAPACITY_LIMIT_EXCEEDED" },
    });
    expect(await statusOf(created.id)).toMatchObject({
      state: "running",
      queued: 1,
      deadLetters: 0,
      lastError: { code: "INTERNAL_CAPACITY_LIMIT_EXCEEDED" },
    });
    expect(await flushJob(created.id)).toMatchObject({ ok: 1, error: null });
    expect(await sentCount(email)).toBe(1);
  });

  it("backfills from the Lytics scan on alarms, resumes after a restart mid-scan, and sends a member who also came by webhook once", async () => {
    const emails = uniqueEmails("e2e-scan", 250);
    for (let start = 0; start < emails.length; start += 200) {
      await addMembers(
        job.authorizationId,
        emails.slice(start, start + 200).map((email) => ({ email })),
      );
    }
    const lytics = new LyticsScanEmulator({
      token: "lytics-token",
      audiences: { new_signups: emails.map((email) => ({ email })) },
    });
    // The first ask for page 2 is throttled for an hour: the scan stops there, mid-audience.
    lytics.failRequest(2, { status: 429, retryAfterSeconds: 3600 });
    const unroute = routeLyticsHost("lytics.test", lytics);
    try {
      const created = await createCampaignJob({
        backfill: true,
        lytics: { apiUrl: "https://lytics.test", apiToken: "lytics-token" },
      });
      const stub = jobQueueOf(env, created.id);
      // Alarms also fire on their own; these steps only make sure they have run.
      const driveUntil = async (done: (status: Status) => boolean): Promise<Status> => {
        let status = await statusOf(created.id);
        for (let step = 0; step < 20 && !done(status); step += 1) {
          await runDurableObjectAlarm(stub);
          await stub.idle();
          status = await statusOf(created.id);
        }
        return status;
      };
      const paused = await driveUntil((status) => status.campaign?.backfill?.lastError !== null);
      expect(paused.campaign?.backfill).toMatchObject({
        state: "scanning",
        pages: 1,
        users: 100,
        lastError: { code: "LYTICS_HTTP_429" },
      });
      // A member of the second page arrives by webhook meanwhile; then the object restarts.
      expect(await postHook(created, lyticsEnter(emails[150] ?? "", minutesIn(1)))).toMatchObject({
        accepted: 1,
      });
      await evictDurableObject(stub);
      // The hour is over (the alarm itself is run early by the test).
      await runInDurableObject(stub, (_instance, state) => {
        state.storage.sql.exec("UPDATE campaign_state SET scan_next_at = ?", Date.now());
      });
      const finished = await driveUntil((status) => status.campaign?.backfill?.done === true);
      expect(finished.campaign?.backfill).toMatchObject({ state: "done", done: true, pages: 3, users: 250 });
      await flushJob(created.id);
      expect(await statusOf(created.id)).toMatchObject({ queued: 0, totals: { sent: 250 }, deadLetters: 0 });
      const recipients = await triggeredRecipients(emails);
      expect(recipients).toHaveLength(250);
      expect(new Set(recipients.map((data) => data.recipient.emailAddress)).size).toBe(250);
      // Page 2 was asked for again from the saved cursor; every request carried the raw token.
      const scans = lytics.scansOf("new_signups");
      const starts = scans.map((request) => new URL(request.url).searchParams.get("start"));
      expect(starts).toHaveLength(4);
      expect(starts[0]).toBeNull();
      expect(starts[2]).toBe(starts[1]);
      expect(scans.every((request) => request.authorization === "lytics-token")).toBe(true);
    } finally {
      unroute();
    }
  });

  it("takes a backfill upload through the same ledger", async () => {
    const email = uniqueEmail("e2e-upload");
    await addMembers(job.authorizationId, [{ email }]);
    const created = await createCampaignJob({ backfill: true });
    await postHook(created, lyticsEnter(email, minutesIn(1)));
    const upload = await expectJson<Record<string, number>>(
      await admin("POST", `/v1/jobs/${created.id}/backfill`, [{ email }, { email: "not-an-email" }]),
      202,
    );
    expect(upload).toEqual({ accepted: 0, duplicates: 1, ignored: 1 });
    await flushJob(created.id);
    expect(await sentCount(email)).toBe(1);
  });

  it("dead-letters entries a restarted job object finds in flight, and says so in the last flush", async () => {
    const email = uniqueEmail("e2e-restart");
    await addMembers(job.authorizationId, [{ email }]);
    const created = await createCampaignJob();
    await postHook(created, lyticsEnter(email, minutesIn(1)));
    const stub = jobQueueOf(env, created.id);
    // As a flush leaves them when the object stops during the trigger call.
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE campaign_entries SET state = 'in_flight', batch = 1");
    });
    await evictDurableObject(stub);
    expect(await flushJob(created.id)).toMatchObject({ users: 1, ok: 0, failed: 1, error: null });
    const status = await statusOf(created.id);
    expect(status).toMatchObject({ queued: 0, deadLetters: 1, lastFlush: { users: 1, ok: 0, failed: 1 } });
    expect((await deadLettersOf(created.id)).items).toMatchObject([
      { code: "AMBIGUOUS_DELIVERY", user: { email } },
    ]);
    expect(await triggerRequests([email])).toHaveLength(0);
  });

  // Last in the file: it replaces the sandbox's data.
  it("sets the job failing and keeps its entries when the campaign is gone, then sends once it is back", async () => {
    const email = uniqueEmail("e2e-gone");
    await addMembers(job.authorizationId, [{ email }]);
    const created = await createCampaignJob();
    await postHook(created, lyticsEnter(email, minutesIn(1)));
    await seedCampaignSandbox({ campaigns: false });
    try {
      expect(await flushJob(created.id)).toMatchObject({ ok: 0, error: { code: "CAMPAIGN_NOT_FOUND" } });
      expect(await statusOf(created.id)).toMatchObject({
        state: "failing",
        queued: 1,
        deadLetters: 0,
        lastError: { code: "CAMPAIGN_NOT_FOUND" },
      });
    } finally {
      await seedCampaignSandbox({ campaigns: true });
    }
    await addMembers(job.authorizationId, [{ email }]);
    expect(await flushJob(created.id)).toMatchObject({ ok: 1, error: null });
    expect(await statusOf(created.id)).toMatchObject({ state: "running", queued: 0 });
    expect(await sentCount(email)).toBe(1);
  });
});
