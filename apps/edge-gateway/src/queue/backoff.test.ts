import { BridgeError } from "@responsys-bridge/core";
import { ResponsysError } from "@responsys-bridge/responsys-client";
import { describe, expect, it } from "vitest";
import { flushBackoffMs, flushFailure, MAX_FLUSH_BACKOFF_MS } from "./backoff.ts";

const transient = flushFailure(new Error("socket hang up"));

describe("flushBackoffMs", () => {
  it("grows exponentially within equal-jitter bounds and stops at ten minutes", () => {
    expect(flushBackoffMs(1, transient, () => 0)).toBe(2_500);
    expect(flushBackoffMs(1, transient, () => 0.999_999)).toBe(5_000);
    expect(flushBackoffMs(4, transient, () => 0.999_999)).toBe(40_000);
    expect(flushBackoffMs(40, transient, () => 0.999_999)).toBe(MAX_FLUSH_BACKOFF_MS);
    expect(flushBackoffMs(40, transient, () => 0)).toBe(MAX_FLUSH_BACKOFF_MS / 2);
  });

  it("waits at least what throttling asks for", () => {
    const throttled = flushFailure(
      new ResponsysError({
        kind: "throttled",
        apiFunction: "mergeListMembers",
        message: "API_LIMIT_EXCEEDED",
      }),
    );
    expect(throttled).toMatchObject({ permanent: false, minimumWaitMs: 60_000 });
    expect(flushBackoffMs(1, throttled, () => 0)).toBe(60_000);
  });
});

describe("flushFailure", () => {
  it.each([
    [
      "a permanent Responsys error",
      new ResponsysError({
        kind: "permanent",
        apiFunction: "mergeListMembers",
        message: "no list",
        errorCode: "LIST_NOT_FOUND",
      }),
      "LIST_NOT_FOUND",
      true,
    ],
    [
      "a server error",
      new ResponsysError({ kind: "server", apiFunction: "mergeListMembers", message: "503", status: 503 }),
      "HTTP_503",
      false,
    ],
    [
      "a non-retryable BridgeError",
      new BridgeError({ code: "FIELDS_TABLE_NOT_FOUND", message: "x" }),
      "FIELDS_TABLE_NOT_FOUND",
      true,
    ],
    ["anything else", new TypeError("boom"), "INTERNAL_ERROR", false],
  ])("reads %s", (_name, error, code, permanent) => {
    expect(flushFailure(error)).toMatchObject({ code, permanent });
  });
});
