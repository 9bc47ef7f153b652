import { readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { PGlite, Transaction as PgliteTransaction } from "@electric-sql/pglite";
import { BridgeError } from "@responsys-bridge/core";
import { parseCanonicalIso } from "@responsys-bridge/mapping";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { DatabaseLocation } from "../config/load.ts";
import { BufferPool, type CopyColumn, CopyRows, type CopyValue } from "./copy-rows.ts";
import { drizzleOverPglite, drizzlePostgres } from "./drizzle.ts";
import { MIGRATIONS } from "./migrations.ts";
import { storeSchema } from "./schema.ts";
import { USER_EVENT_COLUMNS } from "./user-event-rows.ts";

export type RunnerDrizzle = PgDatabase<PgQueryResultHKT, typeof storeSchema>;

/** A row of an imported event as the hot path writes it. */
export interface EventRow {
  line: number;
  profileKey: string | null;
  event: string;
  ts: string | null;
  data: string;
}

export interface ProfileRow {
  key: string;
  /** The profile as JSON text. */
  profile: string;
}

/** Raw SQL inside one transaction: the hot path, where drizzle's query building costs too much CPU. */
export interface SqlTransaction {
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  /** Bulk insert of events, by COPY of rows of eventValues. */
  copyEvents(rows: Uint8Array<ArrayBuffer>): Promise<void>;
  /** Bulk insert of users' events, by COPY of rows of UserEventRows. */
  copyUserEvents(rows: Uint8Array<ArrayBuffer>): Promise<void>;
  /**
   * The stored profiles (JSON) of these keys. On PostgreSQL it first locks the profiles table
   * against other writers until the transaction ends, so read-merge-write loses no other runner's update.
   */
  loadProfiles(keys: string[]): Promise<Map<string, unknown>>;
  /**
   * Bulk write of whole profiles (JSON text), keys unique across both lists. `added` are keys that
   * loadProfiles found no profile for, in this transaction: they are inserted as they are.
   * `changed` ones are upserted.
   */
  writeProfiles(rows: ProfileWrites, at: Date): Promise<void>;
}

export interface ProfileWrites {
  added: ProfileRow[];
  changed: ProfileRow[];
}

/** The runner's database: drizzle for ordinary queries, raw SQL transactions for bulk writes. */
export interface Database {
  readonly kind: "pglite" | "postgres";
  readonly db: RunnerDrizzle;
  query<T>(text: string, params?: unknown[]): Promise<T[]>;
  transaction<T>(work: (tx: SqlTransaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * PostgreSQL: COMMIT does not wait for the WAL flush (`synchronous_commit` off for this
   * transaction). Safe only where a commit the server forgets in a crash is redone from an earlier
   * checkpoint.
   */
  readonly asynchronousCommit?: boolean;
}

export interface OpenOptions {
  /**
   * PostgreSQL: how long a new connection may take to be ready, and a transaction may wait for a
   * free one from the pool (node-postgres uses one setting for both).
   */
  readonly connectTimeoutMs?: number;
}

// A host that takes the connection but never answers (a stuck server, another service on the
// port) would otherwise hang the runner for ever. The pool's wait for a free connection shares
// this limit, so it is far above any wait for a sibling transaction (a second or two).
const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;

/** Opens PGlite (a directory) or PostgreSQL (a URL) and applies pending migrations. */
export async function openDatabase(location: DatabaseLocation, options: OpenOptions = {}): Promise<Database> {
  const database =
    location.kind === "pglite"
      ? await openPglite(location.dir)
      : await openPostgres(location.url, options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
  try {
    await migrate(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

async function openPglite(dir: string): Promise<Database> {
  await mkdir(dir, { recursive: true });
  const unlock = await lockDataDir(dir);
  let client: PGlite;
  try {
    // The launcher starts Node with --liftoff-only (bin/node-settings.mjs): the optimising
    // WebAssembly compiler needed ~450 MB more for a moment while PGlite's code got hot.
    // Loaded here, not at the top: a runner on PostgreSQL never pays for the WebAssembly build.
    const { PGlite } = await import("@electric-sql/pglite");
    client = await PGlite.create({
      dataDir: dir,
      // PGlite's default 128 MB of shared buffers lives in WebAssembly memory, which never shrinks:
      // 16 MB keeps the runner's RSS ~160 MB lower (measured) and the OS page cache does the rest.
      // PGlite runs without fsync, so it is durable against a killed process (the OS keeps what
      // was written), never against power loss; full-page images in the WAL guard only against
      // the latter, and fewer checkpoints mean fewer page rewrites: ~6% less CPU (measured).
      postgresqlconf: [
        "shared_buffers=16MB",
        "full_page_writes=off",
        "max_wal_size=256MB",
        "checkpoint_timeout=15min",
      ],
      // Do not wait for the file system after each statement; a crash loses at most the last
      // transactions, which the checkpoint then redoes (events, profiles and checkpoint move together).
      relaxedDurability: true,
    });
  } catch (error) {
    await unlock();
    throw new BridgeError({
      code: "DATABASE_UNAVAILABLE",
      message: `cannot open the embedded database in ${dir}: ${messageOf(error)}`,
      cause: error,
    });
  }
  // PGlite is one session for the life of the process, so a temporary table lives as long as we do.
  await client.exec(CREATE_PROFILE_STAGE);
  const db: RunnerDrizzle = drizzleOverPglite(client, storeSchema);
  const txOf = (tx: PgliteTransaction): SqlTransaction => ({
    query: async <T>(text: string, params?: unknown[]) => (await tx.query<T>(text, params)).rows,
    // COPY from an in-memory blob is the fastest way into PGlite (measured ~3× json_to_recordset).
    copyEvents: (rows) => copyBlob(tx, EVENT_COLUMNS, rows),
    copyUserEvents: (rows) => copyBlob(tx, USER_EVENT_COLUMNS, rows),
    loadProfiles: async (keys) =>
      profileMap((await tx.query<StoredProfileRow>(SELECT_PROFILES, [keys])).rows),
    writeProfiles: async ({ added, changed }, at) => {
      if (added.length > 0) {
        await withProfileCopyRows(added, at, (bytes) => copyBlob(tx, PROFILE_COLUMNS, bytes));
      }
      if (changed.length === 0) return;
      // COPY into a session-local staging table, then one set-based upsert: ~2× cheaper than
      // handing PGlite the rows as one big JSON parameter.
      await withProfileCopyRows(changed, undefined, (bytes) => copyBlob(tx, STAGE_COLUMNS, bytes));
      await tx.query(UPSERT_STAGED_PROFILES, [at]);
    },
  });
  return {
    kind: "pglite",
    db,
    query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
    transaction: (work) => client.transaction((tx) => work(txOf(tx))),
    close: async () => {
      try {
        await client.close();
      } finally {
        await unlock();
      }
    },
  };
}

/** COPY into PGlite from rows in memory. */
async function copyBlob(tx: PgliteTransaction, target: string, rows: Uint8Array<ArrayBuffer>): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(`COPY ${target} FROM '/dev/blob' ${BINARY}`, [], { blob: new Blob([rows]) });
}

/**
 * PGlite is one process's database: a second process opening the same directory (say `profile`
 * while `start` runs) would corrupt it. A lock file with the owner's pid keeps it to one; a lock
 * left by a process that no longer exists is taken over.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const lockPath = join(dir, "runner.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: "wx" });
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
    }
    const owner = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
    if (Number.isInteger(owner) && owner > 0 && processExists(owner)) {
      throw new BridgeError({
        code: "DATABASE_LOCKED",
        message: `the embedded database ${dir} is in use by process ${owner} (a running batch-runner?); stop it first, or use PostgreSQL to share one database between processes`,
      });
    }
    await rm(lockPath, { force: true });
  }
  throw new BridgeError({ code: "DATABASE_LOCKED", message: `cannot lock the embedded database ${dir}` });
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return error instanceof Error && "code" in error && error.code === "EPERM";
  }
  return !isZombie(pid);
}

/**
 * A killed runner whose parent is gone stays a zombie until something reaps it, which in a
 * container may be never; it holds nothing. Linux tells from /proc; elsewhere assume it is alive.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (name) S …": the state follows the last ")", as the name may hold one.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}

async function openPostgres(url: string, connectTimeoutMs: number): Promise<Database> {
  // TCP keepalive: a server that vanishes without closing the connection (a host that died, a
  // dropped route) would otherwise leave a query waiting for its answer for ever, and the job's
  // run with it. The kernel's probes (after 30 s idle) end such a connection within minutes.
  const pool = new pg.Pool({
    connectionString: url,
    max: 4,
    keepAlive: true,
    keepAliveInitialDelayMillis: 30_000,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on("error", () => {});
  // Nor may a client's that is checked out: when the server ends a connection (a restart, a cut
  // network) its client emits "error", which with no listener crashed the runner. The query in
  // flight fails with that error anyway, so the file fails alone and is retried.
  pool.on("connect", (client) => client.on("error", () => {}));
  try {
    const probe = await pool.connect();
    probe.release();
  } catch (error) {
    await pool.end();
    throw new BridgeError({
      code: "DATABASE_UNAVAILABLE",
      message: `cannot connect to PostgreSQL at ${redactUrl(url)}: ${messageOf(error)}`,
      retryable: true,
      cause: error,
    });
  }
  const db: RunnerDrizzle = drizzlePostgres()({ client: pool, schema: storeSchema });
  const described = (error: unknown) => connectionLost(error, url) ?? error;
  const staged = new WeakSet<pg.PoolClient>();
  return {
    kind: "postgres",
    db,
    query: async <T>(text: string, params?: unknown[]) => {
      try {
        return rowsOf<T>(await pool.query(text, params));
      } catch (error) {
        throw described(error);
      }
    },
    transaction: async (work, options) => {
      const client = await pool.connect().catch((error: unknown) => {
        throw described(error);
      });
      // Whether this transaction made the session's profile stage (undone if it rolls back).
      let stageMade = false;
      try {
        // One round trip: each one waits for a turn of the runner's busy event loop.
        await client.query(
          options?.asynchronousCommit === true ? "BEGIN; SET LOCAL synchronous_commit TO OFF" : "BEGIN",
        );
        const tx: SqlTransaction = {
          query: async <T>(text: string, params?: unknown[]) => rowsOf<T>(await client.query(text, params)),
          copyEvents: (rows) => copyInto(client, EVENT_COLUMNS, rows),
          copyUserEvents: (rows) => copyInto(client, USER_EVENT_COLUMNS, rows),
          loadProfiles: async (keys) => {
            // SHARE ROW EXCLUSIVE conflicts with itself and with plain writes, not with reads: chunk
            // transactions of several runners take turns on profiles, and `profile` queries go on.
            await client.query("LOCK TABLE profiles IN SHARE ROW EXCLUSIVE MODE");
            if (keys.length === 0) return new Map();
            return profileMap(rowsOf<StoredProfileRow>(await client.query(SELECT_PROFILES, [keys])));
          },
          writeProfiles: async ({ added, changed }, at) => {
            if (added.length > 0) {
              await withProfileCopyRows(added, at, (bytes) => copyInto(client, PROFILE_COLUMNS, bytes));
            }
            if (changed.length === 0) return;
            // The stage is per session, made once per pooled connection.
            if (!staged.has(client)) {
              await client.query(CREATE_PROFILE_STAGE);
              stageMade = true;
            }
            await withProfileCopyRows(changed, undefined, (bytes) => copyInto(client, STAGE_COLUMNS, bytes));
            await client.query(UPSERT_STAGED_PROFILES, [at]);
          },
        };
        const result = await work(tx);
        await client.query("COMMIT");
        if (stageMade) staged.add(client);
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw described(error);
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function migrate(database: Database): Promise<void> {
  await database.transaction(async (tx) => {
    // Runners starting together on one PostgreSQL database must not race, not even on the
    // bookkeeping table (CREATE TABLE IF NOT EXISTS is not safe under concurrency).
    if (database.kind === "postgres") await tx.query("SELECT pg_advisory_xact_lock(72163001)");
    await tx.query(
      "CREATE TABLE IF NOT EXISTS runner_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const applied = new Set(
      (await tx.query<{ id: number }>("SELECT id FROM runner_migrations")).map((r) => r.id),
    );
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.id)) continue;
      for (const statement of migration.sql.split(";")) {
        if (statement.trim() !== "") await tx.query(statement);
      }
      await tx.query("INSERT INTO runner_migrations (id, name) VALUES ($1, $2)", [
        migration.id,
        migration.name,
      ]);
    }
  });
}

interface StoredProfileRow {
  key: string;
  profile: unknown;
}

// Profiles are COPYed into a session's staging table, then upserted in one statement; the stage
// empties itself at every commit.
const CREATE_PROFILE_STAGE =
  "CREATE TEMP TABLE IF NOT EXISTS profile_stage (key text, profile text) ON COMMIT DELETE ROWS";
const UPSERT_STAGED_PROFILES = `INSERT INTO profiles (key, profile, updated_at) SELECT key, profile, $1 FROM profile_stage
  ON CONFLICT (key) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at`;

// `= ANY` of an array parameter is an index lookup per key whatever the table size.
const SELECT_PROFILES = "SELECT key, profile FROM profiles WHERE key = ANY($1::text[])";

function profileMap(rows: StoredProfileRow[]): Map<string, unknown> {
  return new Map(rows.map((row) => [row.key, row.profile]));
}

/** COPY … FROM STDIN on a node-postgres client: far cheaper than any INSERT for bulk rows. */
async function copyInto(client: pg.PoolClient, target: string, rows: Uint8Array): Promise<void> {
  if (rows.length === 0) return;
  await pipeline(Readable.from([rows]), client.query(copyFrom(`COPY ${target} FROM STDIN ${BINARY}`)));
}

// A part's profiles take a few MB of COPY rows, in one reused buffer rather than a new one per
// part: with PartFiles reusing one buffer for its reads too, PostgreSQL imports of the bench's file
// peaked 179–186 MB instead of 184–191 MB, and their profiles phase was ~0.5 s shorter
// (interleaved runs).
const profileBuffers = new BufferPool(4 * 1024 * 1024);

/**
 * The profiles as COPY rows in a pooled buffer, for the length of `use`: for PROFILE_COLUMNS with
 * their time `at`, or for STAGE_COLUMNS without one.
 */
async function withProfileCopyRows<T>(
  rows: ProfileRow[],
  at: Date | undefined,
  use: (bytes: Uint8Array<ArrayBuffer>) => Promise<T>,
): Promise<T> {
  const copy = new CopyRows(at === undefined ? STAGE_TYPES : PROFILE_TYPES, 0, profileBuffers.take());
  const time = at?.getTime() ?? null;
  try {
    for (const row of rows) copy.add([row.key, row.profile, time]);
    return await use(copy.bytes());
  } finally {
    profileBuffers.give(copy.buffer);
  }
}

// A new key's profile goes straight into the table; a changed one through the stage and an upsert.
// Over the bench's import (all users new) that saved the PostgreSQL server ~0.25 s of CPU, and took
// PGlite's profiles phase from 6.1–6.5 s to 5.2–5.3 s and its peak RSS ~10 MB lower (interleaved).
const PROFILE_COLUMNS = "profiles (key, profile, updated_at)";
const PROFILE_TYPES: readonly CopyColumn[] = ["text", "text", "timestamptz"];
const STAGE_COLUMNS = "profile_stage (key, profile)";
const STAGE_TYPES: readonly CopyColumn[] = ["text", "text"];

// Every bulk write is binary COPY (see CopyRows).
const BINARY = "WITH (FORMAT binary)";

/** The events table's columns in the order of eventValues, and their types. */
const EVENT_COLUMNS = "events (file_id, line, profile_key, event, ts, data)";
export const EVENT_COPY_COLUMNS: readonly CopyColumn[] = [
  "int4",
  "int4",
  "text",
  "text",
  "timestamptz",
  "text",
];

/** An event row's values for CopyRows, in the order of EVENT_COPY_COLUMNS. */
export function eventValues(fileId: number, row: EventRow): CopyValue[] {
  return [fileId, row.line, row.profileKey, row.event, timeOf(row.ts), row.data];
}

// Neighbouring rows of a Connect file mostly share their time: the last one parsed is kept.
let lastTimeText: string | null = null;
let lastTime: number | null = null;

function timeOf(text: string | null): number | null {
  if (text !== lastTimeText) {
    // Events carry their time in the canonical form, which a hand-written reader takes ~5× faster.
    const ms = text === null ? Number.NaN : (parseCanonicalIso(text) ?? Date.parse(text));
    lastTimeText = text;
    lastTime = Number.isNaN(ms) ? null : ms;
  }
  return lastTime;
}

/** pg's QueryResult rows are `any[]`; this is the one place they are given the caller's row type. */
function rowsOf<T>(result: { rows: unknown[] }): T[] {
  return result.rows as T[];
}

// SQLSTATE classes and codes of a connection the server ended or lost: 08 (connection exception)
// and 57P01–57P03 (shut down, crashed, not yet accepting connections).
const LOST_CONNECTION_STATES = /^(08|57P0[123])/;
const LOST_CONNECTION_ERRNOS = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH"]);

/**
 * A PostgreSQL error that means the connection is gone (the server restarted or the network
 * failed) as DATABASE_UNAVAILABLE, which says what happened; undefined for any other error.
 */
function connectionLost(error: unknown, url: string): BridgeError | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = "code" in error && typeof error.code === "string" ? error.code : "";
  const lost =
    LOST_CONNECTION_STATES.test(code) ||
    LOST_CONNECTION_ERRNOS.has(code) ||
    error.message.startsWith("Connection terminated");
  if (!lost) return undefined;
  return new BridgeError({
    code: "DATABASE_UNAVAILABLE",
    message: `lost the connection to PostgreSQL at ${redactUrl(url)}: ${error.message}`,
    retryable: true,
    cause: error,
  });
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "postgres://…";
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
