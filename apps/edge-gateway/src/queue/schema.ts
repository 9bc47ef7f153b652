import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

// The SQLite tables inside one job's Durable Object. Their DDL lives in ./migrations.ts; the two
// must change together.

/** One row (id 1): the job as configured, its webhook secret hash, flush state and counters. */
export const jobState = sqliteTable("job_state", {
  id: integer("id").primaryKey(),
  job: text("job", { mode: "json" }).notNull(),
  secretHash: text("secret_hash").notNull(),
  paused: integer("paused", { mode: "boolean" }).notNull().default(false),
  failing: integer("failing", { mode: "boolean" }).notNull().default(false),
  /** Consecutive failed flush attempts; drives the backoff. */
  attempts: integer("attempts").notNull().default(0),
  nextAttemptAt: integer("next_attempt_at"),
  lastError: text("last_error", { mode: "json" }),
  lastFlush: text("last_flush", { mode: "json" }),
  received: integer("received").notNull().default(0),
  duplicates: integer("duplicates").notNull().default(0),
  ignored: integer("ignored").notNull().default(0),
  sent: integer("sent").notNull().default(0),
  rejected: integer("rejected").notNull().default(0),
  flushes: integer("flushes").notNull().default(0),
  apiCalls: integer("api_calls").notNull().default(0),
  /** Rows in queued_users, maintained with them (and recounted at each flush). */
  queued: integer("queued").notNull().default(0),
});

/** The queue, coalesced per user: one row per match column value. */
export const queuedUsers = sqliteTable(
  "queued_users",
  {
    key: text("key").primaryKey(),
    eventTime: text("event_time").notNull(),
    user: text("user", { mode: "json" }).notNull(),
    queuedAt: integer("queued_at").notNull(),
    /** Bumped on every change, so a flush deletes only the version it sent. */
    version: integer("version").notNull().default(1),
  },
  (table) => [index("queued_users_queued_at").on(table.queuedAt)],
);

/** Events already taken (idempotency) and the latest event time per user (ordering). */
export const seenEvents = sqliteTable(
  "seen_events",
  {
    eventKey: text("event_key").primaryKey(),
    seenAt: integer("seen_at").notNull(),
  },
  (table) => [index("seen_events_seen_at").on(table.seenAt)],
);

export const latestEvents = sqliteTable(
  "latest_events",
  {
    key: text("key").primaryKey(),
    eventTime: text("event_time").notNull(),
    seenAt: integer("seen_at").notNull(),
  },
  (table) => [index("latest_events_seen_at").on(table.seenAt)],
);

/** Users Responsys rejected or the gateway could not use, kept for a person to replay. */
export const deadLetters = sqliteTable("dead_letters", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  /** `queued` (a QueuedUser) or `webhook` (a WebhookUser that could not be queued). */
  source: text("source", { enum: ["queued", "webhook"] }).notNull(),
  user: text("user", { mode: "json" }).notNull(),
  code: text("code").notNull(),
  reason: text("reason").notNull(),
  at: integer("at").notNull(),
  attempts: integer("attempts").notNull().default(1),
});
