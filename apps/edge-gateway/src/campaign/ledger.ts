import { and, asc, count, eq, inArray, min, sql } from "drizzle-orm";
import type { DrizzleSqliteDODatabase } from "drizzle-orm/durable-sqlite";
import type { CampaignRecipient } from "./entry.ts";
import { campaignEntries, campaignMembers, campaignState } from "./schema.ts";

// Every read and write of the campaign tables. All synchronous: a series of calls with no `await`
// in between commits atomically (Durable Object write coalescing); callers that need more wrap
// them in the queue store's `transaction`.

export type CampaignDatabase = DrizzleSqliteDODatabase<Record<string, never>>;

/** An entry waiting for (or in) its trigger call. */
export interface CampaignEntry {
  id: number;
  key: string;
  enteredAt: string;
  recipient: CampaignRecipient;
  replays: number;
}

export type EnterResult = "queued" | "duplicate";

export type CampaignStateRow = typeof campaignState.$inferSelect;

export interface ScanError {
  at: number;
  code: string;
  message: string;
}

export class CampaignLedger {
  readonly #db: CampaignDatabase;

  constructor(db: CampaignDatabase) {
    this.#db = db;
  }

  /**
   * Takes an enter. A new entry is one with no entry taken before, or one after an exit that came
   * after the last entry; anything else (a retry, a replayed webhook, an enter with a later time
   * but no exit in between, a backfill of a member already seen) is the same entry.
   */
  noteEnter(recipient: CampaignRecipient, at: string, now: number): EnterResult {
    const member = this.#member(recipient.key);
    if (member === undefined) {
      this.#db
        .insert(campaignMembers)
        .values({ key: recipient.key, entryAt: at, enterAt: at, enterRecipient: recipient, updatedAt: now })
        .run();
      this.addEntry(recipient, at, now, 0);
      return "queued";
    }
    const entryAt = member.entryAt;
    const isNew =
      entryAt === null || (member.exitAt !== null && member.exitAt > entryAt && at > member.exitAt);
    const latest = member.enterAt === null || at > member.enterAt;
    this.#db
      .update(campaignMembers)
      .set({
        ...(isNew ? { entryAt: at } : {}),
        ...(latest ? { enterAt: at, enterRecipient: recipient } : {}),
        updatedAt: now,
      })
      .where(eq(campaignMembers.key, recipient.key))
      .run();
    if (!isNew) return "duplicate";
    this.addEntry(recipient, at, now, 0);
    return "queued";
  }

  /**
   * Takes an exit. Exits trigger nothing; they only close the entry. An exit that arrives after a
   * later enter (Lytics delivers concurrently, out of order) shows that enter was a new entry: it
   * is taken then. Returns whether that happened.
   */
  noteExit(key: string, at: string, now: number): "noted" | "reentered" {
    const member = this.#member(key);
    if (member === undefined) {
      this.#db.insert(campaignMembers).values({ key, exitAt: at, updatedAt: now }).run();
      return "noted";
    }
    const exitAt = member.exitAt === null || at > member.exitAt ? at : member.exitAt;
    const entryAt = member.entryAt;
    const lateEnter = member.enterAt;
    const recipient = asRecipient(member.enterRecipient);
    const reentered =
      entryAt !== null && lateEnter !== null && recipient !== null && at > entryAt && lateEnter > at;
    this.#db
      .update(campaignMembers)
      .set({ exitAt, ...(reentered && lateEnter !== null ? { entryAt: lateEnter } : {}), updatedAt: now })
      .where(eq(campaignMembers.key, key))
      .run();
    if (!reentered || lateEnter === null || recipient === null) return "noted";
    this.addEntry(recipient, lateEnter, now, 0);
    return "reentered";
  }

  /** Queues an entry as is, outside the ledger's rules (a person's replay, or a new entry). */
  addEntry(recipient: CampaignRecipient, enteredAt: string, now: number, replays: number): void {
    this.#db
      .insert(campaignEntries)
      .values({ key: recipient.key, enteredAt, recipient, state: "queued", queuedAt: now, replays })
      .run();
  }

  /** Entries waiting or in flight: what a person would call queued. */
  pendingCount(): number {
    return this.#db.select({ value: count() }).from(campaignEntries).get()?.value ?? 0;
  }

  queuedCount(): number {
    return (
      this.#db
        .select({ value: count() })
        .from(campaignEntries)
        .where(eq(campaignEntries.state, "queued"))
        .get()?.value ?? 0
    );
  }

