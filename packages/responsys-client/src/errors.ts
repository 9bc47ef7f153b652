import { BridgeError } from "@responsys-bridge/core";
import { z } from "zod";
import type { ApiFunction } from "./api-functions.ts";

/**
 * What went wrong, as far as deciding what to do next goes. Classified by Responsys' `errorCode`
 * first and the HTTP status second, because Responsys reports throttling as a 401 just like an
 * expired token (shared/reference/responsys-api.md §5.1).
 */
export type ResponsysErrorKind =
  /** The token is invalid or expired: log in again, then retry. */
  | "auth"
  /** Per-minute API limit (API_LIMIT_EXCEEDED, or a 429): back off; never log in for it. */
  | "throttled"
  /** Account-wide capacity limit (INTERNAL_CAPACITY_LIMIT_EXCEEDED), reset every 10 minutes. */
  | "capacity"
  /** Responsys answered with a 5xx. */
  | "server"
  /** The request never got an answer and provably was not processed (or is safe to repeat). */
  | "network"
  /** A trigger may or may not have been delivered (the connection broke after sending). */
  | "ambiguous"
  /** The request is wrong or not allowed; repeating it changes nothing. */
  | "permanent"
  /** The login itself was refused (bad user name or password, suspended account …). */
  | "login"
  /** Responsys answered 2xx with a body the client cannot read. */
  | "unexpected";

// Kinds where the same request may succeed later without anyone changing anything.
const RETRYABLE_KINDS: ReadonlySet<ResponsysErrorKind> = new Set([
  "auth",
  "throttled",
  "capacity",
  "server",
  "network",
]);

// How long to wait before the next attempt when Responsys says nothing (it sends no rate-limit
// headers): API limits are per minute ("Please try again in a minute"), the internal capacity
// limit resets every 10 minutes (REF InternalCapacityLimits.html).
const SUGGESTED_WAIT_MS: Partial<Record<ResponsysErrorKind, number>> = {
  throttled: 60_000,
  capacity: 600_000,
  server: 5_000,
  network: 5_000,
  auth: 0,
};

