import { BridgeError } from "@responsys-bridge/core";

/**
 * The fields of one file's events, in the order the events table keeps their values. A row's
 * `data` is a JSON array of values by these columns (null where the event has no such field),
 * and `import_files.columns` holds the names once for the file; the `event_data` view joins
 * them back into objects. Repeating every field name in every row made the events table about
 * twice as large (481 MB against 251 MB for the 1M-row bench file), and PostgreSQL took ~1.6×
 * longer to ingest it.
 *
 * Columns are found in the order the file's events show them, after those of `seed` (what earlier
 * attempts at the file committed), and are only ever appended: a committed row never changes
 * meaning, however often the file is resumed.
 */
export class EventColumns {
  readonly #names: string[];
  readonly #index = new Map<string, number>();

  constructor(seed: readonly string[] = []) {
    this.#names = [];
    for (const name of seed) this.#add(name);
  }

  /** The columns found so far. */
  get names(): readonly string[] {
    return this.#names;
  }

  /** How many columns there are; a batch that saw new ones commits the list. */
  get count(): number {
    return this.#names.length;
  }

  /** The event's values as the JSON text of an array by column. */
  json(event: Readonly<Record<string, unknown>>): string {
    const names = this.#names;
    const values: unknown[] = [];
    // A Connect event's keys are a subsequence of the columns, in column order (empty cells are
    // left out): most keys are found by walking on, without a map lookup.
    let next = 0;
    for (const key in event) {
      let at = next < names.length && names[next] === key ? next : this.#index.get(key);
      if (at === undefined) at = this.#add(key);
      while (values.length < at) values.push(null);
      values[at] = event[key];
      next = at + 1;
    }
    return JSON.stringify(values);
  }

  #add(name: string): number {
    const known = this.#index.get(name);
    if (known !== undefined) return known;
    const at = this.#names.length;
    this.#names.push(name);
    this.#index.set(name, at);
    return at;
  }
}

/** `import_files.columns` as stored: a JSON array of names, or null before the first batch. */
export function parseColumns(text: string | null, fileId: number): string[] | null {
  if (text === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((name) => typeof name === "string")) {
    throw new BridgeError({
      code: "STORE_CORRUPT",
      message: `import_files.columns of file ${fileId} is not a JSON array of names: ${text.slice(0, 80)}`,
      retryable: false,
    });
  }
  return parsed;
}
