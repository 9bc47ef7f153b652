import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LyticsScanEmulator } from "../../test/lytics-scan.ts";
import { audienceEvent, campaignJob, campaignObject, minutesIn, withCampaignQueue } from "./test-kit.ts";

// The ledger rules and the scan backfill, on a job object's real SQLite; no Responsys involved
// (campaign-flush.test.ts sends to the sandbox).

let objects = 0;
const freshObject = () => campaignObject(`campaign-queue-test-${++objects}`);
const NOW = Date.UTC(2026, 0, 2);
const job = campaignJob();
const ann = { email: "Ann@Example.com" };

describe("CampaignQueue ledger", () => {
  it("takes one entry per audience entry: retries, replays and later enters without an exit are the same entry", async () => {
    const answers = await withCampaignQueue(freshObject(), ({ queue }) => [
      queue.take(job, [audienceEvent(ann, { at: minutesIn(1) })], NOW),
      queue.take(job, [audienceEvent(ann, { at: minutesIn(1) })], NOW),
      queue.take(job, [audienceEvent({ email: "ann@example.com " }, { at: minutesIn(2) })], NOW),
      queue.pendingCount(),
    ]);
    expect(answers).toEqual([
      { accepted: 1, duplicates: 0, ignored: 0 },
      { accepted: 0, duplicates: 1, ignored: 0 },
      { accepted: 0, duplicates: 1, ignored: 0 },
      1,
    ]);
  });

  it("takes a new entry after an exit, and counts exits without queueing them", async () => {
    const result = await withCampaignQueue(freshObject(), ({ queue }) => {
      queue.take(job, [audienceEvent(ann, { at: minutesIn(1) })], NOW);
      const exit = queue.take(job, [audienceEvent(ann, { event: "exit", at: minutesIn(2) })], NOW);
      const again = queue.take(job, [audienceEvent(ann, { at: minutesIn(3) })], NOW);
      const retried = queue.take(job, [audienceEvent(ann, { at: minutesIn(3) })], NOW);
      return { exit, again, retried, pending: queue.pendingCount(), status: queue.status() };
    });
    expect(result.exit).toEqual({ accepted: 0, duplicates: 0, ignored: 1 });
    expect(result.again).toEqual({ accepted: 1, duplicates: 0, ignored: 0 });
    expect(result.retried).toEqual({ accepted: 0, duplicates: 1, ignored: 0 });
    expect(result.pending).toBe(2);
    expect(result.status).toMatchObject({ entries: { queued: 2, inFlight: 0 }, exits: 1, backfill: null });
  });

  it("takes a re-entry when the exit before it arrives late", async () => {
    const pending = await withCampaignQueue(freshObject(), ({ queue }) => {
      queue.take(job, [audienceEvent(ann, { at: minutesIn(1) })], NOW);
      // Enter at 3 arrives before the exit at 2 (Lytics delivers concurrently).
      queue.take(job, [audienceEvent(ann, { at: minutesIn(3) })], NOW);
      const before = queue.pendingCount();
      queue.take(job, [audienceEvent(ann, { event: "exit", at: minutesIn(2) })], NOW);
      return [before, queue.pendingCount()];
    });
    expect(pending).toEqual([1, 2]);
  });

  it("dead-letters enters without a usable email and ignores other users", async () => {
    const result = await withCampaignQueue(freshObject(), ({ queue, store }) => {
      const answer = queue.take(
        job,
        [
          audienceEvent({ first_name: "No email" }),
          audienceEvent({ email: "a@x.io" }, { audience: "other" }),
        ],
        NOW,
      );
      return { answer, letters: store.deadLetterPage(0, 10) };
    });
    expect(result.answer).toEqual({ accepted: 0, duplicates: 0, ignored: 2 });
    expect(result.letters).toMatchObject([{ source: "webhook", code: "MISSING_IDENTIFIER" }]);
  });

  it("sends a backfilled member who also arrives by webhook once", async () => {
    const result = await withCampaignQueue(freshObject(), ({ queue }) => [
      queue.backfill(job, [{ email: "b@x.io" }], NOW),
      queue.take(job, [audienceEvent({ email: "b@x.io" }, { at: minutesIn(1) })], NOW + 1000),
      queue.backfill(job, [{ email: "b@x.io" }], NOW + 2000),
      queue.pendingCount(),
    ]);
    expect(result).toEqual([
      { accepted: 1, duplicates: 0, ignored: 0 },
      { accepted: 0, duplicates: 1, ignored: 0 },
      { accepted: 0, duplicates: 1, ignored: 0 },
      1,
    ]);
  });

  it("replays a dead-lettered entry past the ledger: a person's decision to send once more", async () => {
    const pending = await withCampaignQueue(freshObject(), ({ queue, store }) => {
      queue.take(job, [audienceEvent(ann, { at: minutesIn(1) })], NOW);
      const claim = queue.ledger.claim(200);
      expect(claim.entries).toHaveLength(1);
      // The object restarts mid-call: the entry is dead-lettered, not resent.
      expect(queue.recoverInFlight(NOW)).toBe(1);
      const [letter] = store.deadLetterPage(0, 10);
      expect(letter).toMatchObject({
        code: "AMBIGUOUS_DELIVERY",
        source: "queued",
        user: { email: "ann@example.com" },
      });
      if (letter === undefined) throw new Error("no dead letter");
      expect(queue.replay(job, letter, NOW)).toEqual({ kind: "replayed" });
      return queue.pendingCount();
    });
    expect(pending).toBe(1);
  });
});

