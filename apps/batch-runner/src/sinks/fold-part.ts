// Folding one part's users into profile shares. It runs in the fold workers (fold-worker.ts), so it
// imports nothing but erasable TypeScript: the partition reader and the mapper.
import { setImmediate } from "node:timers/promises";
import { type PartEvents, PartReader } from "../connect-files/partition.ts";
import type { Profile, ProfileMapper } from "./profile-mapper.ts";
import type { ImportEvent } from "./sink.ts";

/** A row that the mapping could not read after all: a bad row, with its reason. */
export interface RejectedRow {
  line: number;
  reason: string;
}

/** A part folded: user keys sorted (every writer's order), and each one's share as JSON text. */
export interface FoldedPart {
  keys: string[];
  shares: string[];
  /** Events the mapping cannot fold, in line order. */
  failed: RejectedRow[];
}

/** Where parts are folded: in worker threads (FoldWorkers) or on the calling thread (InlineFolds). */
export interface PartFolds {
  /** Folds the part in `path` (a part file, complete). */
  fold(path: string): Promise<FoldedPart>;
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

  fold(path: string): Promise<FoldedPart> {
    let sliceStart = performance.now();
    return foldPart(this.#mapper, this.#reader.read(path), () => {
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
 * Folds each user's events of the part at once. An event the mapping cannot read is a bad row,
 * not a failed file: its user's events are folded again one at a time to find it.
 *
 * Shares are kept as text: it is what the upsert writes, and it is one string to hand from a
 * worker thread instead of a tree of objects. Only a user with a stored profile has the text parsed
 * again, to merge.
 */
export async function foldPart(
  mapper: ProfileMapper,
  users: Map<string, PartEvents>,
  /** Asked every few users whether to wait (give the event loop a turn) before going on. */
  pause?: () => Promise<void> | undefined,
): Promise<FoldedPart> {
  const failed: RejectedRow[] = [];
  const byKey = new Map<string, string>();
  let folded = 0;
  for (const [key, group] of users) {
    // Every few users only: a user's fold takes ~50 µs.
    if (pause !== undefined && ++folded % 16 === 0) await pause();
    const share = foldGroup(mapper, group, (item, error) =>
      failed.push({ line: item.line, reason: mappingRejection(error) }),
    );
    if (share !== undefined) byKey.set(key, JSON.stringify(share));
  }
  const keys = [...byKey.keys()].sort();
  failed.sort((a, b) => a.line - b.line);
  return { keys, shares: keys.map((key) => byKey.get(key) ?? "{}"), failed };
}

function foldGroup(
  mapper: ProfileMapper,
  group: PartEvents,
  reject: (item: PartEvents[number], error: unknown) => void,
): Profile | undefined {
  try {
    return mapper.fold(
      {},
      group.map((item) => parseEvent(item.json)),
    );
  } catch {
    let share: Profile | undefined;
    for (const item of group) {
      try {
        const one = mapper.share(parseEvent(item.json));
        share = share === undefined ? one : mapper.merge(share, one);
      } catch (error) {
        reject(item, error);
      }
    }
    return share;
  }
}

/** Part records hold only events the store sink wrote: JSON objects. */
function parseEvent(json: string): ImportEvent {
  return JSON.parse(json) as ImportEvent;
}

export function mappingRejection(error: unknown): string {
  return `mapping: ${error instanceof Error ? error.message : String(error)}`;
}
