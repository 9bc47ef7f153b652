import {
  API_FUNCTIONS,
  type ApiFunction,
  DEFAULT_RATE_LIMITS,
  type Limiter,
  RATE_LIMIT_WINDOW_MS,
} from "@responsys-bridge/responsys-client";

/**
 * Per-API-function sliding window of the calls of one Responsys account, kept in the session
 * object's SQLite so it survives eviction: a call may go when fewer than `limit` calls of its
 * function went in the last 60 s (Responsys counts per function per minute, REF Throttling.html).
 * The client's in-memory RateLimiter follows the same rule; this one must outlive the isolate.
 */
export class CallWindow implements Limiter {
  readonly #sql: SqlStorage;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #limits: Record<ApiFunction, number> = { ...DEFAULT_RATE_LIMITS };

  constructor(sql: SqlStorage, options: { now?: () => number; sleep?: (ms: number) => Promise<void> } = {}) {
    this.#sql = sql;
    this.#now = options.now ?? (() => Date.now());
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Creates the table; call inside `blockConcurrencyWhile`. */
  migrate(): void {
    this.#sql.exec(
      "CREATE TABLE IF NOT EXISTS calls (api_function TEXT NOT NULL, at INTEGER NOT NULL);" +
        "CREATE INDEX IF NOT EXISTS calls_by_function ON calls (api_function, at);",
    );
  }

  /** Replaces limits (requests per minute); missing or unusable ones keep their current value. */
  setLimits(limits: Partial<Record<ApiFunction, number>>): void {
    for (const fn of API_FUNCTIONS) {
      const limit = limits[fn];
      if (limit !== undefined && Number.isFinite(limit) && limit >= 1) this.#limits[fn] = Math.floor(limit);
    }
  }

  /** The per-minute limits in force. */
  limits(): Record<ApiFunction, number> {
    return { ...this.#limits };
  }

  /** Takes a slot now and returns 0, or returns how many ms to wait before one frees up. */
  tryAcquire(apiFunction: ApiFunction): number {
    const now = this.#now();
    const windowStart = now - RATE_LIMIT_WINDOW_MS;
    this.#sql.exec("DELETE FROM calls WHERE api_function = ? AND at <= ?", apiFunction, windowStart);
    const limit = this.#limits[apiFunction];
    const used = this.#sql
      .exec<{ used: number; oldest: number | null }>(
        "SELECT COUNT(*) AS used, MIN(at) AS oldest FROM calls WHERE api_function = ?",
        apiFunction,
      )
      .one();
    if (used.used < limit) {
      this.#sql.exec("INSERT INTO calls (api_function, at) VALUES (?, ?)", apiFunction, now);
      return 0;
    }
    // Full: wait until enough old calls leave the window for one slot to open.
    const freeing = this.#sql
      .exec<{ at: number }>(
        "SELECT at FROM calls WHERE api_function = ? ORDER BY at LIMIT 1 OFFSET ?",
        apiFunction,
        used.used - limit,
      )
      .toArray()[0];
    return Math.max(1, (freeing?.at ?? used.oldest ?? now) + RATE_LIMIT_WINDOW_MS - now);
  }

  /** Resolves once a call of `apiFunction` may be sent. */
  async acquire(apiFunction: ApiFunction): Promise<void> {
    for (let wait = this.tryAcquire(apiFunction); wait > 0; wait = this.tryAcquire(apiFunction)) {
      await this.#sleep(wait);
    }
  }
}
