import { describe, expect, it } from "vitest";
import { BridgeError, isBridgeError, toBridgeError } from "./errors.ts";

describe("BridgeError", () => {
  it("carries code, message and retryable, and serialises to them only", () => {
    const error = new BridgeError({
      code: "API_LIMIT_EXCEEDED",
      message: "slow down",
      retryable: true,
      status: 401,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.status).toBe(401);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: "API_LIMIT_EXCEEDED",
      message: "slow down",
      retryable: true,
    });
  });

  it("defaults to not retryable", () => {
    expect(new BridgeError({ code: "X", message: "m" }).retryable).toBe(false);
  });

  it("isBridgeError filters by code", () => {
    const error = new BridgeError({ code: "INVALID_TOKEN", message: "m" });
    expect(isBridgeError(error)).toBe(true);
    expect(isBridgeError(error, "INVALID_TOKEN", "OTHER")).toBe(true);
    expect(isBridgeError(error, "OTHER")).toBe(false);
    expect(isBridgeError(new Error("x"))).toBe(false);
  });

  it("toBridgeError wraps foreign errors and keeps the cause", () => {
    const cause = new TypeError("boom");
    const wrapped = toBridgeError(cause);
    expect(wrapped.code).toBe("INTERNAL_ERROR");
    expect(wrapped.message).toBe("boom");
    expect(wrapped.cause).toBe(cause);
    const same = new BridgeError({ code: "A", message: "b" });
    expect(toBridgeError(same)).toBe(same);
  });
});
