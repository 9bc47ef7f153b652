import { Buffer } from "node:buffer";
import { type FileHandle, mkdir, open, readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { PartRecord } from "../sinks/sink.ts";
import type { ConnectEvent } from "./event.ts";
import type { EventChunk } from "./read.ts";

/**
 * A file split by user: every event of one user lands in the same part, so a sink that keeps
 * per-user state (profiles) reads, merges and writes each user once per file instead of once per
 * chunk. With users spread through a file (100,000 users over 1,000,000 rows), chunks in line order
 * hold almost no user twice, and a profile rewrite per event was nearly the whole cost of an import.
 *
 * Part `k` is two local files: `part-k`, the sink's records in line order, one per line; and
 * `part-k.rejected`, its bad rows as JSON lines.
 */

export interface PartitionOptions {
  /** A folder of the caller's; part files are written into it (and replaced if present). */
  dir: string;
  parts: number;
  /** Parts below this one are already committed: their records are not written again. */
  fromPart: number;
  /** The record of an event (see UserSink.record). */
  record: (line: number, event: ConnectEvent) => PartRecord;
  signal?: AbortSignal | undefined;
  /** Called after each chunk with the rows read so far. */
  onRows?: (rows: number) => void;
}

export interface StoredPart {
  records: string;
  rejected: Array<{ line: number; reason: string }>;
}

// Each part's records are encoded into a buffer of this size and written when it is full: few
// writes, little memory (a few MB for a few dozen parts), no string joins.
const BUFFER_BYTES = 256 * 1024;

/** Part count for a plaintext of this many bytes; one part is held in memory while it is written. */
export function partCount(plaintextBytes: number, partBytes: number): number {
  return Math.min(4096, Math.max(1, Math.ceil(plaintextBytes / partBytes)));
}

/** FNV-1a over the key's UTF-16 code units: stable across runs and versions, which resuming needs. */
export function partOfKey(key: string, parts: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % parts;
}

/** Writes the chunks' rows into part files by user key; returns the rows read. */
export async function writeParts(
  chunks: AsyncIterable<EventChunk>,
  options: PartitionOptions,
): Promise<number> {
  const { parts, fromPart } = options;
  await rm(options.dir, { recursive: true, force: true });
  await mkdir(options.dir, { recursive: true });
  const writers: PartWriter[] = [];
  const rejectedWriters: PartWriter[] = [];
  try {
    for (let index = fromPart; index < parts; index++) {
      writers[index] = new PartWriter(await open(partPath(options.dir, index), "w"));
      rejectedWriters[index] = new PartWriter(await open(rejectedPath(options.dir, index), "w"));
    }
    const reject = (line: number, reason: string) =>
      rejectedWriters[line % parts]?.add(`${JSON.stringify({ line, reason })}\n`);
    let rows = 0;
    for await (const chunk of chunks) {
      options.signal?.throwIfAborted();
      for (const { line, event } of chunk.events) {
        const made = options.record(line, event);
        if ("rejected" in made) reject(line, made.rejected);
        else writers[made.key === null ? line % parts : partOfKey(made.key, parts)]?.add(made.record);
      }
      for (const { line, reason } of chunk.rejected) reject(line, reason);
      rows += chunk.events.length + chunk.rejected.length;
      for (const writer of [...writers, ...rejectedWriters]) await writer?.writeFull();
      options.onRows?.(rows);
    }
    for (const writer of [...writers, ...rejectedWriters]) await writer?.flush();
    return rows;
  } finally {
    await Promise.all([...writers, ...rejectedWriters].map((writer) => writer?.close()));
  }
}

/** Reads part `index` back into memory. */
export async function readPart(dir: string, index: number): Promise<StoredPart> {
  // One decode of the whole file: readFile's own UTF-8 decoding goes piece by piece and is ~5× slower.
  const records = (await readFile(partPath(dir, index))).toString("utf8");
  const rejectedText = (await readFile(rejectedPath(dir, index))).toString("utf8");
  const rejected = rejectedText
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => rejectedRow(JSON.parse(line)));
  return { records, rejected };
}

/** Rejected-row lines hold only what writeParts wrote. */
function rejectedRow(value: unknown): { line: number; reason: string } {
  const row = typeof value === "object" && value !== null ? value : {};
  return {
    line: "line" in row && typeof row.line === "number" ? row.line : 0,
    reason: "reason" in row && typeof row.reason === "string" ? row.reason : "",
  };
}

function partPath(dir: string, index: number): string {
  return path.join(dir, `part-${index}`);
}

function rejectedPath(dir: string, index: number): string {
  return path.join(dir, `part-${index}.rejected`);
}

/** A part file being written: records are encoded into a buffer, written out once it is full. */
class PartWriter {
  #buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  #used = 0;
  /** Filled buffers waiting for writeFull(). */
  #full: Buffer[] = [];

  constructor(private readonly handle: FileHandle) {}

  add(record: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.#used + record.length * 3 > BUFFER_BYTES) {
      this.#full.push(this.#take());
      if (record.length * 3 > BUFFER_BYTES) {
        this.#full.push(Buffer.from(record, "utf8"));
        return;
      }
    }
    this.#used += this.#buffer.write(record, this.#used, "utf8");
  }

  async writeFull(): Promise<void> {
    for (const full of this.#full.splice(0)) await this.handle.write(full);
  }

  async flush(): Promise<void> {
    await this.writeFull();
    if (this.#used > 0) await this.handle.write(this.#take());
  }

  close(): Promise<void> {
    return this.handle.close();
  }

  /** The filled part of the buffer, handed over; a new buffer takes its place. */
  #take(): Buffer {
    const full = this.#buffer.subarray(0, this.#used);
    this.#buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    this.#used = 0;
    return full;
  }
}
