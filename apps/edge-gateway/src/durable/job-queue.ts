import { DurableObject } from "cloudflare:workers";
import {
  eventTimeFromMillis,
  parseWebhookBody,
  type UserData,
  type WebhookUser,
} from "@responsys-bridge/core";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import { type CampaignJob, campaignJobSchema } from "../campaign/campaign-job.ts";
import { CampaignQueue } from "../campaign/campaign-queue.ts";
import { campaignPort } from "../campaign/responsys-port.ts";
import { type GatewayConfig, readConfig } from "../env.ts";
import type { JobDefinition } from "../jobs/definition.ts";
import {
  type DeadLetterPage,
  type FlushReport,
  type IngestAnswer,
  type JobStatus,
  jobNotFound,
  type Refusal,
  type ReplayReport,
  refusal,
} from "../queue/answers.ts";
import { backfillEnter } from "../queue/backfill.ts";
import { type FlushFailure, flushBackoffMs, flushFailure } from "../queue/backoff.ts";
import { deliverExportBatch, type KnownTables } from "../queue/deliver-export.ts";
import { type ExportAudienceJob, exportAudienceJobSchema } from "../queue/export-job.ts";
import { jobQueueMigrations } from "../queue/migrations.ts";
import { projectUser, queuedUserSchema, retainedWebhookUser } from "../queue/queued-user.ts";
import { exportAudiencePort } from "../queue/responsys-client-port.ts";
import { countingPort, type ExportAudienceResponsys } from "../queue/responsys-port.ts";
import {
  type ErrorRecord,
  type FlushRecord,
  type QueueDatabase,
  QueueStore,
  storedWebhookUser,
} from "../queue/store.ts";
import { webhookSecretMatches } from "../queue/webhook-secret.ts";

/** Largest webhook body taken (SPEC §3.3); the route checks first, this guards the RPC itself. */
export const MAX_WEBHOOK_BYTES = 10 * 1024 * 1024;
/** Batches one alarm sends before it yields and re-arms (keeps each invocation's subrequests bounded). */
const MAX_BATCHES_PER_RUN = 25;
const DEAD_LETTER_PAGE = 100;
/** Dead letters one "replay all" takes; the answer's `remaining` says whether to call again. */
const MAX_REPLAY = 10_000;
const PAUSED_RETRY_AFTER_SECONDS = 300;
const FULL_RETRY_AFTER_SECONDS = 60;

/** The job as the queue runs it: an Export Audience job, or a campaign job (../campaign). */
type QueueJob = { kind: "export"; job: ExportAudienceJob } | { kind: "campaign"; job: CampaignJob };
type ReadyJob = { state: NonNullable<ReturnType<QueueStore["state"]>>; job: QueueJob | null };

/**
 * One job's queue: takes webhook users (authenticated here, so the webhook path reads no D1),
 * coalesces them per user in SQLite, and flushes them to Responsys from a single alarm.
 */
export class JobQueue extends DurableObject<Env> {
  readonly #db: QueueDatabase;
  readonly #store: QueueStore;
  /** Export to Campaign jobs keep their entries in the campaign ledger, beside the same store. */
  readonly #campaign: CampaignQueue;
  #flushing: Promise<FlushReport> | undefined;
  readonly #knownTables: KnownTables = new Set();
  #job: { parsed: QueueJob | null } | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#db = drizzle(ctx.storage);
    this.#store = new QueueStore(this.#db);
    this.#campaign = new CampaignQueue(this.#db, this.#store);
    // Awaited: a failed migration must reset the object rather than run on a half-made schema.
    ctx.blockConcurrencyWhile(async () => {
      await migrate(this.#db, jobQueueMigrations);
    });
  }

  // ---- called by the admin API (platform half) ----

