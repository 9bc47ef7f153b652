// Folding one part's users into profile shares. It runs in the fold workers (fold-worker.ts), so it
// imports nothing but erasable TypeScript: the partition reader and the mapper.
import { setImmediate } from "node:timers/promises";
import { type PartEvents, PartReader } from "../connect-files/partition.ts";
import { UserEventRows } from "../store/user-event-rows.ts";
import type { Profile, ProfileMapper } from "./profile-mapper.ts";
import type { ImportEvent } from "./sink.ts";

/** A row that the mapping could not read after all: a bad row, with its reason. */
export interface RejectedRow {
  line: number;
  reason: string;
}

/** A part to fold: its part file (complete), and what its users' events rows need. */
export interface PartToFold {
  path: string;
  /** The file's event columns: a record's values are by these. */
  columns: readonly string[];
  /** Where the users' events go as rows of user_events; undefined: not by user (no rows). */
  events?: PartEventRows | undefined;
}

export interface PartEventRows {
  fileId: number;
  /** Events on lines up to this one are rows of `events` already (see FileLease.eventRowsThrough). */
  after: number;
}

/** A part folded: user keys sorted (every writer's order), and each one's share as JSON text. */
export interface FoldedPart {
  keys: string[];
  shares: string[];
  /** Events the mapping cannot fold, in line order. */
  failed: RejectedRow[];
  /** The users' events, less those failed, as COPY rows for user_events (see UserEventRows); empty when not by user. */
  eventRows: Uint8Array<ArrayBuffer>;
}

/** Where parts are folded: in worker threads (FoldWorkers) or on the calling thread (InlineFolds). */
export interface PartFolds {
  /**
   * Folds the part. `spare` is the memory of an earlier part's eventRows, written and done with:
   * the new rows start in it. A new buffer per part was ~2–4 MB of memory outside V8's heap,
   * which V8 reclaims only after tens of MB of it have piled up.
   */
  fold(part: PartToFold, spare?: ArrayBuffer): Promise<FoldedPart>;
  /** Stops what folds; parts not folded yet fail. */
  close(): Promise<void>;
}

// How long an inline fold runs before the event loop gets a turn. A part takes ~35 ms to fold;
// the previous part's transaction, in flight meanwhile, needs a turn for each of its round trips.
const FOLD_SLICE_MS = 4;

/** Parts folded on the calling thread, a slice at a time, for a runner that cannot spare a worker's memory. */
export class InlineFolds implements PartFolds {
  readonly #mapper: ProfileMapper;
  readonly #reader = new PartReader();

  constructor(mapper: ProfileMapper) {
    this.#mapper = mapper;
  }

