import { BridgeError } from "@responsys-bridge/core";
import { toTimeMs } from "./time.ts";

/**
 * The time of an event from its `_ts`: an ISO string (or another supported date form), a Date,
 * or epoch ms. NaN when the event has none; a `_ts` that is present but unreadable is an error,
 * so a bad row never lands on a profile with a made-up time.
 */
export function eventTime(event: Readonly<Record<string, unknown>>): number {
  const raw = event._ts;
  if (raw === undefined || raw === null || raw === "") return Number.NaN;
  const ms = toTimeMs(raw);
  if (ms === undefined) {
    throw new BridgeError({
      code: "INVALID_EVENT_TIME",
      message: `event _ts ${JSON.stringify(String(raw))} is not a date (use ISO 8601, e.g. 2026-03-01T09:15:00.000Z)`,
      retryable: false,
      details: { _ts: String(raw) },
    });
  }
  return ms;
}
