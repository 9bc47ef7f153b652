import { bigint, integer, pgTable, primaryKey, serial, text, timestamp, unique } from "./drizzle.ts";

/**
 * One row per remote file version a job has started on. The key is (job, path, size, mtime): a file
 * replaced on the server under the same name is a new file. The lease columns let several runners
 * share one PostgreSQL database without importing a file twice.
 */
export const importFiles = pgTable(
  "import_files",
  {
    id: serial("id").primaryKey(),
    jobId: text("job_id").notNull(),
    path: text("path").notNull(),
    name: text("name").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    mtimeMs: bigint("mtime_ms", { mode: "number" }).notNull(),
    accountId: text("account_id"),
    state: text("state", { enum: ["importing", "imported", "failed"] }).notNull(),
    checkpointLine: integer("checkpoint_line").notNull().default(0),
    /** Store sink: the file's part count (null: the file goes by line) and the parts committed. */
    parts: integer("parts"),
    partsDone: integer("parts_done").notNull().default(0),
    /** Store sink: the JSON array of field names that event rows' `data` arrays follow. */
    columns: text("columns"),
    /**
     * Store sink: events on lines up to this one are rows of `events` (an older runner wrote them by
     * line); the file's other events with a user go to `user_events` with their part.
     */
    eventRowsThrough: integer("event_rows_through").notNull().default(0),
    rows: integer("rows").notNull().default(0),
    events: integer("events").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    leaseHolder: text("lease_holder"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true, mode: "date" }),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, mode: "date" }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull(),
    importedAt: timestamp("imported_at", { withTimezone: true, mode: "date" }),
  },
  (table) => [unique("import_files_version").on(table.jobId, table.path, table.size, table.mtimeMs)],
);

/** Rows that could not become events, kept with where they came from and why. */
export const rejectedRows = pgTable(
  "rejected_rows",
  {
    fileId: integer("file_id").notNull(),
    line: integer("line").notNull(),
    reason: text("reason").notNull(),
  },
  (table) => [primaryKey({ columns: [table.fileId, table.line] })],
);

/**
 * Imported events without a user (store sink), and every event written by runners before
 * migration 5, one row per event. `data` is JSON text (cheaper to write than jsonb): an array of the
 * event's values by its file's `import_files.columns`, or, in rows written before migration 3, the
 * event object. Read events as objects through the `event_data` view.
 */
export const events = pgTable(
  "events",
  {
    fileId: integer("file_id").notNull(),
    line: integer("line").notNull(),
    profileKey: text("profile_key"),
    event: text("event").notNull(),
    ts: timestamp("ts", { withTimezone: true, mode: "date" }),
    data: text("data").notNull(),
  },
  (table) => [primaryKey({ columns: [table.fileId, table.line] })],
);

/**
 * Imported events by user (store sink): one row per user per file, written with the user's part.
 * `data` is JSON text: an array of the user's events in line order, each an array of its line and
 * then its values by the file's `import_files.columns`. Read them one event per row through
 * `event_data`.
 */
export const userEvents = pgTable(
  "user_events",
  {
    fileId: integer("file_id").notNull(),
    profileKey: text("profile_key").notNull(),
    data: text("data").notNull(),
  },
  (table) => [primaryKey({ columns: [table.fileId, table.profileKey] })],
);

/** Mapped user profiles (store sink), keyed by the mapping's identity. */
export const profiles = pgTable(
  "profiles",
  {
    key: text("key").primaryKey(),
    /** The profile as JSON text (see migrations.ts for why not jsonb). */
    profile: text("profile").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  // No index on updated_at: profiles are rewritten on every chunk, and an index on a changing
  // column rules out PostgreSQL's cheaper in-page (HOT) updates.
);

export const storeSchema = { importFiles, rejectedRows, events, userEvents, profiles };
