import type { ResponsysError, ResponsysErrorKind } from "./errors.ts";

/**
 * How a request may be repeated. `idempotent`: merges, reads and PET creation; sending them
 * twice leaves the same state, so any transient failure is retried. `trigger`: sending it twice
 * may send two emails (shared/reference/responsys-api.md §4.3, "Not idempotent").
 */
export type DeliveryMode = "idempotent" | "trigger";

const IDEMPOTENT_RETRY_KINDS: ReadonlySet<ResponsysErrorKind> = new Set([
  "throttled",
  "capacity",
  "server",
  "network",
]);

// A trigger is retried only when Responsys itself answered that it did not process it:
// API_LIMIT_EXCEEDED / 429 and INTERNAL_CAPACITY_LIMIT_EXCEEDED are rejections at the gate, and a
// 5xx from Responsys is a failed request (SPEC §3.4 lists 5xx among the retried failures).
// A gateway timeout (504) is the exception: the upstream may still be working on the request, so
// the client classifies it as ambiguous. A failed fetch or a lost connection after sending is
// "ambiguous" and is never retried here: the caller decides (the gateway dead-letters it).
const TRIGGER_RETRY_KINDS: ReadonlySet<ResponsysErrorKind> = new Set(["throttled", "capacity", "server"]);

/** Whether the client itself repeats a request that failed with `kind`. */
export function shouldRetry(mode: DeliveryMode, kind: ResponsysErrorKind): boolean {
  return (mode === "trigger" ? TRIGGER_RETRY_KINDS : IDEMPOTENT_RETRY_KINDS).has(kind);
}

const BASE_DELAY_MS: Partial<Record<ResponsysErrorKind, number>> = { throttled: 30_000, capacity: 60_000 };

/** Default ceiling of one in-client wait; longer outages are the caller's retry loop's business. */
export const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;

/**
 * Wait before retry number `attempt` (0-based): exponential from 1 s, capped, with "equal
 * jitter" (between half and all of it) so that clients throttled together do not retry together.
 * Throttling starts at 30 s and capacity at 60 s: Responsys counts API calls per minute ("Please
 * try again in a minute") and resets the capacity limit every 10 minutes, so quicker retries
 * would only be refused again. A Retry-After header, when Responsys sends one, is the minimum.
 */
export function retryDelayMs(
  attempt: number,
  error: ResponsysError,
  random: () => number,
  maxDelayMs: number = DEFAULT_MAX_RETRY_DELAY_MS,
): number {
  const base = BASE_DELAY_MS[error.kind] ?? 1_000;
  const exponential = Math.min(maxDelayMs, base * 2 ** attempt);
  const jittered = exponential / 2 + (random() * exponential) / 2;
  const floor = Math.min(maxDelayMs, error.retryAfterMs ?? 0);
  return Math.round(Math.max(floor, jittered));
}
