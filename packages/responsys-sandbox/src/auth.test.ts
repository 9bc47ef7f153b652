import { describe, expect, it } from "vitest";
import { createSandbox, DEFAULT_TOKEN_LIFETIME_MS } from "./index.ts";
import { T0, TEST_ORIGIN, TestCaller, testClock } from "./test-caller.ts";

describe("POST /rest/api/v1.3/auth/token", () => {
  it("logs in with a form-encoded password login: authToken, issuedAt (epoch ms), endPoint = request origin", async () => {
    const caller = TestCaller.inProcess(createSandbox({ now: () => T0 }));
    const result = await caller.login();
    expect(result).toEqual({
      status: 200,
      body: { authToken: expect.stringMatching(/^[\w-]{20,}$/), issuedAt: T0, endPoint: TEST_ORIGIN },
    });
  });

  it("answers the endPoint of whatever origin the request came to", async () => {
    const sandbox = createSandbox();
    const caller = new TestCaller((request) => sandbox.app.fetch(request), "http://10.1.2.3:9999");
    expect((await caller.login()).body).toMatchObject({ endPoint: "http://10.1.2.3:9999" });
  });

  it.each([
    ["wrong password", { user_name: "sandbox", password: "wrong", auth_type: "password" }],
    ["unknown user", { user_name: "nobody", password: "sandbox", auth_type: "password" }],
    ["no credentials", { auth_type: "password" }],
  ])("refuses a login with %s: 400 INVALID_USER_NAME_PASSWORD in Responsys' envelope", async (_, form) => {
    const caller = TestCaller.inProcess(createSandbox());
    expect(await caller.form("/rest/api/v1.3/auth/token", form)).toEqual({
      status: 400,
      body: {
        type: "",
        title: "Invalid username or password",
        errorCode: "INVALID_USER_NAME_PASSWORD",
        detail: "",
        errorDetails: [],
      },
    });
  });

  it("refuses an unknown auth_type (or a JSON login) with 400 INVALID_PARAMETER", async () => {
    const caller = TestCaller.inProcess(createSandbox());
    const result = await caller.call("POST", "/v1.3/auth/token", {
      user_name: "sandbox",
      password: "sandbox",
    });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ errorCode: "INVALID_PARAMETER" });
  });

  it("refreshes with auth_type=token and the current token; the new token works", async () => {
    const time = testClock();
    const caller = TestCaller.inProcess(createSandbox({ now: time.now }));
    await caller.login();
    const first = caller.token;
    time.advance(60_000);
    const refreshed = await caller.form(
      "/rest/api/v1.3/auth/token",
      { auth_type: "token" },
      { authorization: first },
    );
    expect(refreshed).toEqual({
      status: 200,
      body: { authToken: expect.any(String), issuedAt: T0 + 60_000, endPoint: TEST_ORIGIN },
    });
    const { authToken } = refreshed.body as { authToken: string };
    expect(authToken).not.toBe(first);
    caller.token = authToken;
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
  });

  it("refuses a refresh with an unknown token: 401 INVALID_TOKEN", async () => {
    const caller = TestCaller.inProcess(createSandbox());
    const result = await caller.form(
      "/rest/api/v1.3/auth/token",
      { auth_type: "token" },
      { authorization: "nope" },
    );
    expect(result.status).toBe(401);
    expect(result.body).toMatchObject({ errorCode: "INVALID_TOKEN" });
  });
});

describe("tokens on data calls", () => {
  const INVALID_TOKEN = {
    type: "",
    title: "Not a valid token",
    errorCode: "INVALID_TOKEN",
    detail: "Not a valid authentication token",
    errorDetails: [],
  };

  it.each([
    ["no Authorization header", undefined],
    ["an unknown token", "not-a-token"],
  ])("answers 401 INVALID_TOKEN for %s", async (_, token) => {
    const caller = TestCaller.inProcess(createSandbox());
    if (token !== undefined) caller.token = token;
    expect(await caller.call("GET", "/v1.3/lists")).toEqual({ status: 401, body: INVALID_TOKEN });
  });

  it("wants the raw token: `Bearer <token>` is not a valid token", async () => {
    const caller = TestCaller.inProcess(createSandbox());
    await caller.login();
    caller.token = `Bearer ${caller.token}`;
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(401);
  });

  it("expires a token two hours after issue by default", async () => {
    const time = testClock();
    const caller = TestCaller.inProcess(createSandbox({ now: time.now }));
    await caller.login();
    time.advance(DEFAULT_TOKEN_LIFETIME_MS - 1);
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
    time.advance(1);
    expect(await caller.call("GET", "/v1.3/lists")).toEqual({ status: 401, body: INVALID_TOKEN });
    const refresh = await caller.form(
      "/rest/api/v1.3/auth/token",
      { auth_type: "token" },
      { authorization: caller.token },
    );
    expect(refresh.status).toBe(401);
  });

  it("uses the configured lifetime, and a lifetime shortened later applies to tokens already issued", async () => {
    const time = testClock();
    const sandbox = createSandbox({ now: time.now, tokenLifetimeMs: 1_000 });
    const caller = TestCaller.inProcess(sandbox);
    await caller.login();
    time.advance(1_000);
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(401);

    await caller.login();
    sandbox.configure({ tokenLifetimeMs: 10_000 });
    time.advance(5_000);
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
    sandbox.configure({ tokenLifetimeMs: 4_000 });
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(401);
  });

  it("answers a bad token on /rest/api/ratelimit with 500 UNEXPECTED_EXCEPTION, as Oracle documents", async () => {
    const caller = TestCaller.inProcess(createSandbox());
    caller.token = "stale";
    expect(await caller.call("GET", "/rest/api/ratelimit")).toEqual({
      status: 500,
      body: {
        type: "",
        title: "Unexpected exception",
        errorCode: "UNEXPECTED_EXCEPTION",
        detail: "Not a valid authentication token",
        errorDetails: [],
      },
    });
  });
});
