import { BridgeError } from "@responsys-bridge/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { HonoEnv } from "./context.ts";

/** The one error body of the gateway. */
export type ErrorEnvelope = {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
};

/** Status for codes thrown without an explicit one. */
const codeToStatus: Record<string, ContentfulStatusCode> = {
  INVALID_JSON: 400,
  INVALID_REQUEST: 400,
  INVALID_JOB: 400,
  INVALID_AUTHORIZATION: 400,
  INVALID_ENDPOINT: 400,
  INVALID_PAYLOAD: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  AUTHORIZATION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  AUTHORIZATION_IN_USE: 409,
  JOB_HAS_QUEUED_USERS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RESPONSYS_LOGIN_FAILED: 422,
  RATE_LIMITED: 429,
  RESPONSYS_ERROR: 502,
  RESPONSYS_UNAVAILABLE: 503,
  BAD_ENVIRONMENT: 500,
  INTERNAL_ERROR: 500,
};

const statusToCode: Record<number, string> = {
  400: "INVALID_REQUEST",
  401: "UNAUTHORIZED",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
};

/**
 * The error to throw from a route: `throw apiError("JOB_NOT_FOUND", "No job job_x.", 404)`.
 * `retryAfterSeconds` becomes a `Retry-After` header (429 and 503 answers).
 */
export function apiError(
  code: string,
  message: string,
  status: ContentfulStatusCode,
  options: { retryAfterSeconds?: number; details?: Record<string, unknown> } = {},
): BridgeError {
  const details =
    options.retryAfterSeconds === undefined
      ? options.details
      : { ...options.details, retryAfterSeconds: options.retryAfterSeconds };
  return new BridgeError({ code, message, status, details, retryable: status === 429 || status >= 500 });
}

function isContentfulStatus(status: number): status is ContentfulStatusCode {
  return Number.isInteger(status) && status >= 400 && status <= 599;
}

function errorStatus(error: BridgeError): ContentfulStatusCode {
  if (error.status !== undefined && isContentfulStatus(error.status)) return error.status;
  return codeToStatus[error.code] ?? 500;
}

/** Builds the envelope response; also used where no exception is involved (404 of unknown paths). */
export function errorResponse(
  c: Context<HonoEnv>,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): Response {
  const body: ErrorEnvelope = { error: { code, message, requestId: c.get("requestId") ?? "req_unknown" } };
  if (details !== undefined && Object.keys(details).length > 0) body.error.details = details;
  const retryAfter = details?.retryAfterSeconds;
  if (typeof retryAfter === "number") c.header("Retry-After", String(Math.max(0, Math.ceil(retryAfter))));
  if (status === 401) c.header("WWW-Authenticate", 'Bearer realm="responsys-bridge"');
  return c.json(body, status);
}

/** The gateway's one `onError`: every thrown thing becomes the envelope; only 5xx are logged. */
export function onError(error: unknown, c: Context<HonoEnv>): Response {
  if (error instanceof BridgeError) {
    const status = errorStatus(error);
    if (status >= 500) logServerError(c, error.code, error.message);
    return errorResponse(c, status, error.code, error.message, error.details);
  }
  if (error instanceof HTTPException) {
    const status = isContentfulStatus(error.status) ? error.status : 500;
    const code = statusToCode[status] ?? (status >= 500 ? "INTERNAL_ERROR" : "INVALID_REQUEST");
    if (status >= 500) logServerError(c, code, error.message);
    return errorResponse(c, status, code, error.message || "The request failed.");
  }
  // Unknown failures may carry internals in their message: log it, answer a generic sentence.
  logServerError(c, "INTERNAL_ERROR", error instanceof Error ? error.message : String(error));
  return errorResponse(c, 500, "INTERNAL_ERROR", "The gateway failed to handle this request.");
}

/** The 404 for unknown paths, in the same envelope. */
export function onNotFound(c: Context<HonoEnv>): Response {
  return errorResponse(c, 404, "NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`);
}

function logServerError(c: Context<HonoEnv>, code: string, message: string): void {
  console.error(JSON.stringify({ level: "error", requestId: c.get("requestId"), code, message }));
}
