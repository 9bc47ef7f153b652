import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The campaign tables inside a job's Durable Object, next to the queue's own. Their DDL lives in
// ./migrations.ts; the two must change together.

/**
 * The ledger: one row per recipient (normalised email), ever. It remembers the audience entry that
 * was last taken and the latest exit and enter seen, which is what makes a trigger happen once per
 * entry whatever is retried, replayed or re-delivered.
 */
export const campaignMembers = sqliteTable("campaign_members", {
  key: text("key").primaryKey(),
  /** Enter time of the entry last taken (queued, sent or dead-lettered); null before any. */
  entryAt: text("entry_at"),
  /** Latest exit time seen. */
  exitAt: text("exit_at"),
  /** Latest enter time seen, and the recipient it came with (to take it when a late exit shows it was a new entry). */
  enterAt: text("enter_at"),
  enterRecipient: text("enter_recipient", { mode: "json" }),
  updatedAt: integer("updated_at").notNull(),
});

/** Entries waiting for their trigger (`queued`) or whose trigger call is under way (`in_flight`). */
export const campaignEntries = sqliteTable(
  "campaign_entries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    key: text("key").notNull(),
    enteredAt: text("entered_at").notNull(),
    recipient: text("recipient", { mode: "json" }).notNull(),
    state: text("state", { enum: ["queued", "in_flight"] }).notNull(),
    /** The flush that claimed the entry; set with `in_flight`. */
    batch: integer("batch"),
    queuedAt: integer("queued_at").notNull(),
    /** How often a person replayed this entry from the dead letters. */
    replays: integer("replays").notNull().default(0),
  },
  (table) => [index("campaign_entries_state").on(table.state, table.queuedAt)],
);

/** One row (id 1): exits seen, the batch counter and the Lytics scan backfill's progress. */
export const campaignState = sqliteTable("campaign_state", {
  id: integer("id").primaryKey(),
  exits: integer("exits").notNull().default(0),
  lastBatch: integer("last_batch").notNull().default(0),
  /** `scanning`, `done`, `failed`, or null when no scan was asked for. */
  scan: text("scan", { enum: ["scanning", "done", "failed"] }),
  scanCursor: text("scan_cursor").notNull().default(""),
  scanPages: integer("scan_pages").notNull().default(0),
  scanUsers: integer("scan_users").notNull().default(0),
  scanAttempts: integer("scan_attempts").notNull().default(0),
  scanNextAt: integer("scan_next_at"),
  scanStartedAt: integer("scan_started_at"),
  scanFinishedAt: integer("scan_finished_at"),
  scanLastError: text("scan_last_error", { mode: "json" }),
});