  /** Stores (or replaces) the job definition and the SHA-256 hex of its webhook secret. */
  async configure(input: { job: JobDefinition; webhookSecretHash: string }): Promise<void> {
    this.#store.configure(input.job, input.webhookSecretHash.toLowerCase(), input.job.paused);
    this.#job = undefined;
    // A changed job may have fixed what made flushes fail: retry now rather than after the backoff.
    this.#store.updateState({ nextAttemptAt: null });
    this.#knownTables.clear();
    const ready = this.#ready();
    if (ready?.job?.kind === "campaign") this.#campaign.startScan(ready.job.job, Date.now());
    await this.#schedule();
  }

  /** Pausing stops both webhooks (503) and flushing; resuming re-arms the alarm. */
  async setPaused(paused: boolean): Promise<void> {
    if (this.#store.state() === undefined) return;
    this.#store.updateState({ paused });
    await this.#schedule();
  }

  async queuedCount(): Promise<number> {
    return this.#pending(this.#ready()?.job ?? null);
  }

  /** Users (export) or entries (campaign) waiting to be sent. */
  #pending(job: QueueJob | null): number {
    return job?.kind === "campaign" ? this.#campaign.pendingCount() : this.#store.queuedCount();
  }

  /** Deletes everything this object holds, alarm included. */
  async destroy(): Promise<void> {
    await this.#flushing?.catch(() => undefined);
    // Nothing else runs in between: a webhook must find the old job or none, never missing tables.
    await this.ctx.blockConcurrencyWhile(async () => {
      await this.ctx.storage.deleteAlarm();
      await this.ctx.storage.deleteAll();
      // The object lives on until evicted: the empty schema makes it an unconfigured job (404).
      await migrate(this.#db, jobQueueMigrations);
      this.#knownTables.clear();
      this.#job = undefined;
    });
  }

  // ---- webhook ingest ----

  /**
   * Authenticates and takes one webhook body. Every outcome is an answer; none throws. The Worker
   * passes its validated `maxQueuedUsers` (the object's own config is the fallback).
   */
  async receive(input: {
    secret: string | null;
    body: string;
    maxQueuedUsers?: number;
  }): Promise<IngestAnswer> {
    const ready = this.#ready();
    if (ready === null) return jobNotFound();
    if (input.secret === null || !(await webhookSecretMatches(input.secret, ready.state.secretHash))) {
      return refusal(401, "UNAUTHORIZED", "The webhook secret is missing or wrong.");
    }
    if (ready.state.paused) {
      return refusal(503, "JOB_PAUSED", "The job is paused; deliver again later.", {
        retryAfterSeconds: PAUSED_RETRY_AFTER_SECONDS,
      });
    }
    const full = this.#queueFull(ready.job, input.maxQueuedUsers);
    if (full !== null) return full;
    if (input.body.length > MAX_WEBHOOK_BYTES) {
      return refusal(413, "PAYLOAD_TOO_LARGE", `The body is over ${MAX_WEBHOOK_BYTES} bytes.`);
    }
    const job = ready.job;
    if (job === null) return unsupportedJob();
    const parsed = parseWebhookBody(input.body);
    if (!parsed.ok) {
      return refusal(400, "INVALID_PAYLOAD", `The payload cannot be accepted: ${parsed.reason}.`, {
        details: { reason: parsed.reason, index: parsed.index },
      });
    }
    const answer = this.#take(job, parsed.users);
    await this.#schedule();
    return answer;
  }

  #take(job: QueueJob, users: readonly WebhookUser[]): IngestAnswer {
    if (job.kind === "export") return this.#takeExport(job.job, users);
    return { ok: true, ...this.#campaign.take(job.job, users, Date.now()) };
  }

  /** Takes current audience members as enters (admin backfill). */
  async backfill(users: UserData[], maxQueuedUsers?: number): Promise<IngestAnswer> {
    const ready = this.#ready();
    if (ready === null) return jobNotFound();
    const job = ready.job;
    if (job === null) return unsupportedJob();
    const full = this.#queueFull(job, maxQueuedUsers);
    if (full !== null) return full;
    const now = Date.now();
    const at = eventTimeFromMillis(now);
    const answer: IngestAnswer =
      job.kind === "campaign"
        ? { ok: true, ...this.#campaign.backfill(job.job, users, now) }
        : this.#takeExport(
            job.job,
            users.map((data) => backfillEnter(data, job.job.audience, at)),
          );
    await this.#schedule();
    return answer;
  }

  #takeExport(job: ExportAudienceJob, users: readonly WebhookUser[]): IngestAnswer {
    const now = Date.now();
    const receivedAt = eventTimeFromMillis(now);
    let accepted = 0;
    let duplicates = 0;
    let ignored = 0;
    this.#store.transaction(() => {
      for (const user of users) {
        const projection = projectUser(job, user, receivedAt);
        if (projection.kind === "ignored") {
          if (projection.code !== "NO_AUDIENCE_EVENT" && projection.eventKey !== null) {
            if (!this.#store.markSeen(projection.eventKey, now)) {
              duplicates += 1;
              continue;
            }
          }
          ignored += 1;
          if (projection.code !== "NO_AUDIENCE_EVENT") {
            this.#store.addDeadLetter(
              "webhook",
              retainedWebhookUser(job, user),
              projection.code,
              projection.reason,
              now,
            );
          }
          continue;
        }
        const result = this.#store.enqueue(projection.user, projection.eventKey, now);
        if (result === "duplicate") duplicates += 1;
        else accepted += 1;
      }
      this.#store.addTotals({ received: users.length, duplicates, ignored });
    });
    return { ok: true, accepted, duplicates, ignored };
  }

  #queueFull(job: QueueJob | null, limit: number | undefined): Refusal | null {
    const maxQueuedUsers = limit ?? readConfig(this.env).maxQueuedUsers;
    if (this.#pending(job) < maxQueuedUsers) return null;
    return refusal(
      429,
      "QUEUE_FULL",
      `The job has ${maxQueuedUsers} or more users queued; deliver again later.`,
      {
        retryAfterSeconds: FULL_RETRY_AFTER_SECONDS,
      },
    );
  }

  #ready(): ReadyJob | null {
    const state = this.#store.state();
    if (state === undefined) return null;
    // The job changes only through configure (which clears this), so it is read once per wake.
    this.#job ??= { parsed: parseQueueJob(state.job) };
    return { state, job: this.#job.parsed };
  }

  // ---- flushing ----

  override async alarm(): Promise<void> {
    // Never throws: failures are recorded and retried on the job's own backoff, not the platform's
    // six alarm retries, so an outage of any length loses nothing.
    try {
      await this.#flush(false);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", where: "JobQueue.alarm", message: String(error) }));
      await this.#schedule().catch(() => undefined);
    }
  }

  /** Flushes every queued user now, whatever the count or age (`POST /v1/jobs/:id/flush`). */
  async flush(): Promise<FlushReport | Refusal> {
    if (this.#store.state() === undefined) return jobNotFound();
    return this.#flush(true);
  }

  /** Resolves once no flush is running (tests and shutdown wait on it). */
  async idle(): Promise<void> {
    await this.#flushing?.catch(() => undefined);
  }

  async #flush(force: boolean): Promise<FlushReport> {
    // One flush at a time: the alarm, a manual flush and a test's alarm run share the queue.
    while (this.#flushing !== undefined) await this.#flushing.catch(() => undefined);
    const running = this.#runFlush(force);
    this.#flushing = running;
    try {
      return await running;
    } finally {
      this.#flushing = undefined;
      await this.#schedule();
    }
  }

  async #runFlush(force: boolean): Promise<FlushReport> {
    const report: FlushReport = { users: 0, ok: 0, failed: 0, batches: 0, error: null };
    const ready = this.#ready();
    if (ready === null || (ready.state.paused && !force)) return report;
    const job = ready.job;
    if (job === null) return report;
    const config = readConfig(this.env);
    const started = Date.now();
    this.#store.prune(started);
    if (job.kind === "campaign") await this.#flushCampaign(job.job, force, config, report);
    else await this.#flushExport(job.job, force, config, report);
    if (report.batches > 0 || report.users > 0 || report.error !== null) {
      const lastFlush: FlushRecord = {
        at: started,
        users: report.users,
        ok: report.ok,
        failed: report.failed,
        durationMs: Date.now() - started,
      };
      this.#store.updateState({ lastFlush });
    }
    return report;
  }

  async #flushExport(
    job: ExportAudienceJob,
    force: boolean,
    config: GatewayConfig,
    report: FlushReport,
  ): Promise<void> {
    this.#store.recountQueue();
    let responsys: { port: ExportAudienceResponsys; calls: () => number } | undefined;
    while (report.batches < MAX_BATCHES_PER_RUN) {
      const queued = this.#store.queuedCount();
      const oldest = this.#store.oldestQueuedAt();
      if (queued === 0 || oldest === null) break;
      // After a failed attempt the retry sends what is queued, due or not: those users were due
      // (or asked for) when the attempt failed.
      const retrying = (this.#store.state()?.attempts ?? 0) > 0;
      const due =
        force ||
        retrying ||
        queued >= config.batchSize ||
        oldest + config.flushIntervalSeconds * 1000 <= Date.now();
      if (!due) break;
      const rows = this.#store.batch(config.batchSize);
      if (rows.length === 0) continue;
      const callsBefore = responsys?.calls() ?? 0;
      try {
        responsys ??= countingPort(exportAudiencePort(this.env, job, config));
        const outcome = await deliverExportBatch(
          responsys.port,
          job,
          rows.map((row) => row.user),
          this.#knownTables,
        );
        const now = Date.now();
        this.#store.transaction(() => {
          this.#store.acknowledge(rows);
          this.#store.addRejections(outcome.rejected, now);
          this.#store.addTotals({
            sent: outcome.delivered.length,
            rejected: outcome.rejected.length,
            flushes: 1,
            apiCalls: responsys ? responsys.calls() - callsBefore : 0,
          });
          this.#recovered();
        });
        report.batches += 1;
        report.users += rows.length;
        report.ok += outcome.delivered.length;
        report.failed += rows.length - outcome.delivered.length;
      } catch (error) {
        const failure = flushFailure(error);
        this.#store.transaction(() => {
          this.#store.addTotals({ apiCalls: responsys ? responsys.calls() - callsBefore : 0 });
          this.#failed(failure);
        });
        report.error = { code: failure.code, message: failure.message };
        break;
      }
    }
  }

  async #flushCampaign(
    job: CampaignJob,
    force: boolean,
    config: GatewayConfig,
    report: FlushReport,
  ): Promise<void> {
    // The Lytics scan backfill takes one page per alarm (a manual flush only sends); its own
    // backoff lives in the ledger.
    if (!force) {
      await this.#campaign.scanStep({
        job,
        fetch: (request) => fetch(request),
        now: Date.now,
        maxQueuedUsers: config.maxQueuedUsers,
      });
    }
    const result = await this.#campaign.flush({
      job,
      port: () => campaignPort(this.env, job, config),
      settings: config,
      force: force || (this.#store.state()?.attempts ?? 0) > 0,
      maxBatches: MAX_BATCHES_PER_RUN,
      now: Date.now,
      // The claim must be durable before a trigger leaves: a restart then knows it may have gone.
      persist: () => this.ctx.storage.sync(),
    });
    // Entries a restart left in flight were dead-lettered (AMBIGUOUS_DELIVERY) by this flush.
    report.users += result.users + result.recovered;
    report.ok += result.ok;
    report.failed += result.failed + result.recovered;
    report.batches += result.batches;
    if (result.failure !== null) {
      const failure = { ...flushFailure(result.failure.error), permanent: result.failure.permanent };
      this.#store.transaction(() => this.#failed(failure));
      report.error = { code: failure.code, message: failure.message };
    } else if (result.batches > 0) {
      this.#recovered();
    }
  }

  /** A flush attempt failed: count it, back off (capped), and say whether a person is needed. */
  #failed(failure: FlushFailure): void {
    const now = Date.now();
    const attempts = (this.#store.state()?.attempts ?? 0) + 1;
    const lastError: ErrorRecord = { at: now, code: failure.code, message: failure.message };
    this.#store.updateState({
      attempts,
      // Permanent causes (unknown list, no access) need a person; the queue waits for them.
      failing: failure.permanent,
      nextAttemptAt: now + flushBackoffMs(attempts, failure, Math.random),
      lastError,
    });
  }

  /** A batch went through: whatever failed before is over. */
  #recovered(): void {
    this.#store.updateState({ attempts: 0, failing: false, nextAttemptAt: null });
  }

  /**
   * Sets the one alarm from the queue's state: now when a full batch waits, else when the oldest
   * user is due, never before a backoff ends, none when there is nothing to do or the job is paused.
   */
  async #schedule(): Promise<void> {
    const ready = this.#ready();
    const now = Date.now();
    const due = ready === null || ready.state.paused ? null : this.#dueAt(ready.job, now);
    if (ready === null || due === null) {
      if ((await this.ctx.storage.getAlarm()) !== null) await this.ctx.storage.deleteAlarm();
      return;
    }
    const state = ready.state;
    const backoffEnd = state.nextAttemptAt ?? 0;
    let at = state.attempts > 0 ? Math.max(now, backoffEnd) : due;
    // An alarm at `now` set from inside alarm() may be dropped locally (workerd #6866): 1 ms later.
    at = Math.max(at, now + 1);
    const current = await this.ctx.storage.getAlarm();
    // An earlier alarm (but not one inside the backoff) will fire and re-evaluate: keep it.
    if (current !== null && current <= at && current >= backoffEnd) return;
    await this.ctx.storage.setAlarm(at);
  }

  /** When the job next has work (null: none): a full batch now, else its oldest user's interval. */
  #dueAt(job: QueueJob | null, now: number): number | null {
    const config = readConfig(this.env);
    if (job?.kind === "campaign") return this.#campaign.dueAt(config, now);
    const queued = this.#store.queuedCount();
    const oldest = this.#store.oldestQueuedAt();
    if (queued === 0 || oldest === null) return null;
    return queued >= config.batchSize ? now : oldest + config.flushIntervalSeconds * 1000;
  }

  // ---- status and dead letters (admin) ----

  async status(): Promise<JobStatus | null> {
    const ready = this.#ready();
    if (ready === null) return null;
    const { state, job } = ready;
    const campaign = job?.kind === "campaign";
    const oldest = campaign ? this.#campaign.ledger.oldestQueuedAt() : this.#store.oldestQueuedAt();
    const alarm = await this.ctx.storage.getAlarm();
    const lastFlush = isFlushRecord(state.lastFlush) ? state.lastFlush : null;
    const lastError = isErrorRecord(state.lastError) ? state.lastError : null;
    return {
      state: state.paused ? "paused" : state.failing ? "failing" : "running",
      queued: this.#pending(job),
      oldestQueuedAt: oldest === null ? null : new Date(oldest).toISOString(),
      nextFlushAt: alarm === null ? null : new Date(alarm).toISOString(),
      totals: {
        received: state.received,
        duplicates: state.duplicates,
        ignored: state.ignored,
        sent: state.sent,
        rejected: state.rejected,
        flushes: state.flushes,
        apiCalls: state.apiCalls,
      },
      lastFlush: lastFlush === null ? null : { ...lastFlush, at: new Date(lastFlush.at).toISOString() },
      lastError: lastError === null ? null : { ...lastError, at: new Date(lastError.at).toISOString() },
      deadLetters: this.#store.deadLetterCount(),
      ...(campaign ? { campaign: this.#campaign.status() } : {}),
    };
  }

  async deadLetters(cursor: string | null): Promise<DeadLetterPage | Refusal> {
    if (this.#store.state() === undefined) return jobNotFound();
    const after = cursor === null ? 0 : Number(cursor);
    if (!Number.isSafeInteger(after) || after < 0)
      return refusal(400, "INVALID_CURSOR", "The cursor is not valid.");
    const rows = this.#store.deadLetterPage(after, DEAD_LETTER_PAGE + 1);
    const page = rows.slice(0, DEAD_LETTER_PAGE);
    const last = page.at(-1);
    return {
      items: page.map((row) => ({
        id: row.id,
        user: JSON.stringify(row.user),
        reason: row.reason,
        code: row.code,
        at: new Date(row.at).toISOString(),
        attempts: row.attempts,
      })),
      next: rows.length > DEAD_LETTER_PAGE && last !== undefined ? String(last.id) : null,
    };
  }

  /** Puts dead letters (all, or the given ids) back into the queue; unusable ones stay, counted. */
  async replayDeadLetters(ids: number[] | null): Promise<ReplayReport | Refusal> {
    const ready = this.#ready();
    if (ready === null) return jobNotFound();
    const queueJob = ready.job;
    if (queueJob === null) return unsupportedJob();
    const now = Date.now();
    const receivedAt = eventTimeFromMillis(now);
    const report: ReplayReport = { replayed: 0, stillFailing: 0, notFound: [], remaining: 0 };
    this.#store.transaction(() => {
      const rows =
        ids === null ? this.#store.deadLetterPage(0, MAX_REPLAY) : this.#store.deadLettersByIds(ids);
      if (ids !== null) {
        const found = new Set(rows.map((row) => row.id));
        report.notFound = ids.filter((id) => !found.has(id));
      }
      for (const row of rows) {
        if (queueJob.kind === "campaign") {
          const outcome = this.#campaign.replay(queueJob.job, row, now);
          if (outcome.kind === "replayed") {
            this.#store.deleteDeadLetter(row.id);
            report.replayed += 1;
          } else {
            const { code, reason } = outcome;
            this.#store.updateDeadLetter(row.id, { code, reason, at: now, attempts: row.attempts + 1 });
            report.stillFailing += 1;
          }
          continue;
        }
        const job = queueJob.job;
        if (row.source === "queued") {
          const user = queuedUserSchema.safeParse(row.user);
          if (user.success) {
            this.#store.enqueue({ ...user.data, replays: row.attempts }, null, now);
            this.#store.deleteDeadLetter(row.id);
            report.replayed += 1;
            continue;
          }
        } else {
          const webhookUser = storedWebhookUser(row.user);
          const projection = webhookUser === null ? null : projectUser(job, webhookUser, receivedAt);
          if (projection?.kind === "queued") {
            this.#store.enqueue({ ...projection.user, replays: row.attempts }, null, now);
            this.#store.deleteDeadLetter(row.id);
            report.replayed += 1;
            continue;
          }
          if (projection?.kind === "ignored") {
            this.#store.updateDeadLetter(row.id, {
              code: projection.code,
              reason: projection.reason,
              at: now,
              attempts: row.attempts + 1,
            });
          }
        }
        report.stillFailing += 1;
      }
    });
    if (ids === null) report.remaining = this.#store.deadLetterCount() - report.stillFailing;
    await this.#schedule();
    return report;
  }

  async clearDeadLetters(): Promise<{ deleted: number } | Refusal> {
    if (this.#store.state() === undefined) return jobNotFound();
    return { deleted: this.#store.clearDeadLetters() };
  }
}

function parseQueueJob(stored: unknown): QueueJob | null {
  const exportJob = exportAudienceJobSchema.safeParse(stored);
  if (exportJob.success) return { kind: "export", job: exportJob.data };
  const campaignJob = campaignJobSchema.safeParse(stored);
  return campaignJob.success ? { kind: "campaign", job: campaignJob.data } : null;
}

function unsupportedJob(): Refusal {
  return refusal(409, "JOB_TYPE_NOT_SUPPORTED", "This job's type is not handled by the webhook queue yet.");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isFlushRecord(value: unknown): value is FlushRecord {
  return isRecord(value) && typeof value.at === "number" && typeof value.users === "number";
}

function isErrorRecord(value: unknown): value is ErrorRecord {
  return isRecord(value) && typeof value.at === "number" && typeof value.code === "string";
}
