import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";

/** Where a spooled write's bytes wait (see Spool). */
export interface SpoolEntry {
  readonly file: string;
  readonly bytes: number;
}

/**
 * Prepared writes waiting on local disk instead of in memory. On PostgreSQL the runner reads and
 * maps a file faster than the server ingests it; spooled, the rows of a whole file can wait for the
 * server in a few KB of heap, so the runner goes on to fold the file's users while the server still
 * takes its rows. Each write is one file, read once and deleted when its transaction runs.
 * Writes are synchronous: they land in the page cache, and the caller is synchronous CPU work.
 */
export class Spool {
  readonly #dir: string;
  #next = 0;
  #waiting = 0;

  constructor(dir: string) {
    this.#dir = dir;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }

  /** Bytes spooled and not yet taken. */
  get waitingBytes(): number {
    return this.#waiting;
  }

  put(data: Uint8Array | string): SpoolEntry {
    const file = path.join(this.#dir, String(this.#next++));
    writeFileSync(file, data);
    const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
    this.#waiting += bytes;
    return { file, bytes };
  }

  /** The entry's bytes; its file is deleted. */
  async take(entry: SpoolEntry): Promise<Buffer<ArrayBuffer>> {
    const data = (await readFile(entry.file)) as Buffer<ArrayBuffer>;
    this.#waiting -= entry.bytes;
    await rm(entry.file, { force: true });
    return data;
  }

  /** Deletes whatever is still spooled. */
  remove(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
