import { BridgeError } from "@responsys-bridge/core";
import { describe, expect, it } from "vitest";
import { classifyResponsysError, type ErrorFacts, parseRetryAfter, ResponsysError } from "./errors.ts";

describe("classifyResponsysError", () => {
  // Each row: the answer's facts and the kind the client must act on (reference §1.3, §5.1).
  const cases: [string, ErrorFacts, string][] = [
    ["INVALID_TOKEN 401", { status: 401, errorCode: "INVALID_TOKEN" }, "auth"],
    ["TOKEN_EXPIRED (older API)", { status: 401, errorCode: "TOKEN_EXPIRED" }, "auth"],
    [
      "API_LIMIT_EXCEEDED is a 401 that means throttling",
      { status: 401, errorCode: "API_LIMIT_EXCEEDED" },
      "throttled",
    ],
    ["429 without a code", { status: 429 }, "throttled"],
    ["capacity limit", { status: 401, errorCode: "INTERNAL_CAPACITY_LIMIT_EXCEEDED" }, "capacity"],
    ["capacity limit as a 5xx", { status: 503, errorCode: "INTERNAL_CAPACITY_LIMIT_EXCEEDED" }, "capacity"],
    ["500 UNEXPECTED_EXCEPTION", { status: 500, errorCode: "UNEXPECTED_EXCEPTION" }, "server"],
    ["502 without a body", { status: 502 }, "server"],
    ["408 request timeout: never processed", { status: 408 }, "server"],
    [
      "ratelimit's bad-token 500",
      { status: 500, errorCode: "UNEXPECTED_EXCEPTION", detail: "Not a valid authentication token" },
      "auth",
    ],
    ["INVALID_PARAMETER", { status: 400, errorCode: "INVALID_PARAMETER" }, "permanent"],
    ["INVALID_REQUEST_CONTENT", { status: 400, errorCode: "INVALID_REQUEST_CONTENT" }, "permanent"],
    [
      "INSUFFICIENT_ACCESS is a 401 but not a token problem",
      { status: 401, errorCode: "INSUFFICIENT_ACCESS" },
      "permanent",
    ],
    ["API_DISABLED_FOR_USER", { status: 401, errorCode: "API_DISABLED_FOR_USER" }, "permanent"],
    ["ACCOUNT_SUSPENDED", { status: 401, errorCode: "ACCOUNT_SUSPENDED" }, "permanent"],
    ["API_BLOCKED", { status: 401, errorCode: "API_BLOCKED" }, "permanent"],
    ["CAMPAIGN_NOT_FOUND", { status: 404, errorCode: "CAMPAIGN_NOT_FOUND" }, "permanent"],
    ["bare 404", { status: 404 }, "permanent"],
    ["401 with no code", { status: 401 }, "auth"],
    ["bad password at login", { status: 400, errorCode: "INVALID_USER_NAME_PASSWORD", login: true }, "login"],
    ["bad password anywhere", { status: 400, errorCode: "INVALID_USER_NAME_PASSWORD" }, "login"],
    ["refresh with a dead token", { status: 401, errorCode: "INVALID_TOKEN", login: true }, "login"],
    ["login throttled", { status: 401, errorCode: "API_LIMIT_EXCEEDED", login: true }, "throttled"],
    ["login 503", { status: 503, login: true }, "server"],
    ["login refused otherwise", { status: 401, errorCode: "ACCOUNT_SUSPENDED", login: true }, "login"],
  ];
  it.each(cases)("%s", (_name, facts, kind) => {
    expect(classifyResponsysError(facts)).toBe(kind);
  });
});

describe("ResponsysError.fromResponse", () => {
  const envelope = (errorCode: string, title: string, detail: string) =>
    JSON.stringify({ type: "", title, errorCode, detail, errorDetails: [] });

  it("keeps status, errorCode, title and detail, and is a BridgeError", () => {
    const error = ResponsysError.fromResponse({
      apiFunction: "mergeListMembers",
      status: 401,
      body: envelope("API_LIMIT_EXCEEDED", "API limit exceeded", "Please try again in a minute."),
      headers: new Headers(),
      now: 0,
    });
    expect(error).toBeInstanceOf(BridgeError);
    expect(error).toMatchObject({
      code: "API_LIMIT_EXCEEDED",
      errorCode: "API_LIMIT_EXCEEDED",
      kind: "throttled",
      status: 401,
      retryable: true,
      title: "API limit exceeded",
      detail: "Please try again in a minute.",
      apiFunction: "mergeListMembers",
    });
    expect(error.message).toContain("HTTP 401 API_LIMIT_EXCEEDED");
    expect(error.suggestedWaitMs).toBe(60_000);
    expect(error.details).toEqual({
      kind: "throttled",
      apiFunction: "mergeListMembers",
      errorCode: "API_LIMIT_EXCEEDED",
    });
  });

  it("names an answer without an envelope by its status", () => {
    const error = ResponsysError.fromResponse({
      apiFunction: "triggerEmail",
      status: 502,
      body: "<html>Bad Gateway</html>",
      headers: new Headers({ "Retry-After": "7" }),
      now: 0,
    });
    expect(error).toMatchObject({
      code: "HTTP_502",
      kind: "server",
      errorCode: undefined,
      retryAfterMs: 7000,
    });
    expect(error.suggestedWaitMs).toBe(7000);
  });

  it("suggests ten minutes for the capacity limit and nothing for permanent errors", () => {
    const capacity = ResponsysError.fromResponse({
      apiFunction: "mergeListMembers",
      status: 401,
      body: envelope("INTERNAL_CAPACITY_LIMIT_EXCEEDED", "Capacity", ""),
      headers: new Headers(),
      now: 0,
    });
    expect(capacity.suggestedWaitMs).toBe(600_000);
    const permanent = ResponsysError.fromResponse({
      apiFunction: "mergeListMembers",
      status: 400,
      body: envelope("INVALID_PARAMETER", "Invalid request parameters", "FieldList is null OR empty"),
      headers: new Headers(),
      now: 0,
    });
    expect(permanent).toMatchObject({ kind: "permanent", retryable: false });
    expect(permanent.suggestedWaitMs).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  it.each([
    [null, undefined],
    ["", undefined],
    ["30", 30_000],
    ["1.5", 1500],
    ["Thu, 01 Jan 1970 00:01:00 GMT", 50_000],
    ["soon", undefined],
  ])("%j → %j", (value, expected) => {
    expect(parseRetryAfter(value, 10_000)).toBe(expected);
  });
});
