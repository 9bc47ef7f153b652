import { BridgeError } from "@responsys-bridge/core";

/** Flush retries wait at most this long (SPEC §3.4): an outage of any length is retried forever. */
export const MAX_FLUSH_BACKOFF_MS = 10 * 60 * 1000;
const FIRST_BACKOFF_MS = 5_000;

/** A failed flush, as the job records it: retried later either way, `permanent` marks the job failing. */
export interface FlushFailure {
  code: string;
  message: string;
  permanent: boolean;
  /** The least wait the error itself asks for (Retry-After, the throttling window). */
  minimumWaitMs: number;
}

function numberProperty(error: object, name: string): number | undefined {
  const value: unknown = Reflect.get(error, name);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Reads any thrown value as a flush failure; Responsys errors say themselves if they are retryable. */
export function flushFailure(error: unknown): FlushFailure {
  if (error instanceof BridgeError) {
    // ResponsysError (a BridgeError) carries `suggestedWaitMs` for throttling and capacity limits.
    const suggested = numberProperty(error, "suggestedWaitMs");
    return {
      code: error.code,
      message: error.message,
      permanent: !error.retryable,
      minimumWaitMs: Math.min(MAX_FLUSH_BACKOFF_MS, suggested ?? 0),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  // Anything else is a bug or a runtime hiccup, not a verdict on the data: retry, do not drop.
  return { code: "INTERNAL_ERROR", message, permanent: false, minimumWaitMs: 0 };
}

/**
 * Wait before flush attempt `attempt` (1 = first retry): exponential from 5 s, capped at ten
 * minutes, with equal jitter so that jobs failing together do not retry together.
 */
export function flushBackoffMs(attempt: number, failure: FlushFailure, random: () => number): number {
  const exponential = Math.min(MAX_FLUSH_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential / 2 + (random() * exponential) / 2;
  return Math.round(Math.max(failure.minimumWaitMs, jittered));
}