  inFlightCount(): number {
    return this.pendingCount() - this.queuedCount();
  }

  oldestQueuedAt(): number | null {
    return (
      this.#db
        .select({ value: min(campaignEntries.queuedAt) })
        .from(campaignEntries)
        .where(eq(campaignEntries.state, "queued"))
        .get()?.value ?? null
    );
  }

  /**
   * Marks the oldest queued entries (at most `limit`) in flight under a new batch number. The
   * caller makes this durable before the trigger call, so a restart can tell what may have gone.
   */
  claim(limit: number): { batch: number; entries: CampaignEntry[] } {
    const batch = (this.state()?.lastBatch ?? 0) + 1;
    this.#ensureState();
    this.#db.update(campaignState).set({ lastBatch: batch }).where(eq(campaignState.id, 1)).run();
    const rows = this.#db
      .select()
      .from(campaignEntries)
      .where(eq(campaignEntries.state, "queued"))
      .orderBy(asc(campaignEntries.queuedAt), asc(campaignEntries.id))
      .limit(limit)
      .all();
    const ids = rows.map((row) => row.id);
    for (const part of chunks(ids, 90)) {
      this.#db
        .update(campaignEntries)
        .set({ state: "in_flight", batch })
        .where(inArray(campaignEntries.id, part))
        .run();
    }
    return { batch, entries: rows.map(toEntry) };
  }

  /** Entries left in flight by a flush that never finished (the object restarted mid-call). */
  inFlight(): CampaignEntry[] {
    return this.#db
      .select()
      .from(campaignEntries)
      .where(eq(campaignEntries.state, "in_flight"))
      .orderBy(asc(campaignEntries.id))
      .all()
      .map(toEntry);
  }

  /** Forgets settled entries (sent or dead-lettered): the ledger row keeps them from coming back. */
  settle(ids: readonly number[]): void {
    for (const part of chunks(ids, 90))
      this.#db.delete(campaignEntries).where(inArray(campaignEntries.id, part)).run();
  }

  /** Puts in-flight entries back in the queue: their call provably sent nothing. */
  release(ids: readonly number[]): void {
    for (const part of chunks(ids, 90)) {
      this.#db
        .update(campaignEntries)
        .set({ state: "queued", batch: null })
        .where(and(inArray(campaignEntries.id, part), eq(campaignEntries.state, "in_flight")))
        .run();
    }
  }

  /** Drops every waiting entry (the job is deleted with `discard`). The ledger stays. */
  clearEntries(): void {
    this.#db.delete(campaignEntries).run();
  }

  state(): CampaignStateRow | undefined {
    return this.#db.select().from(campaignState).where(eq(campaignState.id, 1)).get();
  }

  countExits(exits: number): void {
    if (exits === 0) return;
    this.#ensureState();
    this.#db
      .update(campaignState)
      .set({ exits: sql`${campaignState.exits} + ${exits}` })
      .where(eq(campaignState.id, 1))
      .run();
  }

  updateState(values: Partial<Omit<CampaignStateRow, "id">>): void {
    this.#ensureState();
    this.#db.update(campaignState).set(values).where(eq(campaignState.id, 1)).run();
  }

  #ensureState(): void {
    this.#db.insert(campaignState).values({ id: 1 }).onConflictDoNothing().run();
  }

  #member(key: string) {
    return this.#db.select().from(campaignMembers).where(eq(campaignMembers.key, key)).get();
  }
}

function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let start = 0; start < items.length; start += size) yield items.slice(start, start + size);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A recipient as stored in JSON (entries, ledger rows, dead letters), or null if unreadable. */
export function asRecipient(value: unknown): CampaignRecipient | null {
  if (!isRecord(value) || typeof value.key !== "string" || typeof value.email !== "string") return null;
  const fields: Record<string, string> = {};
  if (isRecord(value.fields)) {
    for (const [name, item] of Object.entries(value.fields))
      if (typeof item === "string") fields[name] = item;
  }
  return {
    key: value.key,
    email: value.email,
    fields,
    profileId: typeof value.profileId === "string" ? value.profileId : null,
  };
}

function toEntry(row: typeof campaignEntries.$inferSelect): CampaignEntry {
  const recipient = asRecipient(row.recipient) ?? {
    key: row.key,
    email: row.key,
    fields: {},
    profileId: null,
  };
  return { id: row.id, key: row.key, enteredAt: row.enteredAt, recipient, replays: row.replays };
}
