import { availableParallelism } from "node:os";
import { isBridgeError } from "@responsys-bridge/core";
import { BufferPool, CopyRows } from "../store/copy-rows.ts";
import {
  type Database,
  EVENT_COPY_COLUMNS,
  eventValues,
  type ProfileWrites,
  type SqlTransaction,
} from "../store/database.ts";
import type { ChunkProgress, FileLease, FileStates } from "../store/file-state.ts";
import { InlineFolds, mappingRejection, type PartFolds, type RejectedRow } from "./fold-part.ts";
import { FoldWorkers } from "./fold-workers.ts";
import { type ProfileMapper, storedProfile } from "./profile-mapper.ts";
import type { ChunkWrite, PartInput, RowBatch, UserFile, UserSink } from "./sink.ts";

export interface StoreSinkOptions {
  database: Database;
  files: FileStates;
  mapper: ProfileMapper;
  now: () => Date;
  leaseTtlMs: number;
  /** Worker threads that fold parts into profiles, 0 for none (see defaultFoldWorkers). */
  foldWorkers?: number;
  /** Where events with a user go (see defaultEventsByUser): their user's row, or a row each. */
  eventsByUser?: boolean;
}

// PostgreSQL codes worth one more try of a whole transaction: deadlock, serialization.
const RETRYABLE_SQLSTATES = new Set(["40P01", "40001"]);
const MAX_TRANSACTION_ATTEMPTS = 5;

// A file is cut into parts of about this much plaintext. A part's events are held in memory while
// it is folded, and its shares' text until it is written; so are the shares of the parts folded
// while it is written (see partsAhead). The bench's file: ~140 parts of ~7,000 events of ~700 users
// each. Fewer, larger parts mean fewer transactions: on PostgreSQL, 2 MiB parts made the profiles
// phase ~1 s faster than 1 MiB ones, with the same peak RSS. PGlite's memory is the runner's own,
// and there 2 MiB parts raised the peak from 282 to 293 MB and made it grow more with the file
// (1.12× from 100,000 to 1,000,000 rows, against 1.06×).
const PART_BYTES = { pglite: 1024 * 1024, postgres: 2 * 1024 * 1024 } as const;

// Rows per transaction of events (see defaultEventsByUser for where they go). On PostgreSQL each
// transaction costs a few round trips, each one waiting for a turn of the busy event loop: with
// 5,000 rows the rows phase of the bench's import waited on its writes (~22 ms per batch, against
// ~19 ms to read one), and with 20,000 it took ~0.3–0.5 s less, for ~10 MB more peak RSS. On
// PGlite, whose COPY runs on the same thread, 20,000 gained nothing and raised the peak by 8–22 MB
// (measured when its batches still held every event).
const BATCH_ROWS = { pglite: 5_000, postgres: 20_000 } as const;

// A batch's COPY rows start in a buffer about this big per row (~2 MiB for 5,000 Connect rows), so
// it rarely has to grow and copy itself; pages never written are never resident.
const BATCH_BUFFER_BYTES_PER_ROW = 420;

/**
 * Writes events and mapped profiles to the runner's database, a file by user (see UserSink):
 * - per batch of rows, in ONE transaction: its events (COPY into `events`; by user, only those
 *   without a user), its bad rows and the line checkpoint;
 * - per part, in ONE transaction: each user's events of the whole file folded into one share and
 *   merged into the stored profile (by user, also written as one row of `user_events`), and the
 *   part checkpoint.
 * A crash anywhere leaves all of a batch or part or none of it; resumed, the file is read again
 * from the start to rebuild the parts, but no event is written or counted twice.
 */
