import { isBridgeError } from "@responsys-bridge/core";
import type { Database, EventRow, ProfileRow, SqlTransaction } from "../store/database.ts";
import type { FileLease, FileStates } from "../store/file-state.ts";
import { type Profile, type ProfileMapper, storedProfile } from "./profile-mapper.ts";
import type { ChunkInput, ChunkWrite, ChunkWritten, Sink } from "./sink.ts";

export interface StoreSinkOptions {
  database: Database;
  files: FileStates;
  mapper: ProfileMapper;
  now: () => Date;
  leaseTtlMs: number;
}

// PostgreSQL codes worth one more try of the whole chunk transaction: deadlock, serialization.
const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);
const MAX_TRANSACTION_ATTEMPTS = 5;

/**
 * Writes events and mapped profiles to the runner's database. Per chunk: group events by user,
 * load (and on PostgreSQL lock) those users' profiles, apply the events, then upsert profiles,
 * insert events and advance the checkpoint in ONE transaction — a crash anywhere leaves either all
 * of the chunk or none of it, so a resumed import never counts an event twice.
 */
export function createStoreSink(options: StoreSinkOptions): Sink {
  const { database, files, mapper, now, leaseTtlMs } = options;

  const prepare = (chunk: ChunkInput): ChunkWrite => {
    // Map outside the transaction: it is the CPU-heavy part, it overlaps the previous chunk's
    // writes, and a retried transaction must not redo it. The merge rules are commutative and
    // associative, so a user's events are folded into one chunk profile here and merged into the
    // stored profile once, inside the transaction.
    const byUser = new Map<string, Profile>();
    const rows: EventRow[] = [];
    const rejectedRows = chunk.rejected.map((row) => ({ line: row.line, reason: row.reason }));
    for (const { line, event } of chunk.events) {
      let key: string | null;
      let share: Profile;
      try {
        share = mapper.share(event);
        key = mapper.identifyShare(share) ?? null;
      } catch (error) {
        // The reader accepted the row but the mapping cannot use it: a bad row, not a failed file.
        rejectedRows.push({
          line,
          reason: `mapping: ${error instanceof Error ? error.message : String(error)}`,
        });
        continue;
      }
      rows.push({
        line,
        profileKey: key,
        event: String(event.event ?? ""),
        ts: typeof event._ts === "string" ? event._ts : null,
        data: JSON.stringify(event),
      });
      if (key === null) continue;
      const sofar = byUser.get(key);
      byUser.set(key, sofar === undefined ? share : mapper.merge(sofar, share));
    }
    // Sorted keys make concurrent runners lock profile rows in the same order (no deadlock cycles).
    const keys = [...byUser.keys()].sort();

    return async (lease: FileLease): Promise<ChunkWritten> => {
      for (let attempt = 1; ; attempt++) {
        const at = now();
        try {
          await database.transaction(async (tx) => {
            const stored = await loadProfiles(tx, database.kind, keys, at);
            const updated: ProfileRow[] = [];
            for (const key of keys) {
              const fresh = byUser.get(key) ?? {};
              const old = stored.get(key);
              const profile = old === undefined ? fresh : mapper.merge(old, fresh);
              updated.push({ key, profile: JSON.stringify(profile) });
            }
            await tx.upsertProfiles(updated, at);
            await tx.insertEvents(lease.fileId, rows);
            await files.commitChunk(
              tx,
              lease,
              {
                checkpointLine: chunk.lastLine,
                rows: rows.length + rejectedRows.length,
                events: rows.length,
                rejected: rejectedRows.length,
                rejectedRows,
              },
              at,
              leaseTtlMs,
            );
          });
          return { events: rows.length, rejected: rejectedRows.length };
        } catch (error) {
          if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryableSql(error)) throw error;
        }
      }
    };
  };

  return {
    type: "store",
    prepare,
    write: (lease, chunk) => prepare(chunk)(lease),
    async check() {
      await database.query("SELECT 1");
      return `store: ${database.kind} database reachable`;
    },
  };
}

async function loadProfiles(
  tx: SqlTransaction,
  kind: Database["kind"],
  keys: string[],
  at: Date,
): Promise<Map<string, Profile>> {
  const stored = new Map<string, Profile>();
  if (keys.length === 0) return stored;
  const keyList = JSON.stringify(keys);
  if (kind === "postgres") {
    // Another runner may update the same users from another file: create missing rows, then lock
    // them all, so read-modify-write of a profile never loses the other runner's update.
    await tx.query(
      `INSERT INTO profiles (key, profile, updated_at)
       SELECT k, '{}', $2 FROM json_array_elements_text($1::json) AS k
       ON CONFLICT (key) DO NOTHING`,
      [keyList, at],
    );
  }
  const lock = kind === "postgres" ? "ORDER BY key FOR UPDATE" : "";
  const rows = await tx.query<{ key: string; profile: unknown }>(
    `SELECT key, profile FROM profiles WHERE key IN (SELECT json_array_elements_text($1::json)) ${lock}`,
    [keyList],
  );
  for (const row of rows) stored.set(row.key, storedProfile(row.profile));
  return stored;
}

function isRetryableSql(error: unknown): boolean {
  if (isBridgeError(error)) return false;
  return (
    typeof error === "object" &&
    error !== null &&
    "code" in error &&
    typeof error.code === "string" &&
    RETRYABLE_SQLSTATES.has(error.code)
  );
}
