import { isResponsysError, ResponsysError } from "./errors.ts";
import type { StoredToken, TokenStore } from "./token-store.ts";
import type { HttpResponse, Transport } from "./transport.ts";
import { loginResponseSchema } from "./wire.ts";

/** Responsys tokens expire two hours after login (DEV authentication.htm, tips-performance.htm). */
export const TOKEN_LIFETIME_MS = 2 * 60 * 60 * 1000;
/** The client refreshes a token this old before using it, ten minutes ahead of expiry. */
export const TOKEN_REFRESH_AFTER_MS = 110 * 60 * 1000;

const AUTH_PATH = "/rest/api/v1.3/auth/token";

/** Form encoding with encodeURIComponent: spaces as %20, which every form parser reads. */
export function formBody(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join("&");
}

/**
 * Holds the login for one Responsys user: logs in lazily, refreshes with `auth_type=token`
 * before the token expires, and lets concurrent callers share one login (single-flight).
 */
export class Session {
  readonly #loginUrl: string;
  readonly #username: string;
  readonly #password: string;
  readonly #store: TokenStore;
  readonly #transport: Transport;
  readonly #now: () => number;
  #cached: StoredToken | undefined;
  #inflight: Promise<StoredToken> | undefined;

  constructor(options: {
    loginUrl: string;
    username: string;
    password: string;
    store: TokenStore;
    transport: Transport;
    now: () => number;
  }) {
    this.#loginUrl = options.loginUrl;
    this.#username = options.username;
    this.#password = options.password;
    this.#store = options.store;
    this.#transport = options.transport;
    this.#now = options.now;
  }

  /** A usable token: the cached or stored one, refreshed or replaced when it is too old. */
  async current(): Promise<StoredToken> {
    const cached = this.#cached;
    if (cached !== undefined && this.#age(cached) < TOKEN_REFRESH_AFTER_MS) return cached;
    return this.#flight(() => this.#resolve());
  }

  /**
   * A new token after `stale` was refused (INVALID_TOKEN). When another caller (or another
   * client on the same store) already replaced it, that token is used without a new login.
   */
  async renew(stale: StoredToken): Promise<StoredToken> {
    if (this.#inflight !== undefined) {
      const shared = await this.#inflight.catch(() => undefined);
      if (shared !== undefined && shared.authToken !== stale.authToken) return shared;
    }
    const cached = this.#cached;
    if (cached !== undefined && cached.authToken !== stale.authToken) return cached;
    return this.#flight(async () => {
      const stored = await this.#store.get();
      if (
        stored !== undefined &&
        stored.authToken !== stale.authToken &&
        this.#age(stored) < TOKEN_LIFETIME_MS
      ) {
        this.#cached = stored;
        return stored;
      }
      // The stored token is the refused one: say so to the store (a shared store may drop it for
      // every client) before replacing it.
      this.#cached = undefined;
      if (stored !== undefined && stored.authToken === stale.authToken) await this.#store.clear();
      return this.#passwordLogin();
    });
  }

  /** Logs in with user name and password now, whatever is cached. */
  login(): Promise<StoredToken> {
    return this.#flight(() => this.#passwordLogin());
  }

  /** Exchanges the current token for a new one (`auth_type=token`), logging in first if there is none. */
  refresh(): Promise<StoredToken> {
    return this.#flight(async () => {
      const token = this.#cached ?? (await this.#store.get());
      return token === undefined ? this.#passwordLogin() : this.#refreshWith(token);
    });
  }

  /** Forgets the token here and in the store; the next call logs in again. */
  async invalidate(): Promise<void> {
    this.#cached = undefined;
    await this.#store.clear();
  }

  #flight(operation: () => Promise<StoredToken>): Promise<StoredToken> {
    if (this.#inflight === undefined) {
      this.#inflight = operation().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  #age(token: StoredToken): number {
    return this.#now() - token.issuedAt;
  }

  async #resolve(): Promise<StoredToken> {
    const token = this.#cached ?? (await this.#store.get());
    if (token === undefined) return this.#passwordLogin();
    const age = this.#age(token);
    if (age < TOKEN_REFRESH_AFTER_MS) {
      this.#cached = token;
      return token;
    }
    if (age >= TOKEN_LIFETIME_MS) return this.#passwordLogin();
    try {
      return await this.#refreshWith(token);
    } catch (error) {
      // The refresh was refused: the token is no good, so log in with the password.
      if (isResponsysError(error, "login", "auth", "permanent", "unexpected")) return this.#passwordLogin();
      // A transient failure (throttled, network…): the token still has minutes to live.
      this.#cached = token;
      return token;
    }
  }

  async #passwordLogin(): Promise<StoredToken> {
    const issuedAt = this.#now();
    const response = await this.#post(
      { "Content-Type": "application/x-www-form-urlencoded" },
      formBody([
        ["user_name", this.#username],
        ["password", this.#password],
        ["auth_type", "password"],
      ]),
    );
    return this.#accept(response, issuedAt);
  }

  async #refreshWith(token: StoredToken): Promise<StoredToken> {
    const issuedAt = this.#now();
    const response = await this.#post(
      { "Content-Type": "application/x-www-form-urlencoded", Authorization: token.authToken },
      formBody([["auth_type", "token"]]),
    );
    return this.#accept(response, issuedAt);
  }

  #post(headers: Record<string, string>, body: string): Promise<HttpResponse> {
    return this.#transport.send({
      apiFunction: "login",
      method: "POST",
      url: `${this.#loginUrl}${AUTH_PATH}`,
      headers: { Accept: "application/json", ...headers },
      body,
      mode: "idempotent",
    });
  }

  async #accept(response: HttpResponse, issuedAt: number): Promise<StoredToken> {
    if (response.status < 200 || response.status > 299) {
      throw ResponsysError.fromResponse({
        apiFunction: "login",
        status: response.status,
        body: response.body,
        headers: response.headers,
        now: this.#now(),
        login: true,
      });
    }
    const parsed = loginResponseSchema.safeParse(parseJson(response.body));
    if (!parsed.success) {
      throw new ResponsysError({
        kind: "unexpected",
        apiFunction: "login",
        status: response.status,
        message: `Responsys login answered HTTP ${response.status} without a usable token: ${parsed.error.issues[0]?.message ?? "not JSON"}.`,
      });
    }
    const token: StoredToken = {
      authToken: parsed.data.authToken,
      endPoint: parsed.data.endPoint.replace(/\/+$/, ""),
      issuedAt,
    };
    await this.#store.set(token);
    this.#cached = token;
    return token;
  }
}

/** JSON.parse that yields undefined instead of throwing, for schema checks to report. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
