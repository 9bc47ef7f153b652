// DDL of the campaign tables (./schema.ts), in the statement-breakpoint form of drizzle's
// durable-sqlite migrations, so the job queue can append it to its own migration journal.

/** Creates the campaign ledger, entries and state tables. */
export const campaignMigration = `
CREATE TABLE campaign_members (
  key text PRIMARY KEY NOT NULL,
  entry_at text,
  exit_at text,
  enter_at text,
  enter_recipient text,
  updated_at integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE campaign_entries (
  id integer PRIMARY KEY AUTOINCREMENT NOT NULL,
  key text NOT NULL,
  entered_at text NOT NULL,
  recipient text NOT NULL,
  state text NOT NULL,
  batch integer,
  queued_at integer NOT NULL,
  replays integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX campaign_entries_state ON campaign_entries (state, queued_at);
--> statement-breakpoint
CREATE TABLE campaign_state (
  id integer PRIMARY KEY NOT NULL,
  exits integer DEFAULT 0 NOT NULL,
  last_batch integer DEFAULT 0 NOT NULL,
  scan text,
  scan_cursor text DEFAULT '' NOT NULL,
  scan_pages integer DEFAULT 0 NOT NULL,
  scan_users integer DEFAULT 0 NOT NULL,
  scan_attempts integer DEFAULT 0 NOT NULL,
  scan_next_at integer,
  scan_started_at integer,
  scan_finished_at integer,
  scan_last_error text
);
`;
