import { describe, expect, it } from "vitest";
import { ResponsysError, type ResponsysErrorKind } from "./errors.ts";
import { type DeliveryMode, retryDelayMs, shouldRetry } from "./retry.ts";

describe("shouldRetry", () => {
  const table: [ResponsysErrorKind, boolean, boolean][] = [
    // kind, idempotent, trigger
    ["throttled", true, true],
    ["capacity", true, true],
    ["server", true, true],
    ["network", true, false],
    ["ambiguous", false, false],
    ["permanent", false, false],
    ["login", false, false],
    ["unexpected", false, false],
    // auth is handled by one fresh login, not by the backoff loop
    ["auth", false, false],
  ];
  it.each(table)("%s: idempotent %s, trigger %s", (kind, idempotent, trigger) => {
    const modes: [DeliveryMode, boolean][] = [
      ["idempotent", idempotent],
      ["trigger", trigger],
    ];
    for (const [mode, expected] of modes) expect(shouldRetry(mode, kind)).toBe(expected);
  });
});

describe("retryDelayMs", () => {
  const error = (kind: ResponsysErrorKind, retryAfterMs?: number) =>
    new ResponsysError({ kind, apiFunction: "mergeListMembers", message: "x", retryAfterMs });

  it("grows exponentially with equal jitter", () => {
    expect([0, 1, 2, 3].map((attempt) => retryDelayMs(attempt, error("server"), () => 0))).toEqual([
      500, 1000, 2000, 4000,
    ]);
    expect([0, 1, 2, 3].map((attempt) => retryDelayMs(attempt, error("server"), () => 0.999999))).toEqual([
      1000, 2000, 4000, 8000,
    ]);
  });

  it("starts at 30 s for throttling and 60 s for capacity, and stops at the cap", () => {
    expect(retryDelayMs(0, error("throttled"), () => 0)).toBe(15_000);
    expect(retryDelayMs(0, error("throttled"), () => 1)).toBe(30_000);
    expect(retryDelayMs(1, error("throttled"), () => 1)).toBe(60_000);
    expect(retryDelayMs(0, error("capacity"), () => 0)).toBe(30_000);
    expect(retryDelayMs(10, error("throttled"), () => 1)).toBe(60_000);
    expect(retryDelayMs(10, error("throttled"), () => 1, 5_000)).toBe(5_000);
  });

  it("waits at least the Retry-After Responsys sent, within the cap", () => {
    expect(retryDelayMs(0, error("server", 30_000), () => 0)).toBe(30_000);
    expect(retryDelayMs(0, error("server", 600_000), () => 0)).toBe(60_000);
  });
});
