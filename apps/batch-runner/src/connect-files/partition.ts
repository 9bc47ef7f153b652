import { Buffer } from "node:buffer";
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import path from "node:path";

/**
 * A file split by user: the records of one user's events all land in the same part, so a sink
 * that keeps per-user state (profiles) reads, merges and writes each user once per file instead of
 * once per chunk. With users spread through a file (100,000 users over 1,000,000 rows), chunks in
 * line order hold almost no user twice, and a profile rewrite per event was nearly the whole cost
 * of an import.
 *
 * Part `k` is the local file `part-k`: one line per event, in the order they came,
 * `<line>\t<user key as JSON>\t<event as JSON>` (the store sink writes the event's values as a
 * JSON array by the file's columns). JSON escapes every control character, so no tab or line break
 * occurs inside a field.
 */

/** An event kept in a part: its line, its user's key and the event as JSON text. */
export interface PartRecord {
  line: number;
  key: string;
  json: string;
}

/** A user's events in a part, in line order. */
export type PartEvents = Array<{ line: number; json: string }>;

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

// Each part's records are encoded into one reused buffer, written out when full: few writes, no
// string joins, and no new buffers (fresh external memory makes V8 collect early).
// BUFFERS_BYTES is what all parts' buffers take together. Measured on the bench's import (140
// parts): with 16 KiB or more per part (2.2 MB or more in all) ~480 MB of short-lived objects
// outlived two young collections and were promoted, costing ~1.5 s of GC and ~2 s of the rows
// phase; with 12 KiB or less, 28 MB. 36 parts of 64 KiB behaved like 140 of 16 KiB, and 18 of
// 64 KiB like 140 of 8 KiB: the total seemed to matter. Most likely that was V8 pretenuring the
// parser's objects (see bin/node-settings.mjs): with that off, 8 MiB in all ran as fast as 1 MiB
// (three interleaved pairs). 1 MiB stays, for the memory.
//
// A larger file has more parts, and their shares of 1 MiB shrink: 7 KiB each for the bench's
// 140 parts on PGlite, 4 KiB for a 1.5 GB file's 700 parts on PostgreSQL, each write a system call
// per few dozen records. Writing 1M rows into 140 parts took 3.37–3.49 CPU-seconds with 7 KiB
// buffers and 3.23–3.31 with 16 KiB, into 350 parts 3.81–4.04 and 3.45–3.60 (measured alone,
// interleaved); larger buffers gained nothing more. So a part's buffer is at least
// MANY_PARTS_BUFFER_BYTES as long as all of them take at most MANY_PARTS_MAX_BYTES (512 parts).
const BUFFERS_BYTES = 1024 * 1024;
const MANY_PARTS_BUFFER_BYTES = 16 * 1024;
const MANY_PARTS_MAX_BYTES = 8 * 1024 * 1024;
const MIN_BUFFER_BYTES = 4 * 1024;
const MAX_BUFFER_BYTES = 64 * 1024;

/**
 * Each part's write buffer, in whole KiB: its share of BUFFERS_BYTES, but no less than
 * MANY_PARTS_BUFFER_BYTES while the buffers take no more than MANY_PARTS_MAX_BYTES, within the bounds.
 */
export function partBufferBytes(parts: number): number {
  const shareOf = (bytes: number) => Math.floor(bytes / Math.max(1, parts) / 1024) * 1024;
  const share = Math.max(
    shareOf(BUFFERS_BYTES),
    Math.min(MANY_PARTS_BUFFER_BYTES, shareOf(MANY_PARTS_MAX_BYTES)),
  );
  return Math.min(MAX_BUFFER_BYTES, Math.max(MIN_BUFFER_BYTES, share));
}
const LINE_END = "\n";

/**
 * The part files of one file, in a folder of their own. Parts below `fromPart` are committed
 * already: records for them are dropped. Writes are synchronous: they land in the page cache in
 * microseconds, and an await per buffer would cost more than it saves.
 */
export class PartFiles {
  readonly #dir: string;
  readonly #parts: number;
  readonly #writers: Array<PartWriter | undefined> = [];

  /** `maxOpen`: how many part files may be open at once; by default what the process's limit leaves (see openPartsBudget). */
  constructor(dir: string, parts: number, fromPart: number, maxOpen = openPartsBudget(readLimits())) {
    this.#dir = dir;
    this.#parts = parts;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // Kept open while they fit in the budget. Beyond it, as for a file of thousands of parts under a
    // limit of 1,024 descriptors, each write opens and closes its part: slower, but the import goes
    // through instead of failing with EMFILE on every attempt.
    const keepOpen = parts - fromPart <= maxOpen;
    for (let index = fromPart; index < parts; index++) {
      const file = this.pathOf(index);
      let fd = openSync(file, "w");
      if (!keepOpen) {
        closeSync(fd);
        fd = -1;
      }
      this.#writers[index] = new PartWriter(file, fd, partBufferBytes(parts));
    }
  }

  /** Adds a record to the part of its key. */
  add(record: PartRecord): void {
    this.#writers[partOfKey(record.key, this.#parts)]?.add(record);
  }

