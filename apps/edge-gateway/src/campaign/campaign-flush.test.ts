import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addMembers,
  armTriggerFault,
  createCampaignAuthorization,
  sentCount,
  triggeredRecipients,
  triggerRequests,
  uniqueEmails,
} from "../../test/campaign-sandbox.ts";
import { readConfig } from "../env.ts";
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
    const [member, stranger] = uniqueEmails("refused", 2) as [string, string];
    await addMembers(job.authorizationId, [{ email: member }]);
    const result = await withCampaignQueue(freshObject(), async ({ queue, state, store }) => {
      queue.take(job, [audienceEvent({ email: member }), audienceEvent({ email: stranger })], Date.now());
      return { report: await flush(queue, state), letters: store.deadLetterPage(0, 10) };
    });
    expect(result.report).toMatchObject({ users: 2, ok: 1, failed: 1 });
    expect(result.letters).toMatchObject([
      {
        code: "NO_RECIPIENT_FOUND",
        reason: "NO_RECIPIENT_FOUND: Recipient Not Found",
        user: { email: stranger },
      },
    ]);
    expect(await sentCount(member)).toBe(1);
  });

  it("dead-letters a trigger whose connection dropped after sending, never resends it, and replays it once on request", async () => {
    const [email] = uniqueEmails("ambiguous", 1) as [string];
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
    const [email] = uniqueEmails("throttled", 1) as [string];
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
    const [email] = uniqueEmails("restart", 1) as [string];
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
