import { DurableObject } from "cloudflare:workers";
import { BridgeError } from "@responsys-bridge/core";
import {
  type ApiFunction,
  type FetchLike,
  isResponsysError,
  limitsPerMinute,
  ResponsysClient,
  type StoredToken,
  TOKEN_LIFETIME_MS,
  TOKEN_REFRESH_AFTER_MS,
  type TokenStore,
} from "@responsys-bridge/responsys-client";
import { z } from "zod";
import { findAuthorization } from "../db/authorizations.ts";
import { database } from "../db/database.ts";
import { type GatewayConfig, readConfig } from "../env.ts";
import { mayCarryCredentials } from "../responsys/endpoint.ts";
import { storedTokenSchema, type TokenAnswer, tokenFailure } from "../responsys/token-answer.ts";
import { openSecret } from "../secrets/password-box.ts";
import { CallWindow } from "./call-window.ts";

const TOKEN_KEY = "token";
const LIMITS_KEY = "limits";

const storedLimitsSchema = z.object({
  source: z.enum(["defaults", "account"]),
  readAt: z.number(),
  values: z.record(z.string(), z.number()),
});
/** Account limits are re-read this often; they change rarely (REF Throttling.html). */
const RATE_LIMITS_MAX_AGE_MS = 60 * 60 * 1000;
/** After a failed read the defaults stay in force this long before the next attempt. */
const RATE_LIMITS_RETRY_MS = 5 * 60 * 1000;

/** Keeps the shared token in the object's storage, so it outlives eviction. */
class StorageTokenStore implements TokenStore {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  async get(): Promise<StoredToken | undefined> {
    return this.read();
  }

