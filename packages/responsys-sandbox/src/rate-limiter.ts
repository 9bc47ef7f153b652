const WINDOW_MS = 60_000;

/**
 * Counts calls per API function over the last minute (a sliding window, so a burst that straddles
 * a minute boundary is still caught). Refused calls are not counted: a client that backs off
 * gets through once the window has moved on.
 */
export class RateLimiter {
  readonly #calls = new Map<string, number[]>();

  /** Records a call at `now` and returns true, or returns false when `limit` calls already happened. */
  tryCall(api: string, limit: number, now: number): boolean {
    const recent = (this.#calls.get(api) ?? []).filter((at) => at > now - WINDOW_MS);
    if (recent.length >= limit) {
      this.#calls.set(api, recent);
      return false;
    }
    recent.push(now);
    this.#calls.set(api, recent);
    return true;
  }

  clear(): void {
    this.#calls.clear();
  }
}
