import { isBridgeError } from "@responsys-bridge/core";
import type { Database, EventRow, ProfileRow } from "../store/database.ts";
import type { FileLease, FileStates } from "../store/file-state.ts";
import { type Profile, type ProfileMapper, storedProfile } from "./profile-mapper.ts";
import type { ChunkInput, ChunkWrite, ChunkWritten, ImportEvent, Sink } from "./sink.ts";

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

/** A chunk mapped outside the transaction: each user's share of it, and the event rows. */
interface MappedChunk {
  shares: Map<string, Profile>;
  rows: EventRow[];
  rejectedRows: Array<{ line: number; reason: string }>;
}

/**
 * Writes events and mapped profiles to the runner's database. Per chunk: group events by user,
 * fold each user's events into one share, then in ONE transaction insert the events, merge the
 * shares into the stored profiles and advance the checkpoint — a crash anywhere leaves either all
 * of the chunk or none of it, so a resumed import never counts an event twice.
 */
export function createStoreSink(options: StoreSinkOptions): Sink {
  const { database, files, mapper, now, leaseTtlMs } = options;

  const prepare = (chunk: ChunkInput): ChunkWrite => {
    // Map outside the transaction: it is the CPU-heavy part, it overlaps the previous chunk's
    // writes, and a retried transaction must not redo it. The merge rules are commutative and
    // associative, so a user's events fold into one share here that merges into the stored
    // profile once, inside the transaction.
    const { shares, rows, rejectedRows } = mapChunk(mapper, chunk);
    // Sorted keys: the same order for every writer, and index-order reads.
    const keys = [...shares.keys()].sort();

    return async (lease: FileLease): Promise<ChunkWritten> => {
      for (let attempt = 1; ; attempt++) {
        const at = now();
        try {
          await database.transaction(async (tx) => {
            // A chunk commits its data and its checkpoint together, so a commit that a PostgreSQL
            // crash forgets just sends the runner back to the previous checkpoint: nothing lost,
            // nothing counted twice. Not waiting for the WAL flush per chunk is therefore safe.
            if (database.kind === "postgres") await tx.query("SET LOCAL synchronous_commit TO OFF");
            await tx.insertEvents(lease.fileId, rows);
            // On PostgreSQL this locks profiles against other runners' writers until commit, so a
            // read-modify-write of a profile never loses another runner's update.
            const stored = await tx.loadProfiles(keys);
            const updated: ProfileRow[] = [];
            for (const key of keys) {
              const share = shares.get(key) ?? {};
              const old = stored.get(key);
              const profile = old === undefined ? share : mapper.merge(storedProfile(old), share);
              updated.push({ key, profile: JSON.stringify(profile) });
            }
            await tx.upsertProfiles(updated, at);
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

/**
 * Groups the chunk's events by profile and folds each group at once. An event the mapping cannot
 * read is a bad row, not a failed file: its group is folded again one event at a time to find it.
 */
function mapChunk(mapper: ProfileMapper, chunk: ChunkInput): MappedChunk {
  const rejectedRows = chunk.rejected.map((row) => ({ line: row.line, reason: row.reason }));
  const failed = new Set<number>();
  const reject = (line: number, error: unknown) => {
    failed.add(line);
    rejectedRows.push({ line, reason: `mapping: ${error instanceof Error ? error.message : String(error)}` });
  };
  const keyed: Array<{ line: number; event: ImportEvent; key: string | null }> = [];
  const byUser = new Map<string, Array<{ line: number; event: ImportEvent }>>();
  for (const { line, event } of chunk.events) {
    let key: string | null;
    try {
      key = mapper.identify(event) ?? null;
    } catch (error) {
      reject(line, error);
      continue;
    }
    keyed.push({ line, event, key });
    if (key === null) continue;
    const group = byUser.get(key);
    if (group === undefined) byUser.set(key, [{ line, event }]);
    else group.push({ line, event });
  }
  const shares = new Map<string, Profile>();
  for (const [key, group] of byUser) {
    const share = foldGroup(mapper, group, reject);
    if (share !== undefined) shares.set(key, share);
  }
  const rows: EventRow[] = [];
  for (const { line, event, key } of keyed) {
    if (failed.has(line)) continue;
    rows.push({
      line,
      profileKey: key,
      event: String(event.event ?? ""),
      ts: typeof event._ts === "string" ? event._ts : null,
      data: JSON.stringify(event),
    });
  }
  if (failed.size > 0) rejectedRows.sort((a, b) => a.line - b.line);
  return { shares, rows, rejectedRows };
}

function foldGroup(
  mapper: ProfileMapper,
  group: Array<{ line: number; event: ImportEvent }>,
  reject: (line: number, error: unknown) => void,
): Profile | undefined {
  try {
    return mapper.fold(
      {},
      group.map((item) => item.event),
    );
  } catch {
    let share: Profile | undefined;
    for (const { line, event } of group) {
      try {
        const one = mapper.share(event);
        share = share === undefined ? one : mapper.merge(share, one);
      } catch (error) {
        reject(line, error);
      }
    }
    return share;
  }
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