describe("CampaignQueue.replay of webhook dead letters", () => {
  it("keeps an enter that still has no email, and takes a readable one through the ledger", async () => {
    const outcomes = await withCampaignQueue(freshObject(), ({ queue, store }) => {
      queue.take(job, [audienceEvent({ first_name: "No email" }, { at: minutesIn(1) })], NOW);
      const [letter] = store.deadLetterPage(0, 10);
      if (letter === undefined) throw new Error("no dead letter");
      const still = queue.replay(job, letter, NOW);
      // The same user, as a person might fix it, twice: one entry.
      const fixed = { ...letter, user: audienceEvent({ email: "c@x.io" }, { at: minutesIn(1) }) };
      return {
        still,
        first: queue.replay(job, fixed, NOW),
        again: queue.replay(job, fixed, NOW),
        pending: queue.pendingCount(),
      };
    });
    expect(outcomes.still).toMatchObject({ kind: "still_failing", code: "MISSING_IDENTIFIER" });
    expect(outcomes.first).toEqual({ kind: "replayed" });
    expect(outcomes.again).toEqual({ kind: "replayed" });
    expect(outcomes.pending).toBe(1);
  });
});

describe("CampaignQueue.dueAt", () => {
  it("is the oldest entry's interval, now for a full batch, the next scan page, or nothing", async () => {
    const settings = { batchSize: 2, flushIntervalSeconds: 600 };
    const scanJob = campaignJob({
      backfill: true,
      lytics: { apiUrl: "https://lytics.test", apiToken: "tok" },
    });
    const due = await withCampaignQueue(freshObject(), ({ queue }) => {
      const empty = queue.dueAt(settings, NOW);
      queue.take(job, [audienceEvent({ email: "a@x.io" })], NOW);
      const one = queue.dueAt(settings, NOW + 5);
      queue.take(job, [audienceEvent({ email: "b@x.io" })], NOW + 10);
      const full = queue.dueAt(settings, NOW + 20);
      queue.startScan(scanJob, NOW + 30);
      return { empty, one, full, scanning: queue.dueAt({ ...settings, batchSize: 200 }, NOW + 40) };
    });
    expect(due).toEqual({ empty: null, one: NOW + 600_000, full: NOW + 20, scanning: NOW + 30 });
  });
});

describe("CampaignQueue Lytics scan", () => {
  const scanJob = campaignJob({ backfill: true, lytics: { apiUrl: "https://lytics.test", apiToken: "tok" } });
  const members = Array.from({ length: 250 }, (_, index) => ({ email: `scan${index}@x.io` }));

  it("pages the audience one page per step, resumes after a restart and takes no one twice", async () => {
    const lytics = new LyticsScanEmulator({ token: "tok", audiences: { new_signups: members } });
    const stub = freshObject();
    let clock = NOW;
    const step = () =>
      withCampaignQueue(stub, ({ queue }) =>
        queue.scanStep({ job: scanJob, fetch: lytics.fetch, now: () => clock, maxQueuedUsers: 1_000_000 }),
      );
    await withCampaignQueue(stub, ({ queue }) => {
      queue.startScan(scanJob, clock);
      queue.startScan(scanJob, clock);
    });
    expect(await step()).toBe("page");
    await evictDurableObject(stub);
    // A page read twice (lost answer) changes nothing: the ledger has those users already.
    await withCampaignQueue(stub, ({ queue }) => queue.backfill(scanJob, members.slice(0, 100), clock));
    expect(await step()).toBe("page");
    await evictDurableObject(stub);
    lytics.failNext({ status: 503 });
    expect(await step()).toBe("page");
    const failed = await withCampaignQueue(stub, ({ queue }) => queue.status().backfill);
    expect(failed).toMatchObject({
      state: "scanning",
      pages: 2,
      users: 200,
      lastError: { code: "LYTICS_HTTP_503" },
    });
    expect(await step()).toBe("waiting");
    clock += 11 * 60 * 1000;
    expect(await step()).toBe("page");
    expect(await step()).toBe("idle");
    const result = await withCampaignQueue(stub, ({ queue }) => ({
      status: queue.status(),
      pending: queue.pendingCount(),
    }));
    expect(result.pending).toBe(250);
    expect(result.status.backfill).toMatchObject({ state: "done", done: true, pages: 3, users: 250 });
    const starts = lytics
      .scansOf("new_signups")
      .map((request) => new URL(request.url).searchParams.get("start"));
    expect(starts[0]).toBeNull();
    expect(new Set(starts.slice(1)).size).toBe(2);
  });

  it("stops for good on a refused token and says why", async () => {
    const lytics = new LyticsScanEmulator({ token: "other", audiences: { new_signups: members } });
    const stub = freshObject();
    const status = await withCampaignQueue(stub, async ({ queue }) => {
      queue.startScan(scanJob, NOW);
      await queue.scanStep({ job: scanJob, fetch: lytics.fetch, now: () => NOW, maxQueuedUsers: 10 });
      return queue.status().backfill;
    });
    expect(status).toMatchObject({
      state: "failed",
      done: false,
      lastError: { code: "LYTICS_UNAUTHORIZED" },
    });
  });

  it("waits while the queue is full", async () => {
    const lytics = new LyticsScanEmulator({ token: "tok", audiences: { new_signups: members } });
    const answer = await withCampaignQueue(freshObject(), async ({ queue }) => {
      queue.startScan(scanJob, NOW);
      queue.backfill(scanJob, [{ email: "x@x.io" }], NOW);
      return queue.scanStep({ job: scanJob, fetch: lytics.fetch, now: () => NOW, maxQueuedUsers: 1 });
    });
    expect(answer).toBe("waiting");
    expect(lytics.requests).toHaveLength(0);
  });
});
