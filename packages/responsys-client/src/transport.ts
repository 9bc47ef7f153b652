import type { ApiFunction } from "./api-functions.ts";
import { ResponsysError } from "./errors.ts";
import type { DeliveryMode } from "./retry.ts";

/** Paces calls: `acquire` resolves when a call of `apiFunction` may be sent. */
export interface Limiter {
  acquire(apiFunction: ApiFunction): Promise<void>;
}

/** The fetch the client calls; the global one by default, injectable for tests and proxies. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpRequest {
  apiFunction: ApiFunction;
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
  mode: DeliveryMode;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** Sends one HTTP request after the limiter allows it; failures to get an answer become ResponsysErrors. */
export class Transport {
  readonly #fetch: FetchLike;
  readonly #limiter: Limiter | undefined;
  readonly #timeoutMs: number;

  constructor(options: { fetch: FetchLike; limiter: Limiter | undefined; timeoutMs: number }) {
    this.#fetch = options.fetch;
    this.#limiter = options.limiter;
    this.#timeoutMs = options.timeoutMs;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    await this.#limiter?.acquire(request.apiFunction);
    // A timer of our own rather than AbortSignal.timeout(): that one stays pending after the
    // answer, which keeps a Durable Object awake (and un-evictable) for the whole timeout.
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error(`no answer within ${this.#timeoutMs} ms`)),
      this.#timeoutMs,
    );
    const init: RequestInit = { method: request.method, headers: request.headers, signal: abort.signal };
    if (request.body !== undefined) init.body = request.body;
    try {
      let response: Response;
      try {
        response = await this.#fetch(request.url, init);
      } catch (error) {
        throw connectionError(request, error, "the request failed before an answer arrived");
      }
      try {
        return { status: response.status, headers: response.headers, body: await response.text() };
      } catch (error) {
        throw connectionError(
          request,
          error,
          `the connection broke while reading the HTTP ${response.status} answer`,
        );
      }
    } finally {
      clearTimeout(timer);
    }
  }
}

// Node's undici reports these when no connection was made at all, so nothing was sent.
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

function connectionError(request: HttpRequest, error: unknown, what: string): ResponsysError {
  const reason = error instanceof Error ? error.message : String(error);
  if (request.mode === "trigger" && !provablyNotSent(error)) {
    return new ResponsysError({
      kind: "ambiguous",
      apiFunction: request.apiFunction,
      message: `Responsys ${request.apiFunction}: ${what} (${reason}); the email may or may not have been sent, so it is not retried.`,
      cause: error,
    });
  }
  return new ResponsysError({
    kind: "network",
    apiFunction: request.apiFunction,
    message: `Responsys ${request.apiFunction}: ${what} (${reason}).`,
    cause: error,
  });
}

function provablyNotSent(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = errorCode(current);
    if (code !== undefined && NOT_SENT_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}

// Node system errors carry a string `code`; Error's type does not declare it.
function errorCode(error: Error): string | undefined {
  const code: unknown = Reflect.get(error, "code");
  return typeof code === "string" ? code : undefined;
}