export function createStoreSink(options: StoreSinkOptions): UserSink {
  const { database, files, mapper, now, leaseTtlMs } = options;
  const foldWorkers = options.foldWorkers ?? defaultFoldWorkers(database.kind);
  const eventsByUser = options.eventsByUser ?? defaultEventsByUser(database.kind);
  // Started with a file's rows, so they are ready when its parts are.
  let folds: PartFolds | undefined;
  const startFolds = (): PartFolds => {
    folds ??= foldWorkers > 0 ? new FoldWorkers(mapper.mapping, foldWorkers) : new InlineFolds(mapper);
    return folds;
  };
  const inline = new InlineFolds(mapper);
  // The workers' parts, the main thread's, and the one being written.
  const partsAhead = foldWorkers === 0 ? 1 : foldWorkers + 2;
  // Memory of written parts' event rows, for the next parts' (see PartFolds.fold): one for each
  // part folded ahead and one for the part being written; more would go unused.
  const spareRows: ArrayBuffer[] = [];
  /** Where a part is folded: see MAIN_THREAD_SHARE. */
  const foldsOf = (part: PartInput): PartFolds => {
    if (foldWorkers === 0) return startFolds();
    const round = foldWorkers * MAIN_THREAD_SHARE + 1;
    return part.index % round === round - 1 ? inline : startFolds();
  };

  /** Runs a write in a transaction that ends with the checkpoint, retrying deadlocks. */
  const commit = async (
    lease: FileLease,
    work: (tx: SqlTransaction) => Promise<void>,
    progress: ChunkProgress,
  ): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const at = now();
      try {
        // Data and checkpoint commit together, so a commit that a PostgreSQL crash forgets just
        // sends the runner back to the previous checkpoint: nothing lost, nothing counted twice.
        // Not waiting for the WAL flush per commit is therefore safe.
        await database.transaction(
          async (tx) => {
            await work(tx);
            await files.commitChunk(tx, lease, progress, at, leaseTtlMs);
          },
          { asynchronousCommit: true },
        );
        return;
      } catch (error) {
        if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryableSql(error)) throw error;
      }
    }
  };

  const batchRows = BATCH_ROWS[database.kind];
  const batchBufferBytes = batchRows * BATCH_BUFFER_BYTES_PER_ROW;
  const buffers = new BufferPool(batchBufferBytes);
  const startRows = (file: UserFile): RowBatch => {
    startFolds();
    const rejectedRows: RejectedRow[] = [];
    const copy = new CopyRows(EVENT_COPY_COLUMNS, batchBufferBytes, buffers.take());
    let rows = 0;
    let events = 0;
    let lastLine = file.writtenUpTo;
    const columnsBefore = file.columns.count;
    return {
      get rows() {
        return rows;
      },
      add(chunk, keep) {
        rows += chunk.events.length + chunk.rejected.length;
        for (const { line, event } of chunk.events) {
          const written = line <= file.writtenUpTo;
          let key: string | null;
          try {
            key = mapper.identify(event) ?? null;
          } catch (error) {
            if (!written) rejectedRows.push({ line, reason: mappingRejection(error) });
            continue;
          }
          if (!written) events++;
          // Values by the file's columns (see EventColumns), as user_events and events keep them.
          const data = file.columns.json(event);
          if (key !== null) keep({ line, key, json: data });
          // By user, its part writes it with the user's other events (see UserEventRows).
          if (written || (key !== null && eventsByUser)) continue;
          const ts = typeof event._ts === "string" ? event._ts : null;
          copy.add(
            eventValues(file.fileId, { line, profileKey: key, event: String(event.event ?? ""), ts, data }),
          );
        }
        for (const row of chunk.rejected) if (row.line > file.writtenUpTo) rejectedRows.push(row);
        lastLine = Math.max(lastLine, chunk.lastLine);
      },
      finish() {
        if (lastLine <= file.writtenUpTo) {
          buffers.give(copy.buffer);
          return undefined;
        }
        rejectedRows.sort((a, b) => a.line - b.line);
        const progress: ChunkProgress = {
          checkpointLine: lastLine,
          rows: events + rejectedRows.length,
          events,
          rejected: rejectedRows.length,
          rejectedRows,
          parts: file.parts,
          columns: file.columns.count > columnsBefore ? [...file.columns.names] : undefined,
        };
        return async (lease) => {
          try {
            await commit(
              lease,
              (tx) => tx.copyEvents(copy.rows === 0 ? new Uint8Array(0) : copy.bytes()),
              progress,
            );
          } finally {
            buffers.give(copy.buffer);
          }
          return { events, rejected: rejectedRows.length };
        };
      },
    };
  };

  const preparePart = async (part: PartInput): Promise<ChunkWrite> => {
    // Folded outside the transaction (mostly in a worker where there is one): it is the CPU-heavy
    // part, it overlaps the previous parts' writes, and a retried transaction must not redo it.
    const events = eventsByUser ? { fileId: part.fileId, after: part.eventsAfter } : undefined;
    const { keys, shares, failed, eventRows } = await foldsOf(part).fold(
      { path: part.path, columns: part.columns, events },
      spareRows.pop(),
    );
    // Events by user: only an older runner wrote some as rows of `events` (see eventRowsThrough).
    const failedRows = failed
      .filter((row) => !eventsByUser || row.line <= part.eventsAfter)
      .map((row) => row.line);
    const progress = (lease: FileLease): ChunkProgress => ({
      checkpointLine: lease.checkpointLine,
      // Their batches counted these events; the mapping cannot read them after all, so they
      // become bad rows.
      rows: 0,
      events: -failed.length,
      rejected: failed.length,
      rejectedRows: failed,
      parts: { done: part.index + 1, of: part.of },
    });
    return async (lease) => {
      try {
        await commit(
          lease,
          async (tx) => {
            if (failedRows.length > 0) {
              await tx.query("DELETE FROM events WHERE file_id = $1 AND line = ANY($2::int[])", [
                lease.fileId,
                failedRows,
              ]);
            }
            await tx.copyUserEvents(eventRows);
            // On PostgreSQL this locks profiles against other runners' writers until commit, so
            // a read-modify-write of a profile never loses another runner's update.
            const stored = await tx.loadProfiles(keys);
            const writes: ProfileWrites = { added: [], changed: [] };
            for (let index = 0; index < keys.length; index++) {
              const key = keys[index] ?? "";
              const share = shares[index] ?? "{}";
              const old = stored.get(key);
              if (old === undefined) writes.added.push({ key, profile: share });
              else {
                const profile = JSON.stringify(mapper.merge(storedProfile(old), storedProfile(share)));
                writes.changed.push({ key, profile });
              }
            }
            await tx.writeProfiles(writes, now());
          },
          progress(lease),
        );
      } finally {
        // Written (or failed): its memory can take a later part's rows.
        if (eventRows.byteLength > 0 && spareRows.length <= partsAhead) spareRows.push(eventRows.buffer);
      }
      return { events: -failed.length, rejected: failed.length };
    };
  };

  return {
    type: "store",
    partBytes: PART_BYTES[database.kind],
    batchRows,
    partsAhead,
    startRows,
    preparePart,
    async release() {
      const stopping = folds;
      folds = undefined;
      await stopping?.close();
    },
    async check() {
      await database.query("SELECT 1");
      return `store: ${database.kind} database reachable`;
    },
  };
}

