import { BridgeError } from "@responsys-bridge/core";
import { z } from "zod";
import type { ApiRequest, Requester } from "./api-request.ts";
import { unexpectedAnswer } from "./api-request.ts";
import { toAsciiJson } from "./ascii-json.ts";
import { ResponsysError } from "./errors.ts";
import { normalizeLoginUrl } from "./login-url.ts";
import { AuthResource } from "./resources/auth.ts";
import { CampaignsResource } from "./resources/campaigns.ts";
import { ExtensionsResource } from "./resources/extensions.ts";
import { ListsResource } from "./resources/lists.ts";
import { RateLimitsResource } from "./resources/rate-limits.ts";
import { DEFAULT_MAX_RETRY_DELAY_MS, retryDelayMs, shouldRetry } from "./retry.ts";
import { parseJson, Session } from "./session.ts";
import { MemoryTokenStore, type StoredToken, type TokenStore } from "./token-store.ts";
import { type FetchLike, type Limiter, Transport } from "./transport.ts";

/** How many times a failed request is repeated when repeating is safe (openai-node's default). */
export const DEFAULT_MAX_RETRIES = 2;
/** A call that has not answered in two minutes is abandoned. */
export const DEFAULT_TIMEOUT_MS = 120_000;

const clientOptionsSchema = z.object({
  loginUrl: z.string().min(1),
  username: z.string().min(1, "username is required"),
  password: z.string().min(1, "password is required"),
  maxRetries: z.number().int().min(0).max(10).optional(),
  maxRetryDelayMs: z.number().int().min(0).optional(),
  timeoutMs: z.number().int().positive().optional(),
});

export interface ResponsysClientOptions {
  /** Login host, in any form `normalizeLoginUrl` accepts (`login2.responsys.net`, `https://…`). */
  loginUrl: string;
  username: string;
  password: string;
  /** The fetch to call; the runtime's global fetch by default. */
  fetch?: FetchLike;
  /** Where the token is kept; in memory by default. Share one to share a login. */
  tokenStore?: TokenStore;
  /** Called before every request, login included, to pace calls per API function. */
  limiter?: Limiter;
  /** Repeats of a failed request when repeating is safe; default 2. */
  maxRetries?: number;
  /** Ceiling of one wait between repeats; default 60 s. */
  maxRetryDelayMs?: number;
  /** Abandon a request after this long; default 120 s. */
  timeoutMs?: number;
  /** Clock in epoch ms (token age, Retry-After dates). */
  now?: () => number;
  /** How to wait between repeats; tests pass one that records instead of waiting. */
  sleep?: (ms: number) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

/**
 * Typed client for the Oracle Responsys REST API, for Workers and Node. One method per endpoint
 * on its resources; per-record outcomes come back as values, request-level failures as
 * `ResponsysError` (classified by `kind`).
 */
export class ResponsysClient implements Requester {
  readonly auth: AuthResource;
  readonly lists: ListsResource;
  readonly extensions: ExtensionsResource;
  readonly campaigns: CampaignsResource;
  readonly rateLimits: RateLimitsResource;

  readonly #session: Session;
  readonly #transport: Transport;
  readonly #maxRetries: number;
  readonly #maxRetryDelayMs: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  constructor(options: ResponsysClientOptions) {
    const checked = clientOptionsSchema.safeParse(options);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new BridgeError({
        code: "INVALID_CLIENT_OPTIONS",
        message:
          `Invalid Responsys client options: ${issue?.path.map(String).join(".") ?? ""} ${issue?.message ?? ""}`.trim(),
      });
    }
    const fetchFn = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
    this.#now = options.now ?? (() => Date.now());
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.#maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
    this.#transport = new Transport({
      // Called as a plain function: workerd refuses a global fetch invoked as a method of another object.
      fetch: (input, init) => fetchFn(input, init),
      limiter: options.limiter,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
    this.#session = new Session({
      loginUrl: normalizeLoginUrl(options.loginUrl),
      username: options.username,
      password: options.password,
      store: options.tokenStore ?? new MemoryTokenStore(),
      transport: this.#transport,
      now: this.#now,
    });
    this.auth = new AuthResource(this.#session);
    this.lists = new ListsResource(this);
    this.extensions = new ExtensionsResource(this);
    this.campaigns = new CampaignsResource(this);
    this.rateLimits = new RateLimitsResource(this);
  }

  /**
   * Runs one request: gets a token, sends, and on failure logs in again once (INVALID_TOKEN) or
   * waits and repeats when `shouldRetry` allows it for the request's delivery mode.
   */
  async request<Wire, Result>(request: ApiRequest<Wire, Result>): Promise<Result> {
    let attempt = 0;
    let renewed = false;
    let stale: StoredToken | undefined;
    for (;;) {
      let sent = false;
      let token: StoredToken | undefined;
      try {
        token = stale === undefined ? await this.#session.current() : await this.#session.renew(stale);
        stale = undefined;
        sent = true;
        const response = await this.#transport.send({
          apiFunction: request.apiFunction,
          method: request.method,
          url: `${token.endPoint}${request.path}${queryString(request.query)}`,
          headers: {
            Accept: "application/json",
            Authorization: token.authToken,
            ...(request.body === undefined ? {} : { "Content-Type": "application/json" }),
          },
          ...(request.body === undefined ? {} : { body: toAsciiJson(request.body) }),
          mode: request.mode,
        });
        if (response.status < 200 || response.status > 299) {
          throw ResponsysError.fromResponse({
            apiFunction: request.apiFunction,
            status: response.status,
            body: response.body,
            headers: response.headers,
            now: this.#now(),
          });
        }
        return this.#read(request, response.body);
      } catch (error) {
        if (!(error instanceof ResponsysError)) throw error;
        // An answer to a trigger that says "gateway timeout" leaves the send unknown.
        const failure =
          sent && request.mode === "trigger" && error.status === 504 ? ambiguousTimeout(error) : error;
        if (failure.kind === "auth" && sent && !renewed && token !== undefined) {
          renewed = true;
          stale = token;
          continue;
        }
        // Before the data call was sent (login failed) nothing was delivered, so even a
        // trigger may be repeated as freely as a read.
        const mode = sent ? request.mode : "idempotent";
        if (attempt >= this.#maxRetries || !shouldRetry(mode, failure.kind)) throw failure;
        await this.#sleep(retryDelayMs(attempt, failure, this.#random, this.#maxRetryDelayMs));
        attempt++;
      }
    }
  }

  #read<Wire, Result>(request: ApiRequest<Wire, Result>, body: string): Result {
    const parsed = request.schema.safeParse(parseJson(body));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where =
        issue === undefined || issue.path.length === 0 ? "" : ` at ${issue.path.map(String).join(".")}`;
      throw unexpectedAnswer(request.apiFunction, request.mode, `${issue?.message ?? "not JSON"}${where}`);
    }
    return request.map(parsed.data);
  }
}

function queryString(query: Record<string, string | number> | undefined): string {
  if (query === undefined) return "";
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) params.set(name, String(value));
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

function ambiguousTimeout(error: ResponsysError): ResponsysError {
  return new ResponsysError({
    kind: "ambiguous",
    code: "AMBIGUOUS_DELIVERY",
    apiFunction: error.apiFunction,
    status: error.status,
    errorCode: error.errorCode,
    title: error.title,
    detail: error.detail,
    message: `${error.message}; a gateway timeout leaves the send unknown, so it is not retried.`,
    cause: error,
  });
}
