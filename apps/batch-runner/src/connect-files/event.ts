import { BridgeError } from "@responsys-bridge/core";
import type { Channel, ConnectFileName } from "./name.ts";
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

const DATE_COLUMN = "event_captured_dt";
const READER_FIELDS = new Set(["event", "channel", "account_id", "_ts"]);
// Events are copies of a template per set of non-empty cells (see RowEvents). A file whose rows
// leave ever new cells empty gets no more templates than this; further rows are built cell by cell.
const MAX_TEMPLATES = 64;
// The set of non-empty cells is a bit mask in a 31-bit integer.
const MAX_TEMPLATE_COLUMNS = 30;

/**
 * Turns the rows of one Connect file into events, by the columns of its header row.
 *
 * Speed matters here (a million rows a run, and every event of a chunk lives long enough to be
 * copied by the garbage collector): an event is a spread copy of a template object that already
 * has the event's keys, in the order they would be added, so V8 allocates it whole, with its
 * fields inside, instead of growing it key by key. Rows with the same empty cells share a template.
 */
export class RowEvents {
  readonly #file: ConnectFileName;
  readonly #width: number;
  readonly #dateIndex: number;
  /** Columns copied into events (all but those named like the fields the reader sets itself). */
  readonly #indexes: number[];
  readonly #names: string[];
  readonly #timestamps = new ConnectTimestampReader();
  readonly #templates = new Map<number, ConnectEvent>();
  #lastMask = -1;
  #lastTemplate: ConnectEvent | undefined;
  // Neighbouring rows often share their EVENT_CAPTURED_DT: the last one read is kept.
  #lastCaptured: string | undefined;
  #lastTs = "";

  private constructor(file: ConnectFileName, columns: string[], dateIndex: number) {
    this.#file = file;
    this.#width = columns.length;
    this.#dateIndex = dateIndex;
    this.#indexes = [];
    this.#names = [];
    columns.forEach((name, index) => {
      if (READER_FIELDS.has(name) || name === "__proto__") return;
      this.#indexes.push(index);
      this.#names.push(name);
    });
  }

  /** Reads the header row: column names are trimmed and lower-cased, and must include EVENT_CAPTURED_DT. */
  static fromHeader(fields: string[], file: ConnectFileName, fileLabel: string): RowEvents {
    const columns = fields.map((name) => name.trim().toLowerCase());
    if (columns.some((name) => name.includes("\u0000"))) {
      throw new BridgeError({
        code: "CONNECT_FILE_BAD_HEADER",
        message: `${fileLabel}: the header row holds NUL characters; the file looks UTF-16 encoded, and Connect files are read as UTF-8`,
      });
    }
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
    return new RowEvents(file, columns, dateIndex);
  }

  /** The row as an event, or the reason it cannot be one (a wrong column count, a bad date). */
  toEvent(record: string[]): ConnectEvent | string {
    if (record.length !== this.#width) return `expected ${this.#width} columns, found ${record.length}`;
    const captured = record[this.#dateIndex] ?? "";
    if (captured !== this.#lastCaptured) {
      if (captured.trim() === "") return "EVENT_CAPTURED_DT is empty";
      const ts = this.#timestamps.read(captured);
      if (ts === undefined) return `EVENT_CAPTURED_DT "${captured}" is not a DD-Mon-YYYY HH24:MI:SS date`;
      this.#lastCaptured = captured;
      this.#lastTs = ts;
    }
    return this.#build(record, this.#lastTs);
  }

  #build(record: string[], ts: string): ConnectEvent {
    const indexes = this.#indexes;
    const names = this.#names;
    // Empty cells are absent values: writing "" would let set()/email() mappings record blanks.
    let mask = 0;
    if (indexes.length <= MAX_TEMPLATE_COLUMNS) {
      for (let at = 0; at < indexes.length; at++) {
        if (record[indexes[at] ?? 0] !== "") mask |= 1 << at;
      }
    }
    const template = this.#template(mask);
    if (template === undefined) return this.#buildCellByCell(record, ts);
    const event: ConnectEvent = { ...template };
    event._ts = ts;
    for (let at = 0; at < indexes.length; at++) {
      const name = names[at];
      if ((mask & (1 << at)) !== 0 && name !== undefined) event[name] = record[indexes[at] ?? 0];
    }
    return event;
  }

  /** The template for rows whose non-empty copied cells are `mask`; undefined past the limits. */
  #template(mask: number): ConnectEvent | undefined {
    if (mask === this.#lastMask) return this.#lastTemplate;
    if (this.#indexes.length > MAX_TEMPLATE_COLUMNS) return undefined;
    let template = this.#templates.get(mask);
    if (template === undefined) {
      if (this.#templates.size >= MAX_TEMPLATES) return undefined;
      template = this.#base("");
      for (let at = 0; at < this.#names.length; at++) {
        const name = this.#names[at];
        if ((mask & (1 << at)) !== 0 && name !== undefined) template[name] = "";
      }
      template = inObjectCopy(template);
      this.#templates.set(mask, template);
    }
    this.#lastMask = mask;
    this.#lastTemplate = template;
    return template;
  }

  #buildCellByCell(record: string[], ts: string): ConnectEvent {
    const event = this.#base(ts);
    for (let at = 0; at < this.#indexes.length; at++) {
      const value = record[this.#indexes[at] ?? 0];
      const name = this.#names[at];
      if (value !== undefined && value !== "" && name !== undefined) event[name] = value;
    }
    return event;
  }

  #base(ts: string): ConnectEvent {
    return {
      event: this.#file.event,
      channel: this.#file.channel,
      account_id: this.#file.accountId,
      _ts: ts,
    };
  }
}

/**
 * The same object, rebuilt by JSON.parse: V8 gives a parsed object all its fields inside the
 * object, and spread copies of it keep that layout (no separate property array per event).
 * The cast is safe: the input is a ConnectEvent of strings, which JSON round-trips unchanged.
 */
function inObjectCopy(event: ConnectEvent): ConnectEvent {
  return JSON.parse(JSON.stringify(event)) as ConnectEvent;
}
