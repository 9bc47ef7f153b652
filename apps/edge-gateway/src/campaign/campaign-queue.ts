import { eventTimeFromMillis, type UserData, type WebhookUser } from "@responsys-bridge/core";
import type { IngestCounts } from "../queue/answers.ts";
import { backfillEnter } from "../queue/backfill.ts";
import { flushBackoffMs } from "../queue/backoff.ts";
import { type DeadLetterSource, storedWebhookUser, type TotalName } from "../queue/store.ts";
import { type CampaignJob, scansLytics } from "./campaign-job.ts";
import { deliverCampaignBatch, type EntryOutcome } from "./deliver.ts";
import { type CampaignRecipient, projectCampaignUser, retainedCampaignUser } from "./entry.ts";
import {
  asRecipient,
  type CampaignDatabase,
  type CampaignEntry,
  CampaignLedger,
  type ScanError,
} from "./ledger.ts";
import { fetchScanPage, type ScanFetch } from "./lytics-scan.ts";
import { type CampaignResponsys, countingCampaignPort } from "./responsys-port.ts";

/** The code of a dead letter whose trigger may or may not have been sent. */
export const AMBIGUOUS_DELIVERY = "AMBIGUOUS_DELIVERY";

/** While the queue is this full, the Lytics scan waits this long before its next page. */
const SCAN_FULL_WAIT_MS = 60_000;

/**
 * What the campaign queue needs from the job queue's store: one transaction, dead letters and
 * totals kept where the status and dead-letter routes read them. `QueueStore` is one.
 */
export interface CampaignHost {
  transaction<T>(run: () => T): T;
  addDeadLetter(
    source: DeadLetterSource,
    user: unknown,
    code: string,
    reason: string,
    now: number,
    attempts?: number,
  ): void;
  addTotals(deltas: Partial<Record<TotalName, number>>): void;
}

/** A dead-lettered entry as stored: enough to trigger it again on a person's replay. */
export interface StoredCampaignEntry extends CampaignRecipient {
  enteredAt: string;
}

/** The batch sizes and timing a flush runs with (the gateway's validated config). */
export interface FlushSettings {
  batchSize: number;
  flushIntervalSeconds: number;
}

export interface CampaignFlushReport {
  users: number;
  ok: number;
  failed: number;
  batches: number;
  apiCalls: number;
  /** Entries found in flight from a flush that never finished, now dead-lettered. */
  recovered: number;
  /** What stopped the flush (entries requeued); `permanent` needs a person. */
  failure: { error: unknown; permanent: boolean } | null;
}

/** The Lytics scan backfill as the job status shows it. */
export interface BackfillStatus {
  state: "scanning" | "done" | "failed";
  done: boolean;
  pages: number;
  users: number;
  cursor: string;
  startedAt: string | null;
  finishedAt: string | null;
  nextPageAt: string | null;
  lastError: { at: string; code: string; message: string } | null;
}

/** The campaign part of the job status. */
export interface CampaignStatus {
  entries: { queued: number; inFlight: number };
  exits: number;
  backfill: BackfillStatus | null;
}

export type ReplayOutcome = { kind: "replayed" } | { kind: "still_failing"; code: string; reason: string };

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function isScanError(value: unknown): value is ScanError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "at") === "number" &&
    typeof Reflect.get(value, "code") === "string" &&
    typeof Reflect.get(value, "message") === "string"
  );
}

function storedEntry(entry: CampaignEntry): StoredCampaignEntry {
  return { ...entry.recipient, enteredAt: entry.enteredAt };
}

/**
 * An Export Audiences to Campaign job's queue, inside the job's Durable Object: takes enters and
 * exits through the ledger (one trigger per audience entry), triggers the campaign in batches of at
 * most 200, and pages the Lytics audience scan for the backfill. Every method but the two that
 * call out is synchronous, so the object's input gate keeps them atomic.
 */
export class CampaignQueue {
  readonly #ledger: CampaignLedger;
  readonly #host: CampaignHost;

