/** Responsys' request-level error body (reference §5.1); `type` and `errorDetails` are always empty. */
export interface ErrorEnvelope {
  type: "";
  title: string;
  errorCode: string;
  detail: string;
  errorDetails: [];
}

/**
 * A request-level failure the sandbox answers with Responsys' envelope. Thrown from handlers and
 * turned into the response by the app's one error handler.
 */
export class ResponsysError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly title: string;
  readonly detail: string;

  constructor(status: number, errorCode: string, title: string, detail = "") {
    super(`${errorCode}: ${detail || title}`);
    this.name = "ResponsysError";
    this.status = status;
    this.errorCode = errorCode;
    this.title = title;
    this.detail = detail;
  }

  toEnvelope(): ErrorEnvelope {
    return { type: "", title: this.title, errorCode: this.errorCode, detail: this.detail, errorDetails: [] };
  }
}

/** 400 INVALID_PARAMETER, the documented answer to a malformed request (reference §5.1). */
export function invalidParameter(detail: string): ResponsysError {
  return new ResponsysError(400, "INVALID_PARAMETER", "Invalid request parameters", detail);
}

/** 400 INVALID_REQUEST_CONTENT: the body cannot be read at all (bad JSON, literal non-ASCII). */
export function invalidRequestContent(detail: string): ResponsysError {
  return new ResponsysError(400, "INVALID_REQUEST_CONTENT", "Invalid request content", detail);
}

// Not-found codes come from Responsys' exception-code list (LIST_NOT_FOUND, PROFILE_EXTENSION_NOT_FOUND,
// CAMPAIGN_NOT_FOUND); the reference leaves their HTTP status unverified, so 404 is our choice.
export function listNotFound(name: string): ResponsysError {
  return new ResponsysError(404, "LIST_NOT_FOUND", "List not found", `List ${name} not found`);
}

export function extensionNotFound(name: string): ResponsysError {
  return new ResponsysError(
    404,
    "PROFILE_EXTENSION_NOT_FOUND",
    "Profile extension not found",
    `Profile Extension ${name} not found`,
  );
}

export function campaignNotFound(name: string): ResponsysError {
  return new ResponsysError(404, "CAMPAIGN_NOT_FOUND", "Campaign not found", `Campaign ${name} not found`);
}

/** The observed 401 for a missing, unknown or expired token (reference §1.3). */
export function invalidToken(): ResponsysError {
  return new ResponsysError(401, "INVALID_TOKEN", "Not a valid token", "Not a valid authentication token");
}

/**
 * Thrown instead of answering when a fault drops the connection. It extends TypeError because
 * that is what `fetch` rejects with on a network failure, so code embedding the sandbox through
 * `app.fetch` sees the same kind of error as over a real socket.
 */
export class ConnectionDroppedError extends TypeError {
  readonly when: "before" | "after";

  constructor(when: "before" | "after") {
    super(`fetch failed (sandbox dropped the connection ${when} processing the request)`);
    this.name = "ConnectionDroppedError";
    this.when = when;
  }
}
