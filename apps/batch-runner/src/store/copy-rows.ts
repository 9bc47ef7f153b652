import { Buffer } from "node:buffer";

/** A text field written piece by piece, straight into the rows' buffer (see CopyRows.addWithText). */
export interface CopyText {
  /** Appends the text as UTF-8. */
  append(text: string): void;
  /** Appends one byte (an ASCII character's code). */
  appendByte(byte: number): void;
  /** Appends the decimal digits of a non-negative integer. */
  appendInteger(value: number): void;
  /** Replaces a byte already written, by its place in the field. */
  setByte(at: number, byte: number): void;
  /** Bytes in the field so far. */
  written(): number;
}

/** The column types CopyRows writes. */
export type CopyColumn = "int4" | "text" | "timestamptz";

/**
 * A row's values in column order: numbers for int4, epoch milliseconds for timestamptz, strings
 * for text, null for NULL.
 */
export type CopyValue = string | number | null;

// PostgreSQL's binary COPY format: a signature, flags and header extension length (both 0), then
// per row a 16-bit field count and each field as a 32-bit length (-1: NULL) and its bytes; -1 ends.
const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const HEADER_BYTES = SIGNATURE.length + 8;
// timestamptz is microseconds since 2000-01-01T00:00:00Z.
const EPOCH_2000_MS = Date.UTC(2000, 0, 1);
const DIGIT_ZERO = 0x30;

/**
 * Rows for `COPY … FROM … WITH (FORMAT binary)`, encoded straight into a buffer. Measured on the
 * import: the text format cost the database more to parse (escapes, timestamps as text), and
 * building the rows as one string cost the runner ~4× more CPU, most of it garbage.
 */
export class CopyRows {
  readonly #columns: readonly CopyColumn[];
  #buffer: Buffer<ArrayBuffer>;
  #used = HEADER_BYTES;
  #rows = 0;

  /** Starts in `buffer` when given (see BufferPool), else in a new one of `expectedBytes`. */
  constructor(columns: readonly CopyColumn[], expectedBytes = 64 * 1024, buffer?: Buffer<ArrayBuffer>) {
    this.#columns = columns;
    this.#buffer = buffer ?? Buffer.allocUnsafe(Math.max(1024, expectedBytes));
    SIGNATURE.copy(this.#buffer, 0);
    this.#buffer.writeUInt32BE(0, SIGNATURE.length);
    this.#buffer.writeUInt32BE(0, SIGNATURE.length + 4);
  }

  get rows(): number {
    return this.#rows;
  }

  /** The buffer the rows are in (grown ones replace the first): hand it back to its pool when done. */
  get buffer(): Buffer<ArrayBuffer> {
    return this.#buffer;
  }

  /** Appends one row, its values in column order. */
  add(values: readonly CopyValue[]): void {
    const columns = this.#columns;
    this.#room(2);
    this.#used = this.#buffer.writeInt16BE(columns.length, this.#used);
    for (let i = 0; i < columns.length; i++) this.#field(columns[i], values[i] ?? null);
    this.#rows++;
  }

  /**
   * Appends one row: `values` for all its columns but the last, a text column that `write` writes
   * piece by piece. A long text made of many strings is then never joined into one first.
   */
  addWithText(values: readonly CopyValue[], write: (text: CopyText) => void): void {
    const columns = this.#columns;
    if (values.length !== columns.length - 1 || columns[values.length] !== "text") {
      throw new Error("addWithText needs a value for every column but the last, a text one");
    }
    const rowStart = this.#used;
    try {
      this.#room(2);
      this.#used = this.#buffer.writeInt16BE(columns.length, this.#used);
      for (let i = 0; i < values.length; i++) this.#field(columns[i], values[i] ?? null);
      this.#room(4);
      const lengthAt = this.#used;
      this.#used += 4;
      this.#textStart = this.#used;
      write(this.#text);
      this.#buffer.writeInt32BE(this.#used - this.#textStart, lengthAt);
    } catch (error) {
      // The rows so far stay whole.
      this.#used = rowStart;
      throw error;
    }
    this.#rows++;
  }

  #field(type: CopyColumn | undefined, value: CopyValue): void {
    if (value === null) {
      this.#room(4);
      this.#used = this.#buffer.writeInt32BE(-1, this.#used);
    } else if (type === "text") {
      const text = String(value);
      // UTF-8 takes at most 3 bytes per UTF-16 code unit.
      this.#room(4 + text.length * 3);
      const length = this.#buffer.write(text, this.#used + 4, "utf8");
      this.#buffer.writeInt32BE(length, this.#used);
      this.#used += 4 + length;
    } else if (type === "int4") {
      this.#room(8);
      this.#used = this.#buffer.writeInt32BE(4, this.#used);
      this.#used = this.#buffer.writeInt32BE(Number(value), this.#used);
    } else {
      // Microseconds stay exact in a double for any date this side of year 287,000.
      const micros = (Number(value) - EPOCH_2000_MS) * 1000;
      const high = Math.floor(micros / 2 ** 32);
      this.#room(12);
      this.#used = this.#buffer.writeInt32BE(8, this.#used);
      this.#used = this.#buffer.writeInt32BE(high, this.#used);
      this.#used = this.#buffer.writeUInt32BE(micros - high * 2 ** 32, this.#used);
    }
  }

  // Where the text field being written by addWithText starts.
  #textStart = 0;
  readonly #text: CopyText = {
    append: (text) => {
      this.#room(text.length * 3);
      this.#used += this.#buffer.write(text, this.#used, "utf8");
    },
    appendByte: (byte) => {
      this.#room(1);
      this.#buffer[this.#used++] = byte;
    },
    appendInteger: (value) => {
      if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a non-negative integer: ${value}`);
      let digits = 1;
      for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
      this.#room(digits);
      let rest = value;
      for (let at = this.#used + digits - 1; at >= this.#used; at--) {
        this.#buffer[at] = DIGIT_ZERO + (rest % 10);
        rest = Math.floor(rest / 10);
      }
      this.#used += digits;
    },
    setByte: (at, byte) => {
      if (at < 0 || this.#textStart + at >= this.#used) throw new Error(`no byte ${at} in the text yet`);
      this.#buffer[this.#textStart + at] = byte;
    },
    written: () => this.#used - this.#textStart,
  };

  /** The COPY input: the rows so far and the trailer (a view: do not add more while it is in use). */
  bytes(): Uint8Array<ArrayBuffer> {
    this.#room(2);
    this.#buffer.writeInt16BE(-1, this.#used);
    return this.#buffer.subarray(0, this.#used + 2);
  }

  #room(bytes: number): void {
    // Two bytes more than asked: the trailer always fits.
    if (this.#used + bytes + 2 <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#used + bytes + 2));
    this.#buffer.copy(grown, 0, 0, this.#used);
    this.#buffer = grown;
  }
}

/**
 * Buffers handed out again once given back: a batch's rows need a few MB until its write is done,
 * and a new buffer per batch is external memory that only a garbage collection gives back (it
 * showed as ~90 MB of RSS during an import).
 */
export class BufferPool {
  readonly #free: Array<Buffer<ArrayBuffer>> = [];
  readonly #bytes: number;

  constructor(bytes: number) {
    this.#bytes = bytes;
  }

  take(): Buffer<ArrayBuffer> {
    return this.#free.pop() ?? Buffer.allocUnsafe(this.#bytes);
  }

  /** Keeps a buffer for later; a few at most, and only of the pool's size or more. */
  give(buffer: Buffer<ArrayBuffer>): void {
    if (this.#free.length < 4 && buffer.length >= this.#bytes) this.#free.push(buffer);
  }
}