  read(): StoredToken | undefined {
    const parsed = storedTokenSchema.safeParse(this.#storage.kv.get(TOKEN_KEY));
    return parsed.success ? parsed.data : undefined;
  }

  async set(token: StoredToken): Promise<void> {
    this.#storage.kv.put(TOKEN_KEY, { ...token });
  }

  async clear(): Promise<void> {
    this.#storage.kv.delete(TOKEN_KEY);
  }
}

/**
 * One per Responsys authorization (named by its id). Holds the only copy of the decrypted password,
 * logs in for every job of the account (single-flight, refreshed before expiry) and paces their
 * calls per API function under the account's limits (`GET /rest/api/ratelimit`, defaults until read).
 */
export class AuthorizationSession extends DurableObject<Env> {
  readonly #config: GatewayConfig;
  readonly #tokens: StorageTokenStore;
  readonly #limiter: CallWindow;
  #client: ResponsysClient | undefined;
  #login: Promise<StoredToken> | undefined;
  #limitsSource: "defaults" | "account" = "defaults";
  #limitsReadAt: number | undefined;
  #limitsLoad: Promise<void> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#config = readConfig(env);
    this.#tokens = new StorageTokenStore(ctx.storage);
    this.#limiter = new CallWindow(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => {
      this.#limiter.migrate();
      // The account's limits outlive eviction, so a woken object does not re-read them at once.
      const stored = storedLimitsSchema.safeParse(ctx.storage.kv.get(LIMITS_KEY));
      if (stored.success) {
        this.#limiter.setLimits(stored.data.values);
        this.#limitsSource = stored.data.source;
        this.#limitsReadAt = stored.data.readAt;
      }
    });
  }

  /**
   * A token no older than the refresh age. `replacing` names a token the caller found unusable
   * (refused by Responsys, or too old): the answer is never that token.
   */
  async sessionToken(input: { replacing?: string | undefined } = {}): Promise<TokenAnswer> {
    try {
      return { ok: true, token: await this.#freshToken(input.replacing) };
    } catch (error) {
      return tokenFailure(error);
    }
  }

  /** The stored token, if any, without logging in. */
  currentToken(): StoredToken | null {
    return this.#tokens.read() ?? null;
  }

  /** Keeps a token a job obtained, when it is newer than the stored one. */
  async offerToken(token: StoredToken): Promise<void> {
    const parsed = storedTokenSchema.parse(token);
    const current = this.#tokens.read();
    if (
      current !== undefined &&
      (current.authToken === parsed.authToken || current.issuedAt >= parsed.issuedAt)
    )
      return;
    await this.#tokens.set(parsed);
  }

  /** Forgets `authToken` if it is still the stored token (a job saw Responsys refuse it). */
  async dropToken(authToken: string): Promise<void> {
    if (this.#tokens.read()?.authToken !== authToken) return;
    if (this.#client === undefined) await this.#tokens.clear();
    else await this.#client.auth.invalidate();
  }

  /** Takes a call slot for `apiFunction` and returns 0, or returns the ms to wait before asking again. */
  tryAcquire(apiFunction: ApiFunction): number {
    this.#refreshLimitsLater();
    return this.#limiter.tryAcquire(apiFunction);
  }

  /** Where the pacing limits come from and their values, for operators and tests. */
  async rateLimits(options: { reload?: boolean } = {}): Promise<{
    source: "defaults" | "account";
    limits: Partial<Record<ApiFunction, number>>;
  }> {
    if (options.reload === true) await this.#loadLimits();
    return { source: this.#limitsSource, limits: this.#limiter.limits() };
  }

  /** Deletes everything this object holds; called when its authorization is deleted. */
  async forget(): Promise<void> {
    this.#client = undefined;
    await this.ctx.storage.deleteAll();
    // deleteAll drops the calls table too; the object stays usable without a restart.
    this.#limiter.migrate();
  }

  async #freshToken(replacing: string | undefined): Promise<StoredToken> {
    const current = this.#tokens.read();
    if (current !== undefined && current.authToken !== replacing && this.#young(current)) return current;
    const inflight = this.#login;
    if (inflight !== undefined) {
      const shared = await inflight;
      if (shared.authToken !== replacing) return shared;
    }
    if (this.#login === undefined) {
      this.#login = this.#obtain(current).finally(() => {
        this.#login = undefined;
      });
    }
    return this.#login;
  }

  async #obtain(current: StoredToken | undefined): Promise<StoredToken> {
    const client = await this.#responsys();
    if (current === undefined) return client.auth.login();
    // A young token reaches here only when a job reports it refused: log in with the password.
    if (this.#young(current)) {
      await client.auth.invalidate();
      return client.auth.login();
    }
    // Too old: exchange it (auth_type=token); if Responsys will not, log in with the password.
    try {
      return await client.auth.refresh();
    } catch (error) {
      if (!isResponsysError(error, "network", "server", "throttled", "capacity")) return client.auth.login();
      // Responsys is busy or out of reach; the token still has minutes to live.
      if (Date.now() - current.issuedAt < TOKEN_LIFETIME_MS) return current;
      throw error;
    }
  }

  #young(token: StoredToken): boolean {
    return Date.now() - token.issuedAt < TOKEN_REFRESH_AFTER_MS;
  }

  async #responsys(): Promise<ResponsysClient> {
    if (this.#client !== undefined) return this.#client;
    const authorizationId = this.ctx.id.name;
    if (authorizationId === undefined) {
      throw new BridgeError({
        code: "AUTHORIZATION_NOT_FOUND",
        message: "The session has no authorization id.",
      });
    }
    const row = await findAuthorization(database(this.env.DB), authorizationId);
    if (row === undefined) {
      throw new BridgeError({
        code: "AUTHORIZATION_NOT_FOUND",
        message: `Authorization ${authorizationId} does not exist.`,
      });
    }
    let password: string;
    try {
      password = await openSecret(this.#config.secretsKey, row.id, row.passwordEncrypted);
    } catch {
      throw new BridgeError({
        code: "CREDENTIALS_UNREADABLE",
        message: `The stored password of ${authorizationId} cannot be decrypted with the current SECRETS_KEY.`,
      });
    }
    const allowCustom = this.#config.allowCustomEndpoints;
    // Credentials and tokens only ever go to Responsys hosts, whatever a login answers as endPoint.
    const guardedFetch: FetchLike = (input, init) => {
      if (!mayCarryCredentials(input, allowCustom)) {
        return Promise.reject(
          new TypeError(`Refusing to send Responsys credentials to ${new URL(input).origin}.`),
        );
      }
      return fetch(input, init);
    };
    this.#client = new ResponsysClient({
      loginUrl: row.endpoint,
      username: row.username,
      password,
      fetch: guardedFetch,
      tokenStore: this.#tokens,
      limiter: this.#limiter,
    });
    return this.#client;
  }

  #retryLimitsAt(): number {
    return Date.now() - RATE_LIMITS_MAX_AGE_MS + RATE_LIMITS_RETRY_MS;
  }

  #refreshLimitsLater(): void {
    const stale =
      this.#limitsReadAt === undefined || Date.now() - this.#limitsReadAt > RATE_LIMITS_MAX_AGE_MS;
    if (!stale || this.#limitsLoad !== undefined) return;
    this.ctx.waitUntil(this.#loadLimits());
  }

  #loadLimits(): Promise<void> {
    this.#limitsLoad ??= (async () => {
      try {
        const client = await this.#responsys();
        this.#limiter.setLimits(limitsPerMinute(await client.rateLimits.get()));
        this.#limitsSource = "account";
        this.#limitsReadAt = Date.now();
        this.ctx.storage.kv.put(LIMITS_KEY, {
          source: this.#limitsSource,
          readAt: this.#limitsReadAt,
          values: this.#limiter.limits(),
        });
      } catch {
        // No credentials or no answer: keep pacing by the documented defaults and try again later.
        this.#limitsReadAt = this.#retryLimitsAt();
      } finally {
        this.#limitsLoad = undefined;
      }
    })();
    return this.#limitsLoad;
  }
}
