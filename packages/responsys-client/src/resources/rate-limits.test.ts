import { beforeEach, describe, expect, it } from "vitest";
import { sandbox, sandboxClient } from "../../test/sandbox-control.ts";
import { API_FUNCTIONS, type ApiFunction, DEFAULT_RATE_LIMITS } from "../api-functions.ts";
import { applyAccountRateLimits, RateLimiter } from "../rate-limiter.ts";
import { limitsPerMinute } from "./rate-limits.ts";

const control = sandbox();

beforeEach(() => control.reset());

describe("rateLimits", () => {
  it("reads GET /rest/api/ratelimit and maps every entry to the client's API functions", async () => {
    await control.configure({ rateLimits: { Login: 7 } });
    const { client, sent } = sandboxClient(control);
    const limits = await client.rateLimits.get();
    expect(sent.at(-1)?.url).toBe(`${control.url}/rest/api/ratelimit`);
    expect(limits.find((entry) => entry.api === "Login")).toEqual({
      api: "Login",
      limit: 7,
      verb: "POST",
      resourcePath: "/auth/token",
      description: expect.any(String),
      apiFunctions: ["login"],
    });
    const covered = new Set(limits.flatMap((entry) => entry.apiFunctions));
    expect([...covered].sort()).toEqual([...API_FUNCTIONS].sort());
    const perMinute = limitsPerMinute(limits);
    expect(perMinute.login).toBe(7);
    expect(perMinute.triggerEmail).toBe(limits.find((entry) => entry.api === "Trigger Email")?.limit);
  });

  it("a bad token on the ratelimit endpoint (a 500 there) leads to one login and a repeat", async () => {
    const { client } = sandboxClient(control);
    await client.auth.login();
    await control.expireTokens();
    await client.rateLimits.get();
    expect(
      (await control.requests({ api: "Get Throttling Limits" })).map((request) => request.status),
    ).toEqual([500, 200]);
    expect(await control.requests({ api: "Login" })).toHaveLength(2);
  });

  it("limitsPerMinute falls back to the documented defaults", () => {
    expect(limitsPerMinute(undefined)).toEqual(DEFAULT_RATE_LIMITS);
    expect(
      limitsPerMinute([
        {
          api: "x",
          limit: 0,
          verb: undefined,
          resourcePath: undefined,
          description: undefined,
          apiFunctions: ["login"],
        },
      ]).login,
    ).toBe(DEFAULT_RATE_LIMITS.login);
  });
});

describe("limiter", () => {
  it("is asked before every request, the login and each retry included", async () => {
    await control.fault({ kind: "server_error", match: { api: "Merge List Recipients" } });
    const asked: ApiFunction[] = [];
    const { client } = sandboxClient(control, {
      limiter: {
        acquire: async (apiFunction) => {
          asked.push(apiFunction);
        },
      },
    });
    await client.lists.mergeMembers("CONTACTS_LIST", {
      fieldNames: ["EMAIL_ADDRESS_"],
      records: [["a@example.com"]],
      mergeRule: {
        insertOnNoMatch: true,
        matchColumnName1: "EMAIL_ADDRESS_",
        defaultPermissionStatus: "OPTOUT",
      },
    });
    expect(asked).toEqual(["login", "mergeListMembers", "mergeListMembers"]);
  });

  it("built from the account's limits, it paces calls so Responsys never throttles", async () => {
    await control.configure({ rateLimits: { "Merge List Recipients": 2 } });
    let now = Date.UTC(2026, 10, 1);
    const waits: number[] = [];
    const limiter = new RateLimiter({
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
        await control.advanceClock(ms);
      },
    });
    const { client } = sandboxClient(control, { limiter, now: () => now });
    expect(await applyAccountRateLimits(client, limiter)).toEqual({ source: "account" });
    expect(limiter.limitOf("mergeListMembers")).toBe(2);
    for (const email of ["a@example.com", "b@example.com", "c@example.com"]) {
      await client.lists.mergeMembers("CONTACTS_LIST", {
        fieldNames: ["EMAIL_ADDRESS_"],
        records: [[email]],
        mergeRule: {
          insertOnNoMatch: true,
          matchColumnName1: "EMAIL_ADDRESS_",
          defaultPermissionStatus: "OPTOUT",
        },
      });
    }
    const merges = await control.requests({ api: "Merge List Recipients" });
    expect(merges.map((request) => request.status)).toEqual([200, 200, 200]);
    expect(waits).toEqual([60_000]);
  });

  it("keeps the documented defaults when the limits cannot be read", async () => {
    const { client } = sandboxClient(control, { password: "wrong" });
    const limiter = new RateLimiter();
    const outcome = await applyAccountRateLimits(client, limiter);
    expect(outcome).toMatchObject({ source: "defaults", error: { kind: "login" } });
    expect(limiter.limitOf("mergeListMembers")).toBe(DEFAULT_RATE_LIMITS.mergeListMembers);
  });
});
