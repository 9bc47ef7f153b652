import type { FileLease } from "../store/file-state.ts";

/** An event as the Connect reader produces it: lower-cased columns plus event, channel, account_id, _ts. */
export type ImportEvent = Record<string, unknown>;

/** One chunk of a file: its events and bad rows, in line order, ending at `lastLine`. */
export interface ChunkInput {
  events: ReadonlyArray<{ line: number; event: ImportEvent }>;
  rejected: ReadonlyArray<{ line: number; reason: string }>;
  lastLine: number;
}

export interface ChunkWritten {
  events: number;
  rejected: number;
}

/**
 * Where imported events go. A sink owns the file's checkpoint: it advances it only together with
 * (store) or right after (lytics) the data it covers, so a resumed file counts nothing twice.
 */
export interface Sink {
  readonly type: "store" | "lytics";
  /**
   * The CPU part of writing a chunk (mapping, serialising), done ahead so it can overlap the
   * previous chunk's database round trips; the returned function does the writing.
   */
  prepare(chunk: ChunkInput): ChunkWrite;
  /** prepare() and write in one go. */
  write(lease: FileLease, chunk: ChunkInput, signal?: AbortSignal): Promise<ChunkWritten>;
  /** Proves the sink is reachable and accepts our credentials; returns a line for `check`. */
  check(): Promise<string>;
}

/** A prepared chunk, written under a lease. */
export type ChunkWrite = (lease: FileLease, signal?: AbortSignal) => Promise<ChunkWritten>;

/** Rows of a chunk that are bad rows with lines in (after, upTo]. */
export function rejectedBetween(
  rejected: ChunkInput["rejected"],
  after: number,
  upTo: number,
): Array<{ line: number; reason: string }> {
  return rejected.filter((row) => row.line > after && row.line <= upTo);
}
