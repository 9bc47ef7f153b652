import { BridgeError } from "@responsys-bridge/core";
import { DelimitedParser, type DelimitedRecord, type RecordProblem } from "./delimited.ts";
import { type ConnectEvent, RowEvents } from "./event.ts";
import type { ConnectFileName } from "./name.ts";
import { openPlaintext } from "./plaintext.ts";

export type { ConnectEvent } from "./event.ts";

/** A row that could not become an event; kept and counted, it never stops the file. */
export interface RejectedRow {
  file: string;
  line: number;
  reason: string;
}

export interface EventChunk {
  events: Array<{ line: number; event: ConnectEvent }>;
  rejected: RejectedRow[];
  /** The last line this chunk covers; resume with `fromLine: lastLine`. */
  lastLine: number;
}

export interface ReadOptions {
  file: ConnectFileName;
  /** How rejected rows name the file (usually the remote path). */
  fileLabel: string;
  delimiter: string;
  zip: boolean;
  /** Lines up to and including this one are skipped (resume after a checkpoint). */
  fromLine?: number;
  /** Rows (events + rejected) per chunk; default 1000. */
  chunkSize?: number;
  /** Bytes per read from disk (tests use tiny reads to split characters across chunks). */
  readBufferBytes?: number;
  /** Told how many bytes of the file on disk (plaintext or zip) are read so far, after each read. */
  onBytesRead?: (bytes: number) => void;
}

// A record that does not end within this many bytes is rejected: a quote that never closes, or a
// line far longer than any Connect row. Parsing goes on from the next line.
const MAX_RECORD_BYTES = 1024 * 1024;
const PROBLEM_REASONS: Record<RecordProblem, string> = {
  unclosed_quote: "a quoted field is never closed",
  too_long: `the row is longer than ${MAX_RECORD_BYTES} bytes`,
};

/**
 * Streams a plaintext (or zip) Connect file as chunks of events; lines <= fromLine are skipped
 * (resume). Memory stays bounded by the chunk size. Line numbers are physical lines, the header is
 * line 1; a row's line is the one where it ends (a quoted field may span lines).
 */
export async function* readConnectEvents(path: string, options: ReadOptions): AsyncGenerator<EventChunk> {
  const parser = new DelimitedParser({ delimiter: options.delimiter, maxRecordBytes: MAX_RECORD_BYTES });
  const chunker = new EventChunker(options);
  const { stream: source, bytesRead } = openPlaintext(path, options.zip, options.readBufferBytes);
  const reads = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const full = chunker.fill(parser);
      if (full !== undefined) {
        yield full;
        continue;
      }
      if (parser.ended) break;
      const read = await nextRead(reads, options.fileLabel);
      options.onBytesRead?.(bytesRead());
      if (read === undefined) parser.end();
      else parser.push(read);
    }
  } finally {
    source.destroy();
  }
  const last = chunker.rest();
  if (last !== undefined) yield last;
}

/**
 * Turns parsed records into chunks of events. It is synchronous on purpose: the per-row loop runs
 * as plain code, outside the async generator.
 */
class EventChunker {
  readonly #file: ConnectFileName;
  readonly #fileLabel: string;
  readonly #fromLine: number;
  readonly #chunkSize: number;
  #rows: RowEvents | undefined;
  #chunk: EventChunk;
  #count = 0;

  constructor(options: ReadOptions) {
    this.#file = options.file;
    this.#fileLabel = options.fileLabel;
    this.#fromLine = options.fromLine ?? 0;
    this.#chunkSize = options.chunkSize ?? 1000;
    this.#chunk = { events: [], rejected: [], lastLine: this.#fromLine };
  }

  /** Takes records until a chunk is full (returned) or the parser needs more bytes (undefined). */
  fill(parser: DelimitedParser): EventChunk | undefined {
    for (let record = parser.next(); record !== undefined; record = parser.next()) {
      const { line } = record;
      const rows = this.#rows;
      if (rows === undefined) {
        this.#rows = this.#readHeader(record);
        continue;
      }
      if (line <= this.#fromLine) continue;
      const chunk = this.#chunk;
      if (record.problem !== undefined) {
        chunk.rejected.push({ file: this.#fileLabel, line, reason: PROBLEM_REASONS[record.problem] });
      } else {
        const result = rows.toEvent(record.fields);
        if (typeof result === "string") chunk.rejected.push({ file: this.#fileLabel, line, reason: result });
        else chunk.events.push({ line, event: result });
      }
      chunk.lastLine = line;
      if (++this.#count >= this.#chunkSize) {
        this.#chunk = { events: [], rejected: [], lastLine: line };
        this.#count = 0;
        return chunk;
      }
    }
    return undefined;
  }

  /** The last chunk, partly filled; undefined when it holds no row. */
  rest(): EventChunk | undefined {
    return this.#count > 0 ? this.#chunk : undefined;
  }

  #readHeader(record: DelimitedRecord): RowEvents {
    if (record.problem !== undefined) {
      throw new BridgeError({
        code: "CONNECT_FILE_BAD_HEADER",
        message: `${this.#fileLabel}: the header row cannot be read (${PROBLEM_REASONS[record.problem]})`,
      });
    }
    return RowEvents.fromHeader(record.fields, this.#file, this.#fileLabel);
  }
}

/** The next read of the plaintext, undefined at its end; a failure names the file. */
async function nextRead(reads: AsyncIterator<unknown>, fileLabel: string): Promise<Uint8Array | undefined> {
  let step: IteratorResult<unknown>;
  try {
    step = await reads.next();
  } catch (error) {
    throw readError(fileLabel, error);
  }
  if (step.done) return undefined;
  if (step.value instanceof Uint8Array) return step.value;
  throw readError(fileLabel, new Error(`the plaintext stream gave ${typeof step.value} instead of bytes`));
}

function readError(fileLabel: string, error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BridgeError({
    code: "CONNECT_FILE_UNREADABLE",
    message: `${fileLabel} cannot be read: ${message}`,
    cause: error,
  });
}