  constructor(db: CampaignDatabase, host: CampaignHost) {
    this.#ledger = new CampaignLedger(db);
    this.#host = host;
  }

  get ledger(): CampaignLedger {
    return this.#ledger;
  }

  /** Takes webhook users: enters through the ledger, exits counted, unusable enters dead-lettered. */
  take(job: CampaignJob, users: readonly WebhookUser[], now: number): IngestCounts {
    const receivedAt = eventTimeFromMillis(now);
    let accepted = 0;
    let duplicates = 0;
    let ignored = 0;
    let exits = 0;
    this.#host.transaction(() => {
      for (const user of users) {
        const projection = projectCampaignUser(job, user, receivedAt);
        if (projection.kind === "ignored") {
          ignored += 1;
          if (projection.deadLetter) {
            this.#host.addDeadLetter(
              "webhook",
              retainedCampaignUser(job, user),
              projection.code,
              projection.reason,
              now,
            );
          }
          continue;
        }
        let queued = false;
        let duplicate = false;
        for (const event of projection.events) {
          if (event.kind === "enter") {
            if (this.#ledger.noteEnter(projection.recipient, event.at, now) === "queued") queued = true;
            else duplicate = true;
          } else {
            exits += 1;
            if (this.#ledger.noteExit(projection.recipient.key, event.at, now) === "reentered") queued = true;
          }
        }
        if (queued) accepted += 1;
        else if (duplicate) duplicates += 1;
        else ignored += 1;
      }
      this.#ledger.countExits(exits);
      this.#host.addTotals({ received: users.length, duplicates, ignored });
    });
    return { accepted, duplicates, ignored };
  }

  /** Takes current audience members (an upload or a scan page) as enters now. */
  backfill(job: CampaignJob, users: readonly UserData[], now: number): IngestCounts {
    const at = eventTimeFromMillis(now);
    return this.take(
      job,
      users.map((data) => backfillEnter(data, job.audience, at)),
      now,
    );
  }

  /** Entries waiting or in flight. */
  pendingCount(): number {
    return this.#ledger.pendingCount();
  }

  /** When the queue next has work: a full batch now, the oldest entry's interval, the next scan page. */
  dueAt(settings: FlushSettings, now: number): number | null {
    const queued = this.#ledger.queuedCount();
    const oldest = this.#ledger.oldestQueuedAt();
    let due: number | null = null;
    if (queued > 0 && oldest !== null) {
      due = queued >= settings.batchSize ? now : oldest + settings.flushIntervalSeconds * 1000;
    }
    const scan = this.#ledger.state();
    if (scan?.scan === "scanning") {
      const next = scan.scanNextAt ?? now;
      due = due === null ? next : Math.min(due, next);
    }
    return due;
  }

  /**
   * Dead-letters entries a flush left in flight when the object stopped: their trigger may have
   * been sent, so they are never resent on their own (AMBIGUOUS_DELIVERY; a person may replay).
   * Only call it while no flush is running.
   */
  recoverInFlight(now: number): number {
    const stranded = this.#ledger.inFlight();
    if (stranded.length === 0) return 0;
    this.#settle(
      stranded.map((entry) => ({
        kind: "ambiguous",
        entry,
        reason:
          "The gateway stopped while this trigger was being sent, so Responsys may or may not have sent it; replay it only if it did not arrive.",
      })),
      now,
    );
    return stranded.length;
  }

  /**
   * Sends due batches: after recovering stranded entries, one batch after another while a full
   * batch waits, the oldest entry is due, or `force`, at most `maxBatches`. Stops at the first
   * request-level failure, with those entries back in the queue.
   */
  async flush(options: {
    job: CampaignJob;
    port: () => CampaignResponsys;
    settings: FlushSettings;
    force: boolean;
    maxBatches: number;
    now: () => number;
    /** Makes the claim durable before the trigger call leaves. */
    persist: () => Promise<void>;
  }): Promise<CampaignFlushReport> {
    const { job, settings } = options;
    const report: CampaignFlushReport = {
      users: 0,
      ok: 0,
      failed: 0,
      batches: 0,
      apiCalls: 0,
      recovered: this.recoverInFlight(options.now()),
      failure: null,
    };
    let counted: ReturnType<typeof countingCampaignPort> | undefined;
    while (report.batches < options.maxBatches) {
      const queued = this.#ledger.queuedCount();
      const oldest = this.#ledger.oldestQueuedAt();
      if (queued === 0 || oldest === null) break;
      const due =
        options.force ||
        queued >= settings.batchSize ||
        oldest + settings.flushIntervalSeconds * 1000 <= options.now();
      if (!due) break;
      // The client is made before anything is claimed: entries are in flight only around a call.
      counted ??= countingCampaignPort(options.port());
      const claim = this.#host.transaction(() => this.#ledger.claim(settings.batchSize));
      await options.persist();
      const before = counted.calls();
      const result = await deliverCampaignBatch(counted.port, job, claim.entries, (outcomes) => {
        this.#settle(outcomes, options.now());
        for (const outcome of outcomes) {
          if (outcome.kind === "sent") report.ok += 1;
          else report.failed += 1;
        }
      });
      const calls = counted.calls() - before;
      report.apiCalls += calls;
      this.#host.transaction(() => {
        this.#ledger.release(result.unsent.map((entry) => entry.id));
        this.#host.addTotals({ apiCalls: calls, flushes: result.failure === null ? 1 : 0 });
      });
      report.users += claim.entries.length - result.unsent.length;
      if (result.failure !== null) {
        report.failure = result.failure;
        break;
      }
      report.batches += 1;
    }
    return report;
  }

  #settle(outcomes: readonly EntryOutcome[], now: number): void {
    this.#host.transaction(() => {
      let sent = 0;
      let rejected = 0;
      for (const outcome of outcomes) {
        if (outcome.kind === "sent") {
          sent += 1;
          continue;
        }
        rejected += 1;
        const code = outcome.kind === "ambiguous" ? AMBIGUOUS_DELIVERY : outcome.code;
        this.#host.addDeadLetter(
          "queued",
          storedEntry(outcome.entry),
          code,
          outcome.reason,
          now,
          outcome.entry.replays + 1,
        );
      }
      this.#ledger.settle(outcomes.map((outcome) => outcome.entry.id));
      this.#host.addTotals({ sent, rejected });
    });
  }

  /**
   * Puts one dead letter back. A stored entry is queued again as is, past the ledger: a replay is
   * a person's decision to trigger once more. A stored webhook user goes through the ledger like
   * any webhook (it was never taken).
   */
  replay(
    job: CampaignJob,
    row: { source: DeadLetterSource; user: unknown; attempts: number },
    now: number,
  ): ReplayOutcome {
    if (row.source === "queued") {
      const recipient = asRecipient(row.user);
      const enteredAt =
        typeof row.user === "object" && row.user !== null ? Reflect.get(row.user, "enteredAt") : null;
      if (recipient === null || typeof enteredAt !== "string") {
        return {
          kind: "still_failing",
          code: "UNREADABLE_DEAD_LETTER",
          reason: "The stored entry cannot be read.",
        };
      }
      this.#ledger.addEntry(recipient, enteredAt, now, row.attempts);
      return { kind: "replayed" };
    }
    const user = storedWebhookUser(row.user);
    if (user === null) {
      return {
        kind: "still_failing",
        code: "UNREADABLE_DEAD_LETTER",
        reason: "The stored user cannot be read.",
      };
    }
    const projection = projectCampaignUser(job, user, eventTimeFromMillis(now));
    if (projection.kind === "ignored")
      return { kind: "still_failing", code: projection.code, reason: projection.reason };
    for (const event of projection.events) {
      if (event.kind === "enter") this.#ledger.noteEnter(projection.recipient, event.at, now);
      else this.#ledger.noteExit(projection.recipient.key, event.at, now);
    }
    return { kind: "replayed" };
  }

  /** Starts the Lytics scan backfill once for a job that asks for it; later configures change nothing. */
  startScan(job: CampaignJob, now: number): void {
    const scan = this.#ledger.state()?.scan;
    if (!scansLytics(job) || (scan !== undefined && scan !== null)) return;
    this.#ledger.updateState({ scan: "scanning", scanCursor: "", scanNextAt: now, scanStartedAt: now });
  }

  /**
   * Takes one page of the Lytics audience scan when one is due: its users enter through the
   * ledger, and the cursor moves in the same transaction, so a restart resumes at the next page
   * and a page read twice triggers no one twice.
   */
  async scanStep(options: {
    job: CampaignJob;
    fetch: ScanFetch;
    now: () => number;
    maxQueuedUsers: number;
  }): Promise<"page" | "waiting" | "idle"> {
    const { job } = options;
    const state = this.#ledger.state();
    const access = job.lytics;
    if (state?.scan !== "scanning" || access === null || access === undefined) return "idle";
    const started = options.now();
    if ((state.scanNextAt ?? 0) > started) return "waiting";
    if (this.#ledger.pendingCount() >= options.maxQueuedUsers) {
      this.#ledger.updateState({ scanNextAt: started + SCAN_FULL_WAIT_MS });
      return "waiting";
    }
    const cursor = state.scanCursor;
    const page = await fetchScanPage(options.fetch, access, job.audience, cursor);
    const now = options.now();
    if (!page.ok) {
      const attempts = state.scanAttempts + 1;
      const lastError: ScanError = { at: now, code: page.code, message: page.message };
      if (!page.retryable) {
        this.#ledger.updateState({
          scan: "failed",
          scanNextAt: null,
          scanAttempts: attempts,
          scanLastError: lastError,
        });
        return "page";
      }
      const wait = flushBackoffMs(
        attempts,
        { code: page.code, message: page.message, permanent: false, minimumWaitMs: page.retryAfterMs ?? 0 },
        Math.random,
      );
      this.#ledger.updateState({ scanAttempts: attempts, scanNextAt: now + wait, scanLastError: lastError });
      return "page";
    }
    this.#host.transaction(() => {
      // Taken only if the scan is still where this page started (nothing else moved it meanwhile).
      const current = this.#ledger.state();
      if (current?.scan !== "scanning" || current.scanCursor !== cursor) return;
      this.backfill(job, page.users, now);
      // A cursor that does not move would page forever: the scan ends there.
      const finished = page.next === null || page.next === cursor;
      this.#ledger.updateState({
        scan: finished ? "done" : "scanning",
        scanCursor: page.next ?? cursor,
        scanPages: current.scanPages + 1,
        scanUsers: current.scanUsers + page.users.length,
        scanAttempts: 0,
        scanNextAt: finished ? null : now,
        ...(finished ? { scanFinishedAt: now } : {}),
      });
    });
    return "page";
  }

  status(): CampaignStatus {
    const state = this.#ledger.state();
    const queued = this.#ledger.queuedCount();
    return {
      entries: { queued, inFlight: this.#ledger.pendingCount() - queued },
      exits: state?.exits ?? 0,
      backfill:
        state?.scan === null || state?.scan === undefined
          ? null
          : {
              state: state.scan,
              done: state.scan === "done",
              pages: state.scanPages,
              users: state.scanUsers,
              cursor: state.scanCursor,
              startedAt: iso(state.scanStartedAt),
              finishedAt: iso(state.scanFinishedAt),
              nextPageAt: state.scan === "scanning" ? iso(state.scanNextAt) : null,
              lastError: isScanError(state.scanLastError)
                ? { ...state.scanLastError, at: new Date(state.scanLastError.at).toISOString() }
                : null,
            },
    };
  }
}
