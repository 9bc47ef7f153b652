import type { PartRecord } from "../connect-files/partition.ts";
import type { EventColumns } from "../store/event-columns.ts";
import type { FileLease } from "../store/file-state.ts";

/** An event as the Connect reader produces it: lower-cased columns plus event, channel, account_id, _ts. */
export type ImportEvent = Record<string, unknown>;

/** One chunk of a file: its events and bad rows, in line order, ending at `lastLine`. */
export interface ChunkInput {
  events: ReadonlyArray<{ line: number; event: ImportEvent }>;
  rejected: ReadonlyArray<{ line: number; reason: string }>;
  lastLine: number;
}

/** Where a file imported by user stands (see UserSink.startRows). */
export interface UserFile {
  fileId: number;
  /** Events and bad rows on lines up to this one are already written (resume): not again. */
  writtenUpTo: number;
  /** The file's part count and parts done, committed with the line checkpoint. */
  parts: { done: number; of: number };
  /** The file's event columns, shared by its batches (seeded with the committed ones on resume). */
  columns: EventColumns;
}

/** Rows of a file imported by user, gathered chunk by chunk and written in one transaction. */
export interface RowBatch {
  /** Takes a chunk's events and bad rows; hands each event that has a user to `keep`, for its part. */
  add(chunk: ChunkInput, keep: (record: PartRecord) => void): void;
  /** Rows taken so far. */
  readonly rows: number;
  /** The CPU part of writing the batch is done: the write itself, or undefined if nothing is new. */
  finish(): ChunkWrite | undefined;
}

/** One part of a file imported by user: its part file, complete (see PartFiles). */
export interface PartInput {
  index: number;
  of: number;
  path: string;
  /** The file's event columns, all of them: a part record's values are by these (see EventColumns). */
  columns: readonly string[];
  fileId: number;
  /** Events on lines up to this one are written already, by line (see FileLease.eventRowsThrough). */
  eventsAfter: number;
}

export interface ChunkWritten {
  events: number;
  rejected: number;
}

/**
 * Where imported events go. A sink owns the file's checkpoint: it advances it only together with
 * (store) or right after (lytics) the data it covers, so a resumed file counts nothing twice.
 */
export type Sink = LineSink | UserSink;

interface SinkBase {
  /** Proves the sink is reachable and accepts our credentials; returns a line for `check`. */
  check(): Promise<string>;
}

/** A sink fed a file in line order, chunk by chunk (Lytics: events go out in file order). */
export interface LineSink extends SinkBase {
  readonly type: "lytics";
  /**
   * The CPU part of writing a chunk (serialising), done ahead so it can overlap the previous
   * chunk's round trips; the returned function does the writing.
   */
  prepare(chunk: ChunkInput): ChunkWrite;
  /** prepare() and write in one go. */
  write(lease: FileLease, chunk: ChunkInput, signal?: AbortSignal): Promise<ChunkWritten>;
}

/**
 * A sink fed a file by user (the store). The file is read once in line order: each chunk's bad rows
 * and events without a user are written (with the line checkpoint) and each other event's record
 * goes to its user's part; then each part is read back and its users' events and profiles are
 * written, once per file (with the part checkpoint).
 */
export interface UserSink extends SinkBase {
  readonly type: "store";
  /** About how much plaintext goes into one part (the parts folded ahead are held in memory). */
  readonly partBytes: number;
  /** Rows written per transaction of events. */
  readonly batchRows: number;
  /** How many parts to have prepared ahead of the one being written. */
  readonly partsAhead: number;
  /** A new batch of the file's rows, in line order. */
  startRows(file: UserFile): RowBatch;
  /**
   * The CPU part of writing a part's profiles (mapping), done ahead like LineSink.prepare: in a
   * worker thread, or on this one with turns of the event loop every few milliseconds, so the
   * writes in flight keep going meanwhile.
   */
  preparePart(part: PartInput): Promise<ChunkWrite>;
  /** The file is done with (imported, failed or paused): frees what its parts needed. */
  release(): Promise<void>;
}

/** A prepared chunk or part, written under a lease. */
export type ChunkWrite = (lease: FileLease, signal?: AbortSignal) => Promise<ChunkWritten>;

/** Rows of a chunk that are bad rows with lines in (after, upTo]. */
export function rejectedBetween(
  rejected: ChunkInput["rejected"],
  after: number,
  upTo: number,
): Array<{ line: number; reason: string }> {
  return rejected.filter((row) => row.line > after && row.line <= upTo);
}