  /** Writes out what is buffered and closes the files. */
  finish(): void {
    for (const writer of this.#writers) writer?.close();
    this.#writers.length = 0;
  }

  /** Where part `index` is written (readPart reads it once finish() has run). */
  pathOf(index: number): string {
    return path.join(this.#dir, `part-${index}`);
  }

  /** Deletes the part files (also closing any still open). */
  remove(): void {
    this.finish();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

class PartWriter {
  readonly #path: string;
  /** The open file, or -1: opened for each write (see PartFiles). */
  readonly #fd: number;
  readonly #bufferBytes: number;
  #buffer: Buffer | undefined;
  #used = 0;

  constructor(path: string, fd: number, bufferBytes: number) {
    this.#path = path;
    this.#fd = fd;
    this.#bufferBytes = bufferBytes;
  }

  add(record: PartRecord): void {
    const key = JSON.stringify(record.key);
    this.#write(`${record.line}\t${key}\t`);
    this.#write(record.json);
    this.#write(LINE_END);
  }

  /** Encodes text into the buffer (allocated on first use), written out when it is full. */
  #write(text: string): void {
    const size = this.#bufferBytes;
    this.#buffer ??= Buffer.allocUnsafe(size);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (this.#used + text.length * 3 > size) {
      this.#flush();
      if (text.length * 3 > size) {
        this.#withFile((fd) => writeSync(fd, text));
        return;
      }
    }
    this.#used += this.#buffer.write(text, this.#used, "utf8");
  }

  close(): void {
    this.#flush();
    if (this.#fd >= 0) closeSync(this.#fd);
  }

  #flush(): void {
    const buffer = this.#buffer;
    const used = this.#used;
    if (buffer === undefined || used === 0) return;
    this.#withFile((fd) => {
      let done = 0;
      while (done < used) done += writeSync(fd, buffer, done, used - done);
    });
    this.#used = 0;
  }

  #withFile(write: (fd: number) => void): void {
    if (this.#fd >= 0) {
      write(this.#fd);
      return;
    }
    const fd = openSync(this.#path, "a");
    try {
      write(fd);
    } finally {
      closeSync(fd);
    }
  }
}

// Descriptors left for everything else while parts are written: the plaintext, sockets, worker
// threads, and PGlite's own files (a relation's table, index and free-space maps each).
const RESERVED_DESCRIPTORS = 256;
// Where the limit cannot be read (not Linux): the usual default soft limit.
const ASSUMED_DESCRIPTOR_LIMIT = 1024;

/**
 * How many part files may be open at once: the process's limit on open files less a reserve.
 * Node raises the soft limit to the hard one at start, so the soft limit read here is what
 * applies. A host whose hard limit is 1,024 has fewer than the parts of a file of a GB or two.
 */
export function openPartsBudget(limitsText: string | undefined): number {
  const soft = /^Max open files\s+(\S+)/m.exec(limitsText ?? "")?.[1];
  const limit =
    soft === "unlimited"
      ? Number.POSITIVE_INFINITY
      : soft !== undefined && /^\d+$/.test(soft)
        ? Number(soft)
        : ASSUMED_DESCRIPTOR_LIMIT;
  return Math.max(1, limit - RESERVED_DESCRIPTORS);
}

function readLimits(): string | undefined {
  try {
    return readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Reads part files, each into the buffer of the previous part rather than a new one of a few MB
 * (see withProfileCopyRows in store/database.ts for what that saved).
 */
export class PartReader {
  #buffer: Buffer | undefined;

  /** The part's events by user key, each user's in the order they were added. */
  read(file: string): Map<string, PartEvents> {
    const text = this.#readText(file);
    const users = new Map<string, PartEvents>();
    for (let start = 0; start < text.length; ) {
      const end = text.indexOf("\n", start);
      const keyAt = text.indexOf("\t", start) + 1;
      const jsonAt = text.indexOf("\t", keyAt) + 1;
      const key = readKey(text.slice(keyAt, jsonAt - 1));
      const event = { line: Number(text.slice(start, keyAt - 1)), json: text.slice(jsonAt, end) };
      const events = users.get(key);
      if (events === undefined) users.set(key, [event]);
      else events.push(event);
      start = end + 1;
    }
    return users;
  }

  /** The part's text, decoded at once (readFile's own UTF-8 decoding goes piece by piece and is slower). */
  #readText(file: string): string {
    const fd = openSync(file, "r");
    try {
      const size = fstatSync(fd).size;
      if (this.#buffer === undefined || this.#buffer.length < size) {
        this.#buffer = Buffer.allocUnsafeSlow(Math.max(size, this.#buffer?.length ?? 0));
      }
      let done = 0;
      while (done < size) {
        const read = readSync(fd, this.#buffer, done, size - done, done);
        if (read === 0) break;
        done += read;
      }
      return this.#buffer.toString("utf8", 0, done);
    } finally {
      closeSync(fd);
    }
  }
}

/** A key as the part writer wrote it (JSON); most keys need no unescaping, so they skip JSON.parse. */
function readKey(text: string): string {
  if (!text.includes("\\")) return text.slice(1, -1);
  const key: unknown = JSON.parse(text);
  return typeof key === "string" ? key : String(key);
}
