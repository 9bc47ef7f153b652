import type { Readable } from "node:stream";
import { BridgeError } from "@responsys-bridge/core";
import { type CsvError, type Info, parse } from "csv-parse";
import type { Channel, ConnectFileName } from "./name.ts";
import { openPlaintext } from "./plaintext.ts";
import { ConnectTimestampReader } from "./timestamp.ts";

/** One Connect row as an event: lower-cased columns (empty ones left out) plus the four below. */
export interface ConnectEvent {
  [column: string]: unknown;
  event: string;
  channel: Channel;
  account_id: string;
  /** EVENT_CAPTURED_DT as ISO 8601 UTC with milliseconds. */
  _ts: string;
}

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
}

// A quoted field longer than this is taken as a quote that never closes.
const MAX_RECORD_BYTES = 1024 * 1024;
const DATE_COLUMN = "event_captured_dt";

interface Header {
  columns: string[];
  dateIndex: number;
  /** Columns copied into events: all but those named like the fields the reader sets itself. */
  copied: Array<{ index: number; name: string }>;
}

const READER_FIELDS = new Set(["event", "channel", "account_id", "_ts"]);

/** A position in the plaintext where parsing can (re)start. */
interface Segment {
  /** Byte offset of the segment's first line. */
  start: number;
  /** Line number of the line before the segment's first line. */
  lineOffset: number;
}

/**
 * Streams a plaintext (or zip) Connect file as chunks of events; lines <= fromLine are skipped
 * (resume). Memory stays bounded by the chunk size. Line numbers are physical lines, the header is line 1.
 */
export async function* readConnectEvents(path: string, options: ReadOptions): AsyncGenerator<EventChunk> {
  const fromLine = options.fromLine ?? 0;
  const chunkSize = options.chunkSize ?? 1000;
  const { file, fileLabel } = options;
  const timestamps = new ConnectTimestampReader();
  let header: Header | undefined;
  let chunk: EventChunk = { events: [], rejected: [], lastLine: fromLine };
  let segment: Segment | undefined = { start: 0, lineOffset: 0 };

  while (segment !== undefined) {
    const current: Segment = segment;
    segment = undefined;
    // csv-parse cannot recover from a quote that never closes: it swallows the rest of the file.
    // Such an error ends this segment; parsing restarts on the line after the broken one.
    let fatal: { code: string; bytes: number } | undefined;
    const source = openPlaintext(path, options.zip, current.start, options.readBufferBytes);
    const parser = source.pipe(
      parse({
        delimiter: options.delimiter,
        info: true,
        bom: current.start === 0,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        skip_records_with_error: true,
        max_record_size: MAX_RECORD_BYTES,
        on_skip: (error: CsvError | undefined) => {
          if (error && fatal === undefined) fatal = { code: error.code, bytes: numberField(error, "bytes") };
          return undefined;
        },
      }),
    );
    source.on("error", (error) => parser.destroy(error));
    let lastLine = current.lineOffset;
    let lastBytes = 0;
    try {
      for await (const item of parser as AsyncIterable<{ record: string[]; info: Info }>) {
        const { record, info } = item;
        if (fatal !== undefined && info.bytes > fatal.bytes) break;
        const line = info.lines + current.lineOffset;
        lastLine = line;
        lastBytes = info.bytes;
        if (header === undefined) {
          header = readHeader(record, fileLabel);
          continue;
        }
        if (line <= fromLine) continue;
        const result = toEvent(record, header, file, timestamps);
        if (typeof result === "string") chunk.rejected.push({ file: fileLabel, line, reason: result });
        else chunk.events.push({ line, event: result });
        chunk.lastLine = line;
        if (chunk.events.length + chunk.rejected.length >= chunkSize) {
          yield chunk;
          chunk = { events: [], rejected: [], lastLine: line };
        }
      }
    } catch (error) {
      throw readError(fileLabel, error);
    } finally {
      source.destroy();
    }
    if (fatal !== undefined) {
      if (header === undefined) {
        throw new BridgeError({
          code: "CONNECT_FILE_BAD_HEADER",
          message: `${fileLabel}: the header row cannot be read (${fatal.code})`,
        });
      }
      const broken = await findBrokenLine(path, options.zip, current.start + lastBytes, lastLine);
      if (broken.line > fromLine) {
        chunk.rejected.push({ file: fileLabel, line: broken.line, reason: skipReason(fatal.code) });
        chunk.lastLine = broken.line;
      }
      if (broken.next !== undefined) segment = { start: broken.next, lineOffset: broken.line };
    }
  }
  if (chunk.events.length > 0 || chunk.rejected.length > 0) yield chunk;
}