/** Responsys' request-level error envelope (REF handlingErrorsMain.html). */
export const errorEnvelopeSchema = z.object({
  type: z.string().nullish(),
  title: z.string().nullish(),
  errorCode: z.string().nullish(),
  detail: z.string().nullish(),
  errorDetails: z.array(z.unknown()).nullish(),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** Facts a classification looks at. */
export interface ErrorFacts {
  status?: number | undefined;
  errorCode?: string | undefined;
  title?: string | undefined;
  detail?: string | undefined;
  /** True when the failing call was the login (password or token refresh). */
  login?: boolean;
}

const AUTH_CODES = new Set(["INVALID_TOKEN", "TOKEN_EXPIRED"]);
const LOGIN_CODES = new Set(["INVALID_USER_NAME_PASSWORD", "INVALID_USERNAME_PASSWORD", "LOGIN_FAILED"]);

/** Classifies a Responsys answer by errorCode first, then HTTP status. */
export function classifyResponsysError(facts: ErrorFacts): ResponsysErrorKind {
  const code = facts.errorCode?.toUpperCase();
  if (code === "API_LIMIT_EXCEEDED" || facts.status === 429) return "throttled";
  if (code === "INTERNAL_CAPACITY_LIMIT_EXCEEDED") return "capacity";
  if (code !== undefined && LOGIN_CODES.has(code)) return "login";
  if (code !== undefined && AUTH_CODES.has(code)) return facts.login === true ? "login" : "auth";
  // `/rest/api/ratelimit` reports a bad token as 500 UNEXPECTED_EXCEPTION "Not a valid
  // authentication token" (REF Throttling.html): that is an auth problem, not a server one.
  if (/not a valid authentication token/i.test(`${facts.title ?? ""} ${facts.detail ?? ""}`)) {
    return facts.login === true ? "login" : "auth";
  }
  const status = facts.status ?? 0;
  // 408: the server gave up waiting for the request, so it did not process it.
  if (status >= 500 || status === 408) return "server";
  if (facts.login === true) return "login";
  // A 401 that is not one of the known non-token codes is most likely a token problem.
  if (status === 401 && (code === undefined || code === "UNAUTHORIZED")) return "auth";
  return "permanent";
}

/** True for kinds where repeating the same request later may succeed. */
export function isRetryableKind(kind: ResponsysErrorKind): boolean {
  return RETRYABLE_KINDS.has(kind);
}

/**
 * A failed Responsys call. `code` is Responsys' `errorCode` when it sent one (INVALID_TOKEN,
 * API_LIMIT_EXCEEDED, …), otherwise one of NETWORK_ERROR, AMBIGUOUS_DELIVERY,
 * UNEXPECTED_RESPONSE or HTTP_<status>. `kind` is the classification callers branch on.
 */
export class ResponsysError extends BridgeError {
  readonly kind: ResponsysErrorKind;
  /** Responsys' own `errorCode`, when the answer carried one. */
  readonly errorCode: string | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly apiFunction: ApiFunction;
  /** The answer's Retry-After header in milliseconds, when it had one. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    kind: ResponsysErrorKind;
    apiFunction: ApiFunction;
    message: string;
    code?: string | undefined;
    status?: number | undefined;
    errorCode?: string | undefined;
    title?: string | undefined;
    detail?: string | undefined;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    const code = init.code ?? init.errorCode ?? defaultCode(init.kind, init.status);
    super({
      code,
      message: init.message,
      retryable: isRetryableKind(init.kind),
      ...(init.status === undefined ? {} : { status: init.status }),
      details: {
        kind: init.kind,
        apiFunction: init.apiFunction,
        ...(init.errorCode === undefined ? {} : { errorCode: init.errorCode }),
      },
      cause: init.cause,
    });
    this.name = "ResponsysError";
    this.kind = init.kind;
    this.errorCode = init.errorCode;
    this.title = init.title;
    this.detail = init.detail;
    this.apiFunction = init.apiFunction;
    this.retryAfterMs = init.retryAfterMs;
  }

  /**
   * How long a caller's own retry loop should wait before trying again: Retry-After when
   * Responsys sent one, else a per-kind figure (a minute for API limits, ten minutes for the
   * capacity limit). Undefined for kinds that should not be retried.
   */
  get suggestedWaitMs(): number | undefined {
    if (!this.retryable) return undefined;
    return this.retryAfterMs ?? SUGGESTED_WAIT_MS[this.kind];
  }

  /** Builds the error for a non-2xx answer from its status, headers and body text. */
  static fromResponse(init: {
    apiFunction: ApiFunction;
    status: number;
    body: string;
    headers: Headers;
    now: number;
    login?: boolean;
  }): ResponsysError {
    const envelope = parseEnvelope(init.body);
    const errorCode = nonEmpty(envelope?.errorCode);
    const title = nonEmpty(envelope?.title);
    const detail = nonEmpty(envelope?.detail);
    const kind = classifyResponsysError({
      status: init.status,
      errorCode,
      title,
      detail,
      login: init.login ?? false,
    });
    const summary = [title, detail].filter((part) => part !== undefined).join(": ");
    return new ResponsysError({
      kind,
      apiFunction: init.apiFunction,
      status: init.status,
      errorCode,
      title,
      detail,
      retryAfterMs: parseRetryAfter(init.headers.get("retry-after"), init.now),
      message:
        `Responsys ${init.apiFunction} failed with HTTP ${init.status}` +
        (errorCode === undefined ? "" : ` ${errorCode}`) +
        (summary === "" ? "" : ` (${summary})`),
    });
  }
}

/** True when `error` is a ResponsysError, optionally of one of the given kinds. */
export function isResponsysError(error: unknown, ...kinds: ResponsysErrorKind[]): error is ResponsysError {
  return error instanceof ResponsysError && (kinds.length === 0 || kinds.includes(error.kind));
}

function defaultCode(kind: ResponsysErrorKind, status: number | undefined): string {
  switch (kind) {
    case "network":
      return "NETWORK_ERROR";
    case "ambiguous":
      return "AMBIGUOUS_DELIVERY";
    case "unexpected":
      return "UNEXPECTED_RESPONSE";
    case "throttled":
      return status === 429 ? "TOO_MANY_REQUESTS" : "API_LIMIT_EXCEEDED";
    default:
      return status === undefined ? "RESPONSYS_ERROR" : `HTTP_${status}`;
  }
}

function parseEnvelope(body: string): ErrorEnvelope | undefined {
  try {
    const parsed = errorEnvelopeSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function nonEmpty(value: string | null | undefined): string | undefined {
  return value === null || value === undefined || value.trim() === "" ? undefined : value;
}

/** Reads a Retry-After header (delta seconds or an HTTP date) as milliseconds from now. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