  async fold(part: PartToFold, spare?: ArrayBuffer): Promise<FoldedPart> {
    let users: Map<string, PartEvents>;
    try {
      users = this.#reader.read(part.path);
    } catch (error) {
      // Worded as the fold workers word it.
      throw new Error(`cannot fold ${part.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    let sliceStart = performance.now();
    return foldPart(this.#mapper, users, part, spare, () => {
      if (performance.now() - sliceStart < FOLD_SLICE_MS) return undefined;
      // I/O callbacks run before setImmediate's.
      return setImmediate().then(() => {
        sliceStart = performance.now();
      });
    });
  }

  async close(): Promise<void> {}
}

/**
 * Folds each user's events of the part at once, and gathers them as the user's row of events. An
 * event the mapping cannot read is a bad row, not a failed file: its user's events are folded
 * again one at a time to find it, and it is left out of the row.
 *
 * Shares are kept as text: it is what the upsert writes, and it is one string to hand from a
 * worker thread instead of a tree of objects. Only a user with a stored profile has the text parsed
 * again, to merge.
 */
export async function foldPart(
  mapper: ProfileMapper,
  users: Map<string, PartEvents>,
  part: Omit<PartToFold, "path">,
  /** Where the event rows start (see PartFolds.fold). */
  spare: ArrayBuffer | undefined,
  /** Asked every few users whether to wait (give the event loop a turn) before going on. */
  pause?: () => Promise<void> | undefined,
): Promise<FoldedPart> {
  const readEvent = eventReader(part.columns, mapper.reads);
  const failed: RejectedRow[] = [];
  const byKey = new Map<string, string>();
  const { events } = part;
  const eventRows = events === undefined ? undefined : new UserEventRows(events.fileId, spare);
  const after = events?.after ?? 0;
  // Events up to `after` are rows of `events` already (an older runner's).
  const unwritten = (event: { line: number }) => event.line > after;
  let folded = 0;
  for (const [key, group] of users) {
    // Every few users only: a user's fold takes ~50 µs.
    if (pause !== undefined && ++folded % 16 === 0) await pause();
    const failedBefore = failed.length;
    const share = foldGroup(mapper, group, readEvent, (item, error) =>
      failed.push({ line: item.line, reason: mappingRejection(error) }),
    );
    if (share === undefined) continue;
    byKey.set(key, JSON.stringify(share));
    if (eventRows === undefined) continue;
    if (failed.length === failedBefore) {
      eventRows.add(key, group, unwritten);
      continue;
    }
    const userFailed = new Set(failed.slice(failedBefore).map((row) => row.line));
    eventRows.add(key, group, (event) => unwritten(event) && !userFailed.has(event.line));
  }
  const keys = [...byKey.keys()].sort();
  failed.sort((a, b) => a.line - b.line);
  const rows = eventRows?.bytes() ?? new Uint8Array(0);
  return { keys, shares: keys.map((key) => byKey.get(key) ?? "{}"), failed, eventRows: rows };
}

function foldGroup(
  mapper: ProfileMapper,
  group: PartEvents,
  readEvent: (json: string) => ImportEvent,
  reject: (item: PartEvents[number], error: unknown) => void,
): Profile | undefined {
  try {
    return mapper.fold(
      {},
      group.map((item) => readEvent(item.json)),
    );
  } catch {
    let share: Profile | undefined;
    for (const item of group) {
      try {
        const one = mapper.share(readEvent(item.json));
        share = share === undefined ? one : mapper.merge(share, one);
      } catch (error) {
        reject(item, error);
      }
    }
    return share;
  }
}

/**
 * Reads a record's values (a JSON array by `columns`, null where the event had no such field) back
 * into an event of only the fields the mapping reads: it folds the same as the whole event.
 *
 * The store sink's records are arrays of strings and nulls. Without a backslash in the record, each
 * string ends at the next quote, so the wanted values are cut out without parsing the others:
 * ~1.7× faster than JSON.parse on the bench's records (measured), and the fold worker reads a
 * million of them per million rows. Anything else goes through JSON.parse.
 */
export function eventReader(
  columns: readonly string[],
  reads: readonly string[],
): (json: string) => ImportEvent {
  const picks: Array<{ at: number; name: string }> = [];
  for (const name of reads) {
    const at = columns.indexOf(name);
    if (at >= 0) picks.push({ at, name });
  }
  picks.sort((a, b) => a.at - b.at);
  const parsed = (json: string): ImportEvent => {
    const values: unknown = JSON.parse(json);
    if (!Array.isArray(values))
      throw new Error(`a part record is not an array of values: ${json.slice(0, 80)}`);
    const event: ImportEvent = {};
    for (const { at, name } of picks) {
      const value: unknown = values[at];
      if (value !== null && value !== undefined) event[name] = value;
    }
    return event;
  };
  return (json) => {
    if (json.charCodeAt(0) !== BRACKET || json.includes("\\")) return parsed(json);
    const event: ImportEvent = {};
    let pos = 1;
    let index = 0;
    for (const { at, name } of picks) {
      for (;;) {
        const first = json.charCodeAt(pos);
        let value: string | null;
        let next: number;
        if (first === QUOTE) {
          const end = json.indexOf('"', pos + 1);
          if (end < 0) return parsed(json);
          value = index === at ? copyOf(json, pos + 1, end) : null;
          next = end + 1;
        } else if (first === LETTER_N && json.startsWith("null", pos)) {
          value = null;
          next = pos + 4;
        } else if (first === CLOSING_BRACKET) {
          return event;
        } else {
          return parsed(json);
        }
        // Past the separator: the next value, or the closing bracket.
        pos = json.charCodeAt(next) === COMMA ? next + 1 : next;
        if (index++ !== at) continue;
        if (value !== null) event[name] = value;
        break;
      }
    }
    return event;
  };
}

/**
 * The text between `start` and `end`, in memory of its own. V8 makes a longer slice share its
 * parent's memory, here the whole part's text (a few MB), and the mapping's caches (email(),
 * urlmain(), hash()) keep values from part to part: a slice would keep every part read alive.
 * Prepending a character makes V8 copy the text; a slice of that copy shares only the copy.
 */
function copyOf(text: string, start: number, end: number): string {
  return end - start < SHARED_SLICE_CHARS ? text.slice(start, end) : ` ${text.slice(start, end)}`.slice(1);
}

// The length from which V8 shares a slice's memory with its parent instead of copying.
const SHARED_SLICE_CHARS = 13;
const BRACKET = 0x5b;
const CLOSING_BRACKET = 0x5d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const LETTER_N = 0x6e;

export function mappingRejection(error: unknown): string {
  return `mapping: ${error instanceof Error ? error.message : String(error)}`;
}