function skipReason(code: string): string {
  return code === "CSV_QUOTE_NOT_CLOSED" || code === "CSV_MAX_RECORD_SIZE"
    ? "a quoted field is never closed"
    : `the row cannot be parsed (${code})`;
}

function readHeader(record: string[], fileLabel: string): Header {
  const columns = record.map((name) => name.trim().toLowerCase());
  const seen = new Set<string>();
  for (const column of columns) {
    if (column === "" || seen.has(column)) {
      throw new BridgeError({
        code: "CONNECT_FILE_BAD_HEADER",
        message: `${fileLabel}: the header row has ${column === "" ? "an empty" : `a duplicate "${column}"`} column name`,
      });
    }
    seen.add(column);
  }
  const dateIndex = columns.indexOf(DATE_COLUMN);
  if (dateIndex < 0) {
    throw new BridgeError({
      code: "CONNECT_FILE_BAD_HEADER",
      message: `${fileLabel}: the header row has no EVENT_CAPTURED_DT column (is the delimiter right? columns: ${columns.slice(0, 5).join(", ")})`,
    });
  }
  const copied = columns
    .map((name, index) => ({ index, name }))
    .filter(({ name }) => !READER_FIELDS.has(name) && name !== "__proto__");
  return { columns, dateIndex, copied };
}

function toEvent(
  record: string[],
  header: Header,
  file: ConnectFileName,
  timestamps: ConnectTimestampReader,
): ConnectEvent | string {
  const { columns } = header;
  if (record.length !== columns.length) return `expected ${columns.length} columns, found ${record.length}`;
  const captured = record[header.dateIndex] ?? "";
  if (captured.trim() === "") return "EVENT_CAPTURED_DT is empty";
  const ts = timestamps.read(captured);
  if (ts === undefined) return `EVENT_CAPTURED_DT "${captured}" is not a DD-Mon-YYYY HH24:MI:SS date`;
  const event: ConnectEvent = {
    event: file.event,
    channel: file.channel,
    account_id: file.accountId,
    _ts: ts,
  };
  for (const { index, name } of header.copied) {
    const value = record[index];
    // Empty cells are absent values: writing "" would let set()/email() mappings record blanks.
    if (value !== undefined && value !== "") event[name] = value;
  }
  return event;
}

/**
 * After the record that ended at byte `from` (on line `lastLine`) comes a line whose quote never
 * closes. Finds that line (skipping blank lines) and the byte offset of the line after it.
 */
async function findBrokenLine(
  path: string,
  zip: boolean,
  from: number,
  lastLine: number,
): Promise<{ line: number; next: number | undefined }> {
  const source: Readable = openPlaintext(path, zip, from);
  let line = lastLine + 1;
  let offset = from;
  let inLine = false;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      for (let index = 0; index < chunk.length; index++) {
        const byte = chunk[index];
        if (byte === 0x0a) {
          if (inLine) return { line, next: offset + index + 1 };
          line++;
        } else if (byte !== 0x0d) {
          inLine = true;
        }
      }
      offset += chunk.length;
    }
  } finally {
    source.destroy();
  }
  return { line, next: undefined };
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

/** CsvError carries its parser context as untyped own properties. */
function numberField(error: CsvError, name: string): number {
  const value: unknown = Reflect.get(error, name);
  return typeof value === "number" ? value : 0;
}
