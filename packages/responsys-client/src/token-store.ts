/** A Responsys login: the token, the host every later call goes to, and when it was obtained. */
export interface StoredToken {
  authToken: string;
  /** Origin returned by the login (`endPoint`); every data call goes there. */
  endPoint: string;
  /**
   * Epoch milliseconds, by the client's clock, when the login was requested. The client's own
   * clock rather than Responsys' `issuedAt`, so clock skew can only make it refresh early.
   */
  issuedAt: number;
}

/**
 * Where the current token lives. The default keeps it in memory; the gateway implements this
 * over a Durable Object so the jobs of one authorization share one token.
 */
export interface TokenStore {
  get(): Promise<StoredToken | undefined>;
  set(token: StoredToken): Promise<void>;
  clear(): Promise<void>;
}

/** Keeps the token in this object: enough for one client, or several in one isolate. */
export class MemoryTokenStore implements TokenStore {
  #token: StoredToken | undefined;

  async get(): Promise<StoredToken | undefined> {
    return this.#token;
  }

  async set(token: StoredToken): Promise<void> {
    this.#token = { ...token };
  }

  async clear(): Promise<void> {
    this.#token = undefined;
  }
}
