import type { FileLease } from "../store/file-state.ts";

/** An event as the Connect reader produces it: lower-cased columns plus event, channel, account_id, _ts. */
export type ImportEvent = Record<string, unknown>;

/** One chunk of a file: its events and bad rows, in line order, ending at `lastLine`. */
export interface ChunkInput {
  events: ReadonlyArray<{ line: number; event: ImportEvent }>;
  rejected: ReadonlyArray<{ line: number; reason: string }>;
  lastLine: number;
}

/**
 * One part of a file imported by user: the records of every event of its users (as the sink's
 * `record` made them) and its bad rows. `lastLine` is the line checkpoint, unchanged by parts.
 */
export interface PartInput {
  index: number;
  of: number;
  records: string;
  rejected: ReadonlyArray<{ line: number; reason: string }>;
  lastLine: number;
}

/** How a sink that imports by user keeps an event in a part; or why the row is rejected. */
export type PartRecord = { key: string | null; record: string } | { rejected: string };

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
 * A sink fed a file in parts by user (the store): every event of a user is in one part, so it
 * reads, merges and writes each profile once per file.
 */
export interface UserSink extends SinkBase {
  readonly type: "store";
  /** An event as a line of a part file (no line breaks), with the user key that picks its part. */
  record(fileId: number, line: number, event: ImportEvent): PartRecord;
  /** The CPU part of writing a part (mapping), done ahead like LineSink.prepare. */
  preparePart(part: PartInput): ChunkWrite;
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
