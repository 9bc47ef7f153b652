/**
 * Schema migrations, applied in order at start and recorded in `runner_migrations`. They are plain
 * SQL so the same list runs on PGlite and PostgreSQL without a build step; `schema.ts` mirrors them
 * for drizzle's typed queries. Never edit a shipped migration: append a new one.
 *
 * Profiles are JSON text, not jsonb: the runner reads and rewrites whole profiles on every chunk,
 * and jsonb's parse and print cost ~40% more CPU inside PGlite (measured). Query them with
 * `profile::jsonb`.
 */
export const MIGRATIONS: ReadonlyArray<{ id: number; name: string; sql: string }> = [
  {
    id: 1,
    name: "initial",
    sql: `
CREATE TABLE import_files (
  id serial PRIMARY KEY,
  job_id text NOT NULL,
  path text NOT NULL,
  name text NOT NULL,
  size bigint NOT NULL,
  mtime_ms bigint NOT NULL,
  account_id text,
  state text NOT NULL,
  checkpoint_line integer NOT NULL DEFAULT 0,
  rows integer NOT NULL DEFAULT 0,
  events integer NOT NULL DEFAULT 0,
  rejected integer NOT NULL DEFAULT 0,
  attempts integer NOT NULL DEFAULT 0,
  error text,
  lease_holder text,
  lease_expires_at timestamptz,
  first_seen_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  imported_at timestamptz,
  CONSTRAINT import_files_version UNIQUE (job_id, path, size, mtime_ms)
);
CREATE TABLE rejected_rows (
  file_id integer NOT NULL,
  line integer NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (file_id, line)
);
CREATE TABLE events (
  file_id integer NOT NULL,
  line integer NOT NULL,
  profile_key text,
  event text NOT NULL,
  ts timestamptz,
  data text NOT NULL,
  PRIMARY KEY (file_id, line)
);
CREATE TABLE profiles (
  key text PRIMARY KEY,
  profile text NOT NULL,
  updated_at timestamptz NOT NULL
);

`,
  },
  {
    id: 2,
    name: "file parts",
    // The store sink imports a file in parts by user (every event of a user in one part): `parts`
    // is how many, `parts_done` how many are committed. NULL parts: the file goes by line
    // (`checkpoint_line`), as the Lytics sink does.
    sql: `
ALTER TABLE import_files ADD COLUMN parts integer;
ALTER TABLE import_files ADD COLUMN parts_done integer NOT NULL DEFAULT 0;
`,
  },
  {
    id: 3,
    name: "event columns",
    // Event rows keep their values as a JSON array by the file's `columns` (see event-columns.ts);
    // rows written before hold a JSON object. `event_data` shows both as objects.
    sql: `
ALTER TABLE import_files ADD COLUMN columns text;
CREATE VIEW event_data AS
SELECT e.file_id, e.line, e.profile_key, e.event, e.ts,
  CASE WHEN left(e.data, 1) = '[' THEN (
    SELECT jsonb_object_agg(c.name, v.value)
    FROM jsonb_array_elements_text(f.columns::jsonb) WITH ORDINALITY AS c(name, n)
    JOIN jsonb_array_elements(e.data::jsonb) WITH ORDINALITY AS v(value, n) USING (n)
    WHERE jsonb_typeof(v.value) <> 'null'
  ) ELSE e.data::jsonb END AS data
FROM events e JOIN import_files f ON f.id = e.file_id;
`,
  },
  {
    id: 4,
    name: "profile keys in byte order",
    // A profile key is an identifier, never sorted for people to read: "C" compares its bytes.
    // Under a language collation (en_US.UTF-8 is the usual server default) each comparison goes
    // through the locale, and on PostgreSQL 15 inserting 100,000 keys took 1.06 s against 0.65 s,
    // and looking them up with `= ANY` 1.14 s against 0.34 s. Rebuilds the key's index, once.
    sql: `
ALTER TABLE profiles ALTER COLUMN key TYPE text COLLATE "C";
`,
  },
  {
    id: 5,
    name: "events by user",
    // A file's events with a user are written with their user's part: one row per user per file,
    // not per event. Measured on the bench's million events (PostgreSQL 15, binary COPY): 1.83
    // CPU-seconds of the server as rows of events, 0.8 as 100,000 rows of users. Rows of up to
    // ~8 KB stay in the table as they are: compressing every ~2 KB row (pglz, the default) cost
    // as much as it saved. Files an older runner left half-done keep their events up to their
    // line checkpoint in `events` (event_rows_through); `event_data` shows all of them.
    sql: `
CREATE TABLE user_events (
  file_id integer NOT NULL,
  profile_key text COLLATE "C" NOT NULL,
  data text NOT NULL,
  PRIMARY KEY (file_id, profile_key)
) WITH (toast_tuple_target = 8160);
ALTER TABLE import_files ADD COLUMN event_rows_through integer NOT NULL DEFAULT 0;
UPDATE import_files SET event_rows_through = checkpoint_line WHERE state <> 'imported';
DROP VIEW event_data;
CREATE VIEW event_data AS
SELECT e.file_id, e.line, e.profile_key, e.event, e.ts,
  CASE WHEN left(e.data, 1) = '[' THEN (
    SELECT jsonb_object_agg(c.name, v.value)
    FROM jsonb_array_elements_text(f.columns::jsonb) WITH ORDINALITY AS c(name, n)
    JOIN jsonb_array_elements(e.data::jsonb) WITH ORDINALITY AS v(value, n) USING (n)
    WHERE jsonb_typeof(v.value) <> 'null'
  ) ELSE e.data::jsonb END AS data
FROM events e JOIN import_files f ON f.id = e.file_id
UNION ALL
SELECT u.file_id, (x.item->>0)::integer AS line, u.profile_key, o.data->>'event' AS event,
  (o.data->>'_ts')::timestamptz AS ts, o.data
FROM user_events u JOIN import_files f ON f.id = u.file_id
CROSS JOIN LATERAL jsonb_array_elements(u.data::jsonb) AS x(item)
CROSS JOIN LATERAL (
  SELECT jsonb_object_agg(c.name, x.item->(c.n::integer)) AS data
  FROM jsonb_array_elements_text(f.columns::jsonb) WITH ORDINALITY AS c(name, n)
  WHERE jsonb_typeof(x.item->(c.n::integer)) <> 'null'
) o;
`,
  },
];
