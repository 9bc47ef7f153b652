import { campaignMigration } from "../campaign/migrations.ts";

// Migrations of the job queue's SQLite, in the shape drizzle's durable-sqlite migrator reads
// (what `drizzle-kit generate` with `driver: "durable-sqlite"` emits as migrations.js). Written
// by hand so the Worker bundles no `.sql` imports; append entries, never edit applied ones.

const m0000 = `
CREATE TABLE job_state (
  id integer PRIMARY KEY NOT NULL,
  job text NOT NULL,
  secret_hash text NOT NULL,
  paused integer DEFAULT false NOT NULL,
  failing integer DEFAULT false NOT NULL,
  attempts integer DEFAULT 0 NOT NULL,
  next_attempt_at integer,
  last_error text,
  last_flush text,
  received integer DEFAULT 0 NOT NULL,
  duplicates integer DEFAULT 0 NOT NULL,
  ignored integer DEFAULT 0 NOT NULL,
  sent integer DEFAULT 0 NOT NULL,
  rejected integer DEFAULT 0 NOT NULL,
  flushes integer DEFAULT 0 NOT NULL,
  api_calls integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE queued_users (
  key text PRIMARY KEY NOT NULL,
  event_time text NOT NULL,
  user text NOT NULL,
  queued_at integer NOT NULL,
  version integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE INDEX queued_users_queued_at ON queued_users (queued_at);
--> statement-breakpoint
CREATE TABLE seen_events (
  event_key text PRIMARY KEY NOT NULL,
  seen_at integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX seen_events_seen_at ON seen_events (seen_at);
--> statement-breakpoint
CREATE TABLE latest_events (
  key text PRIMARY KEY NOT NULL,
  event_time text NOT NULL,
  seen_at integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX latest_events_seen_at ON latest_events (seen_at);
--> statement-breakpoint
CREATE TABLE dead_letters (
  id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
  source text NOT NULL,
  user text NOT NULL,
  code text NOT NULL,
  reason text NOT NULL,
  at integer NOT NULL,
  attempts integer DEFAULT 1 NOT NULL
);
`;

// The queue length, kept beside the queue so the webhook path never counts rows (O(n)).
const m0001 = `
ALTER TABLE job_state ADD queued integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
UPDATE job_state SET queued = (SELECT count(*) FROM queued_users);
`;

/** The migration set for `migrate(db, jobQueueMigrations)` from drizzle-orm/durable-sqlite/migrator. */
export const jobQueueMigrations = {
  journal: {
    entries: [
      { idx: 0, when: 1_795_000_000_000, tag: "0000_job_queue", breakpoints: true },
      { idx: 1, when: 1_795_000_000_001, tag: "0001_queued_count", breakpoints: true },
      { idx: 2, when: 1_795_000_000_002, tag: "0002_campaign_ledger", breakpoints: true },
    ],
  },
  // Export to Campaign jobs keep their ledger in the same object (../campaign/migrations.ts).
  migrations: { m0000, m0001, m0002: campaignMigration },
};