/**
 * Folding a part in a worker thread lets the main thread write the previous one meanwhile. On
 * PostgreSQL one worker per core but one (the main thread's): the profiles phase of the bench's
 * import went from ~5.1 to ~4.0 s on 2 cores, for ~25 MB of RSS (a worker's own heap and its
 * copy of the mapping code). On PGlite the database runs on the main thread and its memory is the
 * runner's: a worker made that phase ~3 s faster but took the peak from ~275 to 305–313 MB, past
 * the 300 MB the runner keeps to, so PGlite folds inline.
 */
// With fold workers, the main thread folds one part for every MAIN_THREAD_SHARE parts of each
// worker, a slice at a time between its writes. In the profiles phase it otherwise waited ~70% of
// the time for the worker, which was the bottleneck. On the bench's PostgreSQL import (1 worker,
// 2 cores) one part in three took that phase from 3.9–5.4 s to 3.5–4.1 s in nine interleaved
// pairs, for ~15 MB more peak RSS (231–246 MB: the main thread's part in memory); one in two was
// no better than none.
const MAIN_THREAD_SHARE = 2;

/**
 * PGlite takes a file's events with a user as one row per user (user_events), written with the
 * user's part; PostgreSQL takes them as a row each (events), with their batch of rows. Measured on
 * the bench's 1M-row import (interleaved runs): on PGlite, whose COPY runs on the runner's main
 * thread, by user took the import from 18.7–26.0 s to 14.4–18.3 s in nine pairs (22.7 s in one
 * while the machine was slow), with a peak of 277–293 MB against 261–271 MB. On PostgreSQL, in
 * three pairs, its server used ~0.5 CPU-seconds less, but the
 * import took 11.5–14.1 s against 10.7–13.4 s: the rows phase is bound by the runner's main thread
 * while the server takes the rows beside it, and the profiles phase, where the rows then went, keeps
 * both cores busy already.
 */
function defaultEventsByUser(kind: Database["kind"]): boolean {
  return kind === "pglite";
}

function defaultFoldWorkers(kind: Database["kind"]): number {
  return kind === "postgres" ? Math.max(1, availableParallelism() - 1) : 0;
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
