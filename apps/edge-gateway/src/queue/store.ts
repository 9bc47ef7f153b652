import { userDataSchema, type WebhookUser } from "@responsys-bridge/core";
import { asc, count, eq, gt, inArray, lt, min, type SQL, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import { z } from "zod";
import type { RejectedUser } from "./deliver-export.ts";
import { type QueuedUser, queuedUserSchema } from "./queued-user.ts";
import { deadLetters, jobState, latestEvents, queuedUsers, seenEvents } from "./schema.ts";

// Every read and write of the job queue's SQLite. All methods are synchronous: a series of them
// with no `await` in between commits atomically (Durable Object write coalescing), and callers
// that need more wrap them in `transaction`.

/** The job queue's database: drizzle over the object's storage (`$client`, as `drizzle()` returns it). */
export type QueueDatabase = DrizzleSqliteDODatabase<Record<string, never>> & {
  $client: DurableObjectStorage;
};

export interface ErrorRecord {
  at: number;
  code: string;
  message: string;
}

export interface FlushRecord {
  at: number;
  users: number;
  ok: number;
  failed: number;
  durationMs: number;
}

export type JobStateRow = typeof jobState.$inferSelect;

export interface QueuedRow {
  key: string;
  version: number;
  user: QueuedUser;
}

export type DeadLetterSource = "queued" | "webhook";

export interface DeadLetterRow {
  id: number;
  source: DeadLetterSource;
  user: unknown;
  code: string;
  reason: string;
  at: number;
  attempts: number;
}

/** Seen-event keys and per-user latest times are kept this long (Lytics retries for hours). */
export const DEDUPE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

const TOTAL_NAMES = ["received", "duplicates", "ignored", "sent", "rejected", "flushes", "apiCalls"] as const;
export type TotalName = (typeof TOTAL_NAMES)[number];

const MAX_BOUND_IDS = 90;

export type EnqueueResult = "queued" | "duplicate" | "stale";

export class QueueStore {
  readonly #db: QueueDatabase;

  constructor(db: QueueDatabase) {
    this.#db = db;
  }

  transaction<T>(run: () => T): T {
    return this.#db.transaction(() => run());
  }

  state(): JobStateRow | undefined {
    return this.#db.select().from(jobState).where(eq(jobState.id, 1)).get();
  }

  configure(job: unknown, secretHash: string, paused: boolean): void {
    this.#db
      .insert(jobState)
      .values({ id: 1, job, secretHash, paused })
      .onConflictDoUpdate({ target: jobState.id, set: { job, secretHash, paused } })
      .run();
  }

  updateState(values: Partial<Omit<JobStateRow, "id">>): void {
    this.#db.update(jobState).set(values).where(eq(jobState.id, 1)).run();
  }

  /** Adds to the counters (`received`, `sent`, …) in one statement. */
  addTotals(deltas: Partial<Record<TotalName, number>>): void {
    const set: Partial<Record<TotalName, SQL>> = {};
    for (const name of TOTAL_NAMES) {
      const delta = deltas[name];
      if (delta !== undefined && delta !== 0) set[name] = sql`${jobState[name]} + ${delta}`;
    }
    if (Object.keys(set).length > 0) this.#db.update(jobState).set(set).where(eq(jobState.id, 1)).run();
  }

  queuedCount(): number {
    return (
      this.#db.select({ value: jobState.queued }).from(jobState).where(eq(jobState.id, 1)).get()?.value ?? 0
    );
  }

  /** Sets the kept queue length from the rows themselves (once per flush, to heal any drift). */
  recountQueue(): number {
    const rows = this.#db.select({ value: count() }).from(queuedUsers).get()?.value ?? 0;
    this.#db.update(jobState).set({ queued: rows }).where(eq(jobState.id, 1)).run();
    return rows;
  }

  #addQueued(delta: number): void {
    if (delta !== 0) {
      this.#db
        .update(jobState)
        .set({ queued: sql`max(0, ${jobState.queued} + ${delta})` })
        .where(eq(jobState.id, 1))
        .run();
    }
  }

  oldestQueuedAt(): number | null {
    return (
      this.#db
        .select({ value: min(queuedUsers.queuedAt) })
        .from(queuedUsers)
        .get()?.value ?? null
    );
  }

  /**
   * Takes one event into the queue: a duplicate (same event key) changes nothing; an event older
   * than the user's latest is stale and changes nothing; otherwise the user's queued state becomes
   * this one (coalesced per user).
   */
  /** Records an event key; false when it was already taken (a duplicate delivery). */
  markSeen(eventKey: string, now: number): boolean {
    return (
      this.#db.$client.sql
        .exec(
          "INSERT INTO seen_events (event_key, seen_at) VALUES (?, ?) ON CONFLICT (event_key) DO NOTHING RETURNING event_key",
          eventKey,
          now,
        )
        .toArray().length > 0
    );
  }

  enqueue(user: QueuedUser, eventKey: string | null, now: number): EnqueueResult {
    // The webhook hot path, in plain SQL on the same database: drizzle builds each statement
    // anew, which measured ~400 µs per user against ~40 µs here (bench/gateway.measure.ts).
    // Table and column names are those of ./schema.ts.
    const storage = this.#db.$client.sql;
    if (eventKey !== null && !this.markSeen(eventKey, now)) return "duplicate";
    const [latest] = storage
      .exec<{ event_time: string }>("SELECT event_time FROM latest_events WHERE key = ?", user.key)
      .toArray();
    if (latest !== undefined && latest.event_time > user.eventTime) return "stale";
    storage.exec(
      "INSERT INTO latest_events (key, event_time, seen_at) VALUES (?, ?, ?) " +
        "ON CONFLICT (key) DO UPDATE SET event_time = excluded.event_time, seen_at = excluded.seen_at",
      user.key,
      user.eventTime,
      now,
    );
    const [row] = storage
      .exec<{ version: number }>(
        "INSERT INTO queued_users (key, event_time, user, queued_at, version) VALUES (?, ?, ?, ?, 1) " +
          "ON CONFLICT (key) DO UPDATE SET event_time = excluded.event_time, user = excluded.user, " +
          "version = queued_users.version + 1 RETURNING version",
        user.key,
        user.eventTime,
        JSON.stringify(user),
        now,
      )
      .toArray();
    // Version 1 is a new row; an update always raises it.
    if (row?.version === 1) storage.exec("UPDATE job_state SET queued = queued + 1 WHERE id = 1");
    return "queued";
  }

  /** The oldest queued users, at most `limit`. */
  batch(limit: number): QueuedRow[] {
    return this.#db
      .select({ key: queuedUsers.key, version: queuedUsers.version, user: queuedUsers.user })
      .from(queuedUsers)
      .orderBy(asc(queuedUsers.queuedAt), asc(queuedUsers.key))
      .limit(limit)
      .all()
      .flatMap((row) => {
        const user = queuedUserSchema.safeParse(row.user);
        if (user.success) return [{ key: row.key, version: row.version, user: user.data }];
        // Only `enqueue` writes this column. A row it cannot have written is kept for a person
        // as a dead letter rather than sent or retried forever.
        this.addDeadLetter(
          "queued",
          row.user,
          "UNREADABLE_QUEUE_ROW",
          "The queued row could not be read.",
          Date.now(),
        );
        this.acknowledge([row]);
        return [];
      });
  }

  /**
   * Removes sent users, but only in the version that was sent: a user updated while the batch
   * was in flight stays queued with the newer state. Returns how many rows went.
   */
  acknowledge(rows: readonly Pick<QueuedRow, "key" | "version">[]): number {
    // Plain SQL for the same reason as `enqueue`: up to 200 deletes while webhooks wait.
    const storage = this.#db.$client.sql;
    let removed = 0;
    for (const row of rows) {
      removed += storage
        .exec("DELETE FROM queued_users WHERE key = ? AND version = ? RETURNING key", row.key, row.version)
        .toArray().length;
    }
    this.#addQueued(-removed);
    return removed;
  }

  addDeadLetter(
    source: DeadLetterSource,
    user: unknown,
    code: string,
    reason: string,
    now: number,
    attempts = 1,
  ): void {
    this.#db.insert(deadLetters).values({ source, user, code, reason, at: now, attempts }).run();
  }

  addRejections(rejected: readonly RejectedUser[], now: number): void {
    for (const entry of rejected) {
      const attempts = (entry.user.replays ?? 0) + 1;
      this.addDeadLetter("queued", entry.user, entry.code, entry.reason, now, attempts);
    }
  }

  deadLetterCount(): number {
    return this.#db.select({ value: count() }).from(deadLetters).get()?.value ?? 0;
  }

  /** A page of dead letters after id `after`, oldest first. */
  deadLetterPage(after: number, limit: number): DeadLetterRow[] {
    return this.#db
      .select()
      .from(deadLetters)
      .where(gt(deadLetters.id, after))
      .orderBy(asc(deadLetters.id))
      .limit(limit)
      .all();
  }

  deadLettersByIds(ids: readonly number[]): DeadLetterRow[] {
    const rows: DeadLetterRow[] = [];
    // Durable Object SQLite binds at most 100 parameters per statement.
    for (let start = 0; start < ids.length; start += MAX_BOUND_IDS) {
      const slice = ids.slice(start, start + MAX_BOUND_IDS);
      rows.push(...this.#db.select().from(deadLetters).where(inArray(deadLetters.id, slice)).all());
    }
    return rows;
  }

  deleteDeadLetter(id: number): void {
    this.#db.delete(deadLetters).where(eq(deadLetters.id, id)).run();
  }

  updateDeadLetter(id: number, values: { code: string; reason: string; at: number; attempts: number }): void {
    this.#db.update(deadLetters).set(values).where(eq(deadLetters.id, id)).run();
  }

  clearDeadLetters(): number {
    const removed = this.deadLetterCount();
    this.#db.delete(deadLetters).run();
    return removed;
  }

  /** Forgets dedupe facts older than the retention window. */
  prune(now: number): void {
    const cutoff = now - DEDUPE_RETENTION_MS;
    this.#db.delete(seenEvents).where(lt(seenEvents.seenAt, cutoff)).run();
    this.#db.delete(latestEvents).where(lt(latestEvents.seenAt, cutoff)).run();
  }
}

const storedWebhookUserSchema = z.object({
  profileId: z.string().nullable(),
  sentAt: z.string().nullable(),
  data: userDataSchema,
});

/** A dead-lettered webhook user as stored (what `retainedWebhookUser` kept), or null if unreadable. */
export function storedWebhookUser(value: unknown): WebhookUser | null {
  const parsed = storedWebhookUserSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
