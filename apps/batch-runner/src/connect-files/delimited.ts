import { Buffer } from "node:buffer";
import { BridgeError } from "@responsys-bridge/core";

/** Why a span of the input is not a record. */
export type RecordProblem = "unclosed_quote" | "too_long";

/**
 * One record, or a span that cannot be read as one. Lines are physical lines (counted by LF, the
 * first is 1): a record carries the line where it ends, as csv-parse's `info.lines` did (stored
 * checkpoints depend on it); a problem carries the line where the broken record starts.
 */
export type DelimitedRecord =
  | { line: number; fields: string[]; problem?: undefined }
  | { line: number; fields?: undefined; problem: RecordProblem };

export interface DelimitedOptions {
  /** One character other than a quote, CR or LF. */
  delimiter: string;
  /** A record that does not end within this many bytes is a problem; default 1 MiB. */
  maxRecordBytes?: number;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BOM = [0xef, 0xbb, 0xbf];
const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
// Below this, appending a read to the pending bytes allocates room for a few reads at once.
const MIN_STORAGE_BYTES = 64 * 1024;

/**
 * A streaming parser for delimited text in UTF-8: `push` bytes as they are read, then take records
 * with `next` until it returns undefined (it needs more bytes, or after `end` there are none).
 *
 * The rules are those the Connect reader had with csv-parse (relax_quotes, skip_empty_lines):
 * a field that starts with `"` is quoted, `""` inside it is one quote, and it may hold delimiters
 * and line breaks; a quote anywhere else is an ordinary character, and so is a closing quote not
 * followed by the delimiter or the line end (the field then keeps its quotes). LF and CRLF both
 * end lines, empty lines are skipped, a UTF-8 BOM at the start is dropped. A record that never
 * ends (an unclosed quote) or outgrows `maxRecordBytes` is reported as a problem on its first
 * line, and parsing goes on from the next physical line.
 *
 * Only bytes that are ASCII in UTF-8 (LF, CR, the quote) are looked for in the raw bytes, so a
 * multi-byte character split between two reads is never cut: each line is decoded whole.
 */
export class DelimitedParser {
  readonly #delimiter: string;
  readonly #delimiterCode: number;
  readonly #maxRecordBytes: number;
  /** Unparsed input is `#buf[#start..]`; `#buf` is a read itself, or a view of `#storage`. */
  #buf: Buffer = Buffer.alloc(0);
  #start = 0;
  #storage: Buffer | undefined;
  /** Physical lines (LFs) before `#start`. */
  #line = 0;
  #ended = false;
  #bomChecked = false;
  /** A problem was reported: drop bytes up to and including the next LF. */
  #skipping = false;
  /** Index of a quote at or after the current line, or -1: none in `[#start, #quoteFreeTo)`. */
  #nextQuote = -1;
  #quoteFreeTo = 0;
  /** No LF in `[#lfSearchedFrom, #lfFreeTo)`: searches resume there (linear time with tiny reads). */
  #lfSearchedFrom = 0;
  #lfFreeTo = 0;
  /** The field count of the last line split, to size the next one's array. */
  #width = 1;
  /** A quoted record waits for an LF at or after this index (or the end); -1 when none waits. */
  #waitingFrom = -1;

