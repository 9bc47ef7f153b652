import { BridgeError } from "@responsys-bridge/core";
import { isResponsysError } from "@responsys-bridge/responsys-client";
import { apiError } from "../http/errors.ts";

/** Picker calls from the admin API: one quick retry at most, a person is waiting. */
export const ADMIN_CALL_OPTIONS = { maxRetries: 1, maxRetryDelayMs: 2_000 } as const;

/**
 * The admin API's answer for a failed Responsys call: 422 when the login is refused, 404 when
 * Responsys has no such object, 503 (with Retry-After) when it is busy or out of reach, 502 else.
 * Responsys' own errorCode is kept in the message and `details.responsysErrorCode`.
 */
export function responsysFailure(error: unknown): BridgeError {
  if (!isResponsysError(error)) {
    return error instanceof BridgeError
      ? error
      : new BridgeError({ code: "INTERNAL_ERROR", message: String(error) });
  }
  const responsysErrorCode = error.errorCode ?? error.code;
  const details = { responsysErrorCode };
  switch (error.kind) {
    case "login":
      return apiError(
        "RESPONSYS_LOGIN_FAILED",
        `Responsys refused the login (${responsysErrorCode}): ${error.detail ?? error.title ?? error.message}`,
        422,
        { details },
      );
    case "throttled":
    case "capacity":
    case "server":
    case "network":
    case "auth":
      return apiError("RESPONSYS_UNAVAILABLE", `Responsys could not answer now: ${error.message}`, 503, {
        details,
        retryAfterSeconds: Math.ceil((error.suggestedWaitMs ?? 5_000) / 1000),
      });
    default:
      if (error.status === 404) {
        return apiError("RESPONSYS_NOT_FOUND", `Responsys has no such object: ${error.message}`, 404, {
          details,
        });
      }
      return apiError("RESPONSYS_ERROR", `Responsys refused the call: ${error.message}`, 502, { details });
  }
}
