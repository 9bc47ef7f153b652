import { isBridgeError } from "@responsys-bridge/core";
import { type Database, eventCopyRow, type ProfileRow, readCopyField } from "../store/database.ts";
import type { FileLease, FileStates } from "../store/file-state.ts";
import { type Profile, type ProfileMapper, storedProfile } from "./profile-mapper.ts";
import type { ChunkWrite, ChunkWritten, ImportEvent, PartInput, PartRecord, UserSink } from "./sink.ts";

export interface StoreSinkOptions {
  database: Database;
  files: FileStates;
  mapper: ProfileMapper;
  now: () => Date;
  leaseTtlMs: number;
}

// PostgreSQL codes worth one more try of the whole part transaction: deadlock, serialization.
const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);
const MAX_TRANSACTION_ATTEMPTS = 5;

/** A part mapped outside the transaction: each user's share of it, and what goes to the events table. */
interface MappedPart {
  shares: Map<string, Profile>;
  /** COPY rows of the events table. */
  eventRows: string;
  events: number;
  rejectedRows: Array<{ line: number; reason: string }>;
}

/**
 * Writes events and mapped profiles to the runner's database, a file in parts by user. A part's
 * records are already the events table's COPY rows, so they go to the database as they are; each
 * user's events are folded into one share. Then in ONE transaction the events are copied in, the
 * shares are merged into the stored profiles and the part is checkpointed: a crash anywhere leaves
 * either all of the part or none of it, so a resumed import never counts an event twice.
 */
export function createStoreSink(options: StoreSinkOptions): UserSink {
  const { database, files, mapper, now, leaseTtlMs } = options;

  const preparePart = (part: PartInput): ChunkWrite => {
    // Map outside the transaction: it is the CPU-heavy part, it overlaps the previous part's
    // writes, and a retried transaction must not redo it.
    const mapped = mapPart(mapper, part);
    // Sorted keys: the same order for every writer, and index-order reads.
    const keys = [...mapped.shares.keys()].sort();

    return async (lease: FileLease): Promise<ChunkWritten> => {
      const { shares, eventRows, events, rejectedRows } = mapped;
      for (let attempt = 1; ; attempt++) {
        const at = now();
        try {
          await database.transaction(async (tx) => {
            // A part commits its data and its checkpoint together, so a commit that a PostgreSQL
            // crash forgets just sends the runner back to the previous checkpoint: nothing lost,
            // nothing counted twice. Not waiting for the WAL flush per part is therefore safe.
            if (database.kind === "postgres") await tx.query("SET LOCAL synchronous_commit TO OFF");
            await tx.copyEvents(eventRows);
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
                checkpointLine: part.lastLine,
                rows: events + rejectedRows.length,
                events,
                rejected: rejectedRows.length,
                rejectedRows,
                parts: { done: part.index + 1, of: part.of },
              },
              at,
              leaseTtlMs,
            );
          });
          return { events, rejected: rejectedRows.length };
        } catch (error) {
          if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryableSql(error)) throw error;
        }
      }
    };
  };

  return {
    type: "store",
    record(fileId, line, event): PartRecord {
      let key: string | null;
      try {
        key = mapper.identify(event) ?? null;
      } catch (error) {
        return { rejected: mappingRejection(error) };
      }
      const ts = typeof event._ts === "string" ? event._ts : null;
      const data = JSON.stringify(event);
      return {
        key,
        record: eventCopyRow(fileId, { line, profileKey: key, event: String(event.event ?? ""), ts, data }),
      };
    },
    preparePart,
    async check() {
      await database.query("SELECT 1");
      return `store: ${database.kind} database reachable`;
    },
  };
}

/** One event of a part, located in its records text. */
interface PartEvent {
  line: number;
  /** Where the record and its data field (the event as JSON) start and end in the text. */
  start: number;
  dataStart: number;
  end: number;
}

/**
 * Groups the part's events by user and folds each group at once. An event the mapping cannot read
 * is a bad row, not a failed file: its group is folded again one event at a time to find it, and
 * its record is left out of the events table.
 */
function mapPart(mapper: ProfileMapper, part: PartInput): MappedPart {
  const text = part.records;
  const rejectedRows = part.rejected.map((row) => ({ line: row.line, reason: row.reason }));
  const byUser = new Map<string, PartEvent[]>();
  let events = 0;
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf("\n", start);
    // Fields: file_id, line, profile_key, event, ts, data (see eventCopyRow).
    const lineAt = text.indexOf("\t", start) + 1;
    const keyAt = text.indexOf("\t", lineAt) + 1;
    const keyEnd = text.indexOf("\t", keyAt);
    const dataStart = text.indexOf("\t", text.indexOf("\t", keyEnd + 1) + 1) + 1;
    const key = readCopyField(text.slice(keyAt, keyEnd));
    events++;
    if (key !== null) {
      const item = { line: Number(text.slice(lineAt, keyAt - 1)), start, dataStart, end };
      const group = byUser.get(key);
      if (group === undefined) byUser.set(key, [item]);
      else group.push(item);
    }
    start = end + 1;
  }

  const failed: PartEvent[] = [];
  const shares = new Map<string, Profile>();
  const eventOf = (item: PartEvent) =>
    parseEvent(readCopyField(text.slice(item.dataStart, item.end)) ?? "{}");
  for (const [key, group] of byUser) {
    const share = foldGroup(mapper, group, eventOf, (item, error) => {
      failed.push(item);
      rejectedRows.push({ line: item.line, reason: mappingRejection(error) });
    });
    if (share !== undefined) shares.set(key, share);
  }
  if (failed.length === 0) return { shares, eventRows: text, events, rejectedRows };
  rejectedRows.sort((a, b) => a.line - b.line);
  return { shares, eventRows: withoutRecords(text, failed), events: events - failed.length, rejectedRows };
}

function foldGroup(
  mapper: ProfileMapper,
  group: PartEvent[],
  eventOf: (item: PartEvent) => ImportEvent,
  reject: (item: PartEvent, error: unknown) => void,
): Profile | undefined {
  try {
    return mapper.fold({}, group.map(eventOf));
  } catch {
    let share: Profile | undefined;
    for (const item of group) {
      try {
        const one = mapper.share(eventOf(item));
        share = share === undefined ? one : mapper.merge(share, one);
      } catch (error) {
        reject(item, error);
      }
    }
    return share;
  }
}

/** The records text without the records of these events. */
function withoutRecords(text: string, left: PartEvent[]): string {
  const skip = new Set(left.map((item) => item.start));
  let out = "";
  for (let start = 0; start < text.length; ) {
    const end = text.indexOf("\n", start) + 1;
    if (!skip.has(start)) out += text.slice(start, end);
    start = end;
  }
  return out;
}

/** Records hold only events this sink wrote: JSON objects. */
function parseEvent(json: string): ImportEvent {
  return JSON.parse(json) as ImportEvent;
}

function mappingRejection(error: unknown): string {
  return `mapping: ${error instanceof Error ? error.message : String(error)}`;
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
