/** One request the sandbox received, as the control API and `sandbox.requests()` report it. */
export interface RecordedRequest {
  id: number;
  /** Epoch milliseconds on the sandbox clock. */
  time: number;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** JSON bodies parsed, form bodies as an object of fields, anything else as text; null when empty. */
  body: unknown;
  /** API function name, or null for paths that are not a Responsys API function. */
  api: string | null;
  /** Status answered, or null when the connection was dropped before answering. */
  status: number | null;
  /** The fault applied to this request, if any. */
  fault: string | null;
}

export interface RequestFilter {
  /** Substring of the path. */
  path?: string | undefined;
  method?: string | undefined;
  api?: string | undefined;
}

/** How many requests are kept; a long-running demo sandbox drops the oldest beyond this. */
export const MAX_RECORDED_REQUESTS = 10_000;

/** Keeps the Responsys requests in arrival order (the latest MAX_RECORDED_REQUESTS) until reset. */
export class RequestRecorder {
  #records: RecordedRequest[] = [];
  #nextId = 1;
  readonly #max: number;

  constructor(max = MAX_RECORDED_REQUESTS) {
    this.#max = max;
  }

  start(entry: Omit<RecordedRequest, "id" | "status" | "fault">): RecordedRequest {
    const record: RecordedRequest = { id: this.#nextId++, ...entry, status: null, fault: null };
    this.#records.push(record);
    if (this.#records.length > this.#max) this.#records.splice(0, this.#records.length - this.#max);
    return record;
  }

  list(filter: RequestFilter = {}): RecordedRequest[] {
    return this.#records
      .filter(
        (record) =>
          (filter.path === undefined || record.path.includes(filter.path)) &&
          (filter.method === undefined || record.method === filter.method.toUpperCase()) &&
          (filter.api === undefined || record.api === filter.api),
      )
      .map((record) => structuredClone(record));
  }

  clear(): void {
    this.#records = [];
  }
}
