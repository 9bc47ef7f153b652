import { ResponsysError, type StoredToken } from "@responsys-bridge/responsys-client";
import { z } from "zod";

export const storedTokenSchema = z.object({
  authToken: z.string().min(1),
  endPoint: z.string().min(1),
  issuedAt: z.number(),
});

/**
 * What `AuthorizationSession.sessionToken` answers. A failed login travels as data, shaped like the
 * Responsys answer it came from, so the calling client classifies it exactly as a direct login:
 * errors thrown across Durable Object RPC lose their class and fields.
 */
export type TokenAnswer =
  | { ok: true; token: StoredToken }
  | { ok: false; failure: "answer"; status: number; body: string; message: string }
  | { ok: false; failure: "network"; message: string };

/** Turns a failed login (or a failure to even try one) into a TokenAnswer. */
export function tokenFailure(error: unknown): TokenAnswer {
  if (error instanceof ResponsysError) {
    if (error.kind === "network") return { ok: false, failure: "network", message: error.message };
    const status = error.status ?? 401;
    const body = JSON.stringify({
      type: "",
      title: error.title ?? error.message,
      errorCode: error.errorCode ?? error.code,
      detail: error.detail ?? error.message,
      errorDetails: [],
    });
    return { ok: false, failure: "answer", status, body, message: error.message };
  }
  const code =
    error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : "LOGIN_FAILED";
  const message = error instanceof Error ? error.message : String(error);
  // Not a Responsys answer (no such authorization, unreadable credentials): a refused login.
  const body = JSON.stringify({
    type: "",
    title: message,
    errorCode: code,
    detail: message,
    errorDetails: [],
  });
  return { ok: false, failure: "answer", status: 401, body, message };
}
