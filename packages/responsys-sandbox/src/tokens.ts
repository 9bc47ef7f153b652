/** Issued auth tokens. Responsys tokens are stateless and live a fixed time from issue. */
export class TokenStore {
  readonly #issuedAt = new Map<string, number>();

  issue(now: number): { authToken: string; issuedAt: number } {
    const bytes = new Uint8Array(32);
    crypto.getRandomValues(bytes);
    const authToken = btoa(String.fromCharCode(...bytes))
      .replaceAll("+", "-")
      .replaceAll("/", "_")
      .replaceAll("=", "");
    this.#issuedAt.set(authToken, now);
    return { authToken, issuedAt: now };
  }

  /**
   * True while `token` is younger than `lifetimeMs`. The lifetime is read at check time, so
   * shortening it through the control API expires tokens already handed out.
   */
  isValid(token: string, now: number, lifetimeMs: number): boolean {
    const issuedAt = this.#issuedAt.get(token);
    return issuedAt !== undefined && now < issuedAt + lifetimeMs;
  }

  /** Ends every token, as if each had expired. */
  expireAll(): void {
    this.#issuedAt.clear();
  }
}
