// Imported by the fold workers: erasable TypeScript and node:buffer only.
import { Buffer } from "node:buffer";
import { type CopyColumn, CopyRows } from "./copy-rows.ts";

/** The user_events table's columns (file_id, profile_key, data), and their types. */
export const USER_EVENT_COLUMNS = "user_events (file_id, profile_key, data)";
export const USER_EVENT_COPY_COLUMNS: readonly CopyColumn[] = ["int4", "text", "text"];

/** One event of a user: its line and its record (a JSON array of its values, see EventColumns). */
export interface UserEvent {
  line: number;
  json: string;
}

const OPEN = 0x5b;
const CLOSE = 0x5d;
const COMMA = 0x2c;

// A part's rows are about as large as its part file: 1–2 MiB. Started at this and doubled as needed.
const START_BYTES = 256 * 1024;

/**
 * The COPY rows of one part's users for `user_events`: a row per user, its `data` the JSON array
 * of the user's events in line order, each `[line, …values]`. The buffer is the rows' own (not
 * from Node's shared pool), so a fold worker can hand it over to the main thread without a copy,
 * and the main thread hand it back for a later part once written (see PartFolds.fold).
 */
export class UserEventRows {
  readonly #fileId: number;
  readonly #copy: CopyRows;

  /** Starts in `spare` when given: the memory of an earlier part's rows, written and done with. */
  constructor(fileId: number, spare?: ArrayBuffer) {
    this.#fileId = fileId;
    const buffer =
      spare === undefined || spare.byteLength < START_BYTES
        ? Buffer.allocUnsafeSlow(START_BYTES)
        : Buffer.from(spare);
    this.#copy = new CopyRows(USER_EVENT_COPY_COLUMNS, 0, buffer);
  }

  /** Adds the user's events that `keep` keeps; a user with none gets no row. */
  add(key: string, events: readonly UserEvent[], keep: (event: UserEvent) => boolean): void {
    if (!events.some(keep)) return;
    // Written straight into the buffer, not joined into one string first: a million events'
    // records would otherwise become ~200 MB of short-lived strings for the garbage collector.
    this.#copy.addWithText([this.#fileId, key], (text) => {
      let first = true;
      text.appendByte(OPEN);
      for (const event of events) {
        if (!keep(event)) continue;
        if (!first) text.appendByte(COMMA);
        first = false;
        // "[v1,v2]" becomes "[line,v1,v2]": the record's own bracket turns into the comma.
        text.appendByte(OPEN);
        text.appendInteger(event.line);
        if (event.json.length <= 2) {
          text.appendByte(CLOSE);
          continue;
        }
        const bracket = text.written();
        text.append(event.json);
        text.setByte(bracket, COMMA);
      }
      text.appendByte(CLOSE);
    });
  }

  /** The COPY input, or no bytes at all when no user had events to keep. */
  bytes(): Uint8Array<ArrayBuffer> {
    if (this.#copy.rows === 0) return new Uint8Array(0);
    // A plain view, not a Buffer: what a worker's reply turns it into, so both folds look alike.
    const bytes = this.#copy.bytes();
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
}