  constructor(options: DelimitedOptions) {
    const { delimiter } = options;
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\r" || delimiter === "\n") {
      throw new BridgeError({
        code: "INVALID_DELIMITER",
        message: `the delimiter must be one character other than a double quote, CR or LF (got ${JSON.stringify(delimiter)})`,
      });
    }
    this.#delimiter = delimiter;
    this.#delimiterCode = delimiter.charCodeAt(0);
    this.#maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /** Adds the next bytes of the input. The parser may read `chunk` until the next push: do not reuse it. */
  push(chunk: Uint8Array): void {
    if (this.#ended) throw new Error("DelimitedParser: push after end");
    if (chunk.length === 0) return;
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const pending = this.#buf.length - this.#start;
    if (pending === 0) {
      // Nothing left over: parse the read where it lies, without a copy.
      this.#rebase(this.#start);
      this.#buf = bytes;
      return;
    }
    const size = pending + bytes.length;
    const storage = this.#storage;
    if (
      storage !== undefined &&
      this.#buf.buffer === storage.buffer &&
      this.#buf.length + bytes.length <= storage.length
    ) {
      storage.set(bytes, this.#buf.length);
      this.#buf = storage.subarray(0, this.#buf.length + bytes.length);
      return;
    }
    // Move the pending bytes to the front of the storage (grown when too small), then append.
    const target =
      storage !== undefined && storage.length >= size
        ? storage
        : Buffer.allocUnsafe(Math.max(size * 2, MIN_STORAGE_BYTES));
    // Buffer#copy is a memmove: the source may overlap the target when both are the storage.
    this.#buf.copy(target, 0, this.#start);
    target.set(bytes, pending);
    this.#storage = target;
    this.#rebase(this.#start);
    this.#buf = target.subarray(0, size);
  }

  /** Marks the end of the input: what is left is parsed as the last line. */
  end(): void {
    this.#ended = true;
  }

  /** True once `end` was called: then `next` returning undefined means the input is done. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes held for records not yet complete (bounded by about maxRecordBytes plus one read). */
  get bufferedBytes(): number {
    return this.#buf.length - this.#start;
  }

  /** The next record or problem; undefined when more bytes are needed, or after the end. */
  next(): DelimitedRecord | undefined {
    for (;;) {
      if (!this.#bomChecked && !this.#skipBom()) return undefined;
      if (this.#skipping && !this.#skipLine()) return undefined;
      const start = this.#start;
      const end = this.#buf.length;
      if (start >= end) return undefined;
      if (this.#waitingFrom >= 0) {
        if (!this.#ended && this.#findLf(this.#waitingFrom) === -1) {
          return end - start > this.#maxRecordBytes ? this.#problem("unclosed_quote") : undefined;
        }
        this.#waitingFrom = -1;
      }
      const lf = this.#findLf(start);
      if (lf === -1 && !this.#ended) {
        return end - start > this.#maxRecordBytes ? this.#problem("too_long") : undefined;
      }
      const lineEnd = lf === -1 ? end : lf;
      if (lineEnd - start > this.#maxRecordBytes) return this.#problem("too_long");
      const contentEnd = lineEnd > start && this.#buf[lineEnd - 1] === CR ? lineEnd - 1 : lineEnd;
      if (contentEnd === start) {
        // An empty line: not a record.
        this.#start = lf === -1 ? end : lf + 1;
        if (lf !== -1) this.#line++;
        continue;
      }
      if (this.#quoteAt(start) >= lineEnd) {
        const fields = splitLine(this.#decode(start, contentEnd), this.#delimiter, this.#width);
        this.#width = fields.length;
        return this.#finish(fields, lf, 0);
      }
      return this.#readQuoted(start, lf);
    }
  }

  /** A record whose first line holds a quote: the line and those a quoted field runs into. */
  #readQuoted(start: number, firstLf: number): DelimitedRecord | undefined {
    const delimiter = this.#delimiter;
    const delimiterCode = this.#delimiterCode;
    let lf = firstLf;
    let text = this.#decode(start, lf === -1 ? this.#buf.length : lf);
    let lineEnd = contentLength(text);
    let extraLines = 0;
    const fields: string[] = [];
    let at = 0;
    for (;;) {
      if (at < lineEnd && text.charCodeAt(at) === QUOTE) {
        let value = "";
        let from = at + 1;
        let search = from;
        for (;;) {
          const quote = text.indexOf('"', search);
          if (quote === -1) {
            // The quoted field runs on past this line: take in the lines up to the next quote.
            const buf = this.#buf;
            if (lf === -1) return this.#problem("unclosed_quote");
            const nextQuote = buf.indexOf(QUOTE, lf + 1);
            if (nextQuote === -1) {
              if (this.#ended || buf.length - start > this.#maxRecordBytes)
                return this.#problem("unclosed_quote");
              this.#waitingFrom = buf.length;
              return undefined;
            }
            const nextLf = this.#findLf(nextQuote);
            if (nextLf === -1 && !this.#ended) {
              if (buf.length - start > this.#maxRecordBytes) return this.#problem("unclosed_quote");
              this.#waitingFrom = buf.length;
              return undefined;
            }
            const spanEnd = nextLf === -1 ? buf.length : nextLf;
            if (spanEnd - start > this.#maxRecordBytes) return this.#problem("unclosed_quote");
            extraLines += countLf(buf, lf, spanEnd);
            search = text.length;
            text += this.#decode(lf, spanEnd);
            lineEnd = contentLength(text);
            lf = nextLf;
            continue;
          }
          const after = text.charCodeAt(quote + 1);
          if (after === QUOTE) {
            value += text.slice(from, quote + 1);
            from = quote + 2;
            search = from;
            continue;
          }
          if (quote + 1 === lineEnd || after === delimiterCode) {
            value += text.slice(from, quote);
            at = quote + 1;
            break;
          }
          // A closing quote inside the field: the field is kept as written, quotes included.
          const fieldEnd = fieldEndAt(text, delimiter, quote + 1, lineEnd);
          value = `"${value}${text.slice(from, fieldEnd)}`;
          at = fieldEnd;
          break;
        }
        fields.push(value);
      } else {
        const fieldEnd = fieldEndAt(text, delimiter, at, lineEnd);
        fields.push(text.slice(at, fieldEnd));
        at = fieldEnd;
      }
      if (at >= lineEnd) return this.#finish(fields, lf, extraLines);
      at++;
    }
  }

  #finish(fields: string[], lf: number, extraLines: number): DelimitedRecord {
    this.#line += 1 + extraLines;
    this.#start = lf === -1 ? this.#buf.length : lf + 1;
    return { line: this.#line, fields };
  }

  #problem(problem: RecordProblem): DelimitedRecord {
    this.#skipping = true;
    this.#waitingFrom = -1;
    return { line: this.#line + 1, problem };
  }

  /** Drops the rest of the current line; false when it goes on past the bytes at hand. */
  #skipLine(): boolean {
    const lf = this.#findLf(this.#start);
    if (lf === -1) {
      this.#start = this.#buf.length;
      if (!this.#ended) return false;
    } else {
      this.#start = lf + 1;
      this.#line++;
    }
    this.#skipping = false;
    return true;
  }

  #skipBom(): boolean {
    const buf = this.#buf;
    if (buf.length - this.#start < BOM.length && !this.#ended) return false;
    if (BOM.every((byte, index) => buf[this.#start + index] === byte)) this.#start += BOM.length;
    this.#bomChecked = true;
    return true;
  }

  #findLf(from: number): number {
    const buf = this.#buf;
    const lf = buf.indexOf(LF, from >= this.#lfSearchedFrom ? Math.max(from, this.#lfFreeTo) : from);
    if (lf === -1) {
      this.#lfSearchedFrom = from;
      this.#lfFreeTo = buf.length;
    }
    return lf;
  }

  /** The first quote at or after `from`, or Infinity when there is none in the bytes at hand. */
  #quoteAt(from: number): number {
    if (this.#nextQuote >= from) return this.#nextQuote;
    const buf = this.#buf;
    const quote = buf.indexOf(QUOTE, Math.max(from, this.#quoteFreeTo));
    this.#nextQuote = quote;
    if (quote === -1) {
      this.#quoteFreeTo = buf.length;
      return Number.POSITIVE_INFINITY;
    }
    return quote;
  }

  #decode(from: number, to: number): string {
    return this.#buf.toString("utf8", from, to);
  }

  /** The bytes before `offset` are dropped: indexes into the buffer move down with them. */
  #rebase(offset: number): void {
    this.#start -= offset;
    this.#nextQuote = this.#nextQuote >= offset ? this.#nextQuote - offset : -1;
    this.#quoteFreeTo = Math.max(0, this.#quoteFreeTo - offset);
    this.#lfSearchedFrom = Math.max(0, this.#lfSearchedFrom - offset);
    this.#lfFreeTo = Math.max(0, this.#lfFreeTo - offset);
    if (this.#waitingFrom >= 0) this.#waitingFrom = Math.max(0, this.#waitingFrom - offset);
  }
}

/** The length of a line's text without the CR of a CRLF (or of a CR at the very end). */
function contentLength(text: string): number {
  return text.charCodeAt(text.length - 1) === CR ? text.length - 1 : text.length;
}

/** The number of LFs in `buf[from..to)`. */
function countLf(buf: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = buf.indexOf(LF, from); at !== -1 && at < to; at = buf.indexOf(LF, at + 1)) count++;
  return count;
}

/** Where an unquoted field that starts at `from` ends: at the next delimiter or the line end. */
function fieldEndAt(text: string, delimiter: string, from: number, lineEnd: number): number {
  const next = text.indexOf(delimiter, from);
  return next === -1 || next > lineEnd ? lineEnd : next;
}

/**
 * The fields of a line without quotes. By hand, as it measured faster than String#split here,
 * into an array sized for `expected` fields (the previous record's count), so it is not regrown.
 */
function splitLine(text: string, delimiter: string, expected: number): string[] {
  const fields = new Array<string>(expected);
  let count = 0;
  let from = 0;
  for (;;) {
    const at = text.indexOf(delimiter, from);
    if (at === -1) break;
    fields[count++] = text.slice(from, at);
    from = at + 1;
  }
  fields[count++] = text.slice(from);
  if (count !== expected) fields.length = count;
  return fields;
}
