import { API_FUNCTIONS, type ApiFunction, DEFAULT_RATE_LIMITS } from "./api-functions.ts";
import type { ResponsysClient } from "./client.ts";
import { ResponsysError } from "./errors.ts";
import { limitsPerMinute } from "./resources/rate-limits.ts";
import type { Limiter } from "./transport.ts";

/** Responsys counts calls per API function per minute (REF Throttling.html). */
export const RATE_LIMIT_WINDOW_MS = 60_000;

export interface RateLimiterOptions {
  /** Requests per minute per API function; missing ones take `DEFAULT_RATE_LIMITS`. */
  limits?: Partial<Record<ApiFunction, number>>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Keeps every API function under its per-minute limit with a sliding window: a call may go when
 * fewer than `limit` calls went in the last 60 s. Unlike a token bucket, a sliding window never
 * lets a burst plus refill exceed the limit inside one minute. Runtime-neutral; the clock and the
 * wait are injectable.
 */
export class RateLimiter implements Limiter {
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  #limits: Record<ApiFunction, number>;
  readonly #sent = new Map<ApiFunction, number[]>();

  constructor(options: RateLimiterOptions = {}) {
    this.#now = options.now ?? (() => Date.now());
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#limits = { ...DEFAULT_RATE_LIMITS };
    this.setLimits(options.limits ?? {});
  }

  /** Replaces limits (e.g. with `limitsPerMinute(await client.rateLimits.get())`); others stay. */
  setLimits(limits: Partial<Record<ApiFunction, number>>): void {
    for (const fn of API_FUNCTIONS) {
      const limit = limits[fn];
      if (limit !== undefined && Number.isFinite(limit) && limit >= 1) this.#limits[fn] = Math.floor(limit);
    }
  }

  /** The per-minute limit in force for `apiFunction`. */
  limitOf(apiFunction: ApiFunction): number {
    return this.#limits[apiFunction];
  }

  /** Takes a slot now and returns 0, or returns how many ms to wait before one frees up. */
  tryAcquire(apiFunction: ApiFunction): number {
    const now = this.#now();
    const sent = this.#sent.get(apiFunction) ?? [];
    while (sent.length > 0 && (sent[0] ?? 0) <= now - RATE_LIMIT_WINDOW_MS) sent.shift();
    if (sent.length < this.#limits[apiFunction]) {
      sent.push(now);
      this.#sent.set(apiFunction, sent);
      return 0;
    }
    return Math.max(1, (sent[0] ?? now) + RATE_LIMIT_WINDOW_MS - now);
  }

  /** Resolves once a call of `apiFunction` may be sent, waiting as long as needed. */
  async acquire(apiFunction: ApiFunction): Promise<void> {
    for (let wait = this.tryAcquire(apiFunction); wait > 0; wait = this.tryAcquire(apiFunction)) {
      await this.#sleep(wait);
    }
  }
}

/**
 * Reads the account's limits with `client.rateLimits.get()` and applies them to `limiter`; keeps
 * the documented defaults when they cannot be read. Says which it used.
 */
export async function applyAccountRateLimits(
  client: ResponsysClient,
  limiter: RateLimiter,
): Promise<{ source: "account" | "defaults"; error?: ResponsysError }> {
  try {
    limiter.setLimits(limitsPerMinute(await client.rateLimits.get()));
    return { source: "account" };
  } catch (error) {
    if (error instanceof ResponsysError) return { source: "defaults", error };
    throw error;
  }
}
