import { Buffer } from "node:buffer";

/**
 * Rows of PostgreSQL COPY text input (tab-separated, `\N` for NULL, backslash escapes), encoded
 * straight into a buffer. Measured on the import: building the same text as a string and encoding
 * it once cost ~4× more CPU, most of it garbage for the collector.
 */
export class CopyRows {
  #buffer: Buffer<ArrayBuffer>;
  #used = 0;
  #rows = 0;

  /** Starts in `buffer` when given (see BufferPool), else in a new one of `expectedBytes`. */
  constructor(expectedBytes = 64 * 1024, buffer?: Buffer<ArrayBuffer>) {
    this.#buffer = buffer ?? Buffer.allocUnsafe(Math.max(1024, expectedBytes));
  }

  /** The buffer the rows are in (grown ones replace the first): hand it back to its pool when done. */
  get buffer(): Buffer<ArrayBuffer> {
    return this.#buffer;
  }

  get rows(): number {
    return this.#rows;
  }

  /** Appends one row; each value is a field (null: NULL). */
  add(values: ReadonlyArray<string | number | null>): void {
    for (let i = 0; i < values.length; i++) {
      const value = values[i] ?? null;
      const text = typeof value === "number" ? String(value) : copyField(value);
      this.#room(text.length * 3 + 1);
      this.#used += this.#buffer.write(text, this.#used, "utf8");
      this.#buffer[this.#used++] = i === values.length - 1 ? 0x0a : 0x09;
    }
    this.#rows++;
  }

  /** The rows so far (a view: do not add more while it is in use). */
  bytes(): Uint8Array<ArrayBuffer> {
    return this.#buffer.subarray(0, this.#used);
  }

  #room(bytes: number): void {
    if (this.#used + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#used + bytes));
    this.#buffer.copy(grown, 0, 0, this.#used);
    this.#buffer = grown;
  }
}

/** A field of COPY text input: `\N` for NULL, backslash, tab and line ends escaped. */
export function copyField(value: string | null): string {
  if (value === null) return "\\N";
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, escapeCopyChar) : value;
}

function escapeCopyChar(char: string): string {
  if (char === "\t") return "\\t";
  if (char === "\n") return "\\n";
  if (char === "\r") return "\\r";
  return "\\\\";
}

/**
 * Buffers handed out again once given back: a batch's rows need a few MB until its write is done,
 * and a new buffer per batch is external memory that only a garbage collection gives back (it
 * showed as ~90 MB of RSS during an import).
 */
export class BufferPool {
  readonly #free: Array<Buffer<ArrayBuffer>> = [];

  constructor(private readonly bytes: number) {}

  take(): Buffer<ArrayBuffer> {
    return this.#free.pop() ?? Buffer.allocUnsafe(this.bytes);
  }

  /** Keeps a buffer for later; a few at most, and only of the pool's size or more. */
  give(buffer: Buffer<ArrayBuffer>): void {
    if (this.#free.length < 4 && buffer.length >= this.bytes) this.#free.push(buffer);
  }
}
