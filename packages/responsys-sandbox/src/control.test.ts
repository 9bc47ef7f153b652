import { describe, expect, it } from "vitest";
import { createSandbox, defaultSeed, type RecordedRequest, type StateSnapshot } from "./index.ts";
import { listMerge, T0, TEST_ORIGIN, TestCaller } from "./test-caller.ts";

async function setUp() {
  const sandbox = createSandbox({ now: () => T0 });
  const caller = TestCaller.inProcess(sandbox);
  await caller.login();
  const control = (method: string, path: string, body?: unknown) =>
    caller.send(
      new Request(`${TEST_ORIGIN}/__sandbox${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      }),
    );
  return { sandbox, caller, control };
}

describe("control API under /__sandbox", () => {
  it("GET /state shows lists with members, PETs, campaigns, sent emails and config", async () => {
    const { caller, control } = await setUp();
    await caller.call(
      "POST",
      "/v1.3/lists/CONTACTS_LIST/members",
      listMerge(["EMAIL_ADDRESS_"], [["a@example.com"]]),
    );
    const { status, body } = await control("GET", "/state");
    expect(status).toBe(200);
    const state = body as StateSnapshot & { config: unknown; faults: unknown[] };
    expect(state.lists[0]).toMatchObject({
      name: "CONTACTS_LIST",
      folderName: "Lists",
      members: [expect.objectContaining({ RIID_: "470515001", EMAIL_ADDRESS_: "a@example.com" })],
      extensions: [],
    });
    expect(state.campaigns).toEqual([
      expect.objectContaining({ name: "Welcome_Series", listName: "CONTACTS_LIST" }),
    ]);
    expect(state.sent).toEqual([]);
    expect(state.config).toEqual({ tokenLifetimeMs: 7_200_000, rateLimits: {} });
  });

  it("GET /requests records method, path, headers (Authorization too), parsed body, status, time and API function", async () => {
    const { caller, control } = await setUp();
    await caller.call(
      "POST",
      "/v1.3/lists/CONTACTS_LIST/members",
      listMerge(["EMAIL_ADDRESS_"], [["a@example.com"]]),
    );
    await caller.call("GET", "/v1.3/lists/NOPE/fields");
    const all = (await control("GET", "/requests")).body as { requests: RecordedRequest[] };
    expect(all.requests.map((request) => request.api)).toEqual([
      "Login",
      "Merge List Recipients",
      "Retrieve Profile List Fields",
    ]);
    expect(all.requests[0]?.body).toEqual({
      user_name: "sandbox",
      password: "sandbox",
      auth_type: "password",
    });
    const merges = (await control("GET", "/requests?path=/members&method=post")).body as {
      requests: RecordedRequest[];
    };
    expect(merges.requests).toEqual([
      {
        id: 2,
        time: T0,
        method: "POST",
        path: "/rest/api/v1.3/lists/CONTACTS_LIST/members",
        query: {},
        headers: expect.objectContaining({ authorization: caller.token, "content-type": "application/json" }),
        body: listMerge(["EMAIL_ADDRESS_"], [["a@example.com"]]),
        api: "Merge List Recipients",
        status: 200,
        fault: null,
      },
    ]);
    const notFound = (await control("GET", "/requests?api=Retrieve%20Profile%20List%20Fields")).body as {
      requests: RecordedRequest[];
    };
    expect(notFound.requests.map((request) => request.status)).toEqual([404]);
  });

  it("POST /faults arms faults (one or many), GET lists them, DELETE clears them", async () => {
    const { caller, control } = await setUp();
    const armed = await control("POST", "/faults", [
      { kind: "server_error", match: { api: "Retrieve Profile Lists" } },
      { kind: "drop_before", match: { path: "/campaigns" }, times: 3 },
    ]);
    expect(armed.status).toBe(201);
    expect((armed.body as { faults: unknown[] }).faults).toEqual([
      expect.objectContaining({ id: 1, kind: "server_error", remaining: 1, status: 503 }),
      expect.objectContaining({ id: 2, kind: "drop_before", remaining: 3 }),
    ]);
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(503);
    expect((await control("GET", "/faults")).body).toEqual({ faults: [expect.objectContaining({ id: 2 })] });
    await control("DELETE", "/faults");
    expect((await control("GET", "/faults")).body).toEqual({ faults: [] });
    expect((await caller.call("GET", "/v1.3/campaigns?type=email")).status).toBe(200);
  });

  it("refuses a malformed fault with 400 and arms nothing", async () => {
    const { control } = await setUp();
    const result = await control("POST", "/faults", { kind: "latency" });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      errorCode: "INVALID_PARAMETER",
      detail: expect.stringMatching(/latencyMs/),
    });
    expect((await control("GET", "/faults")).body).toEqual({ faults: [] });
  });

  it("PUT /config changes token lifetime and rate limits; unknown functions are refused", async () => {
    const { caller, control } = await setUp();
    const updated = await control("PUT", "/config", {
      tokenLifetimeMs: 5_000,
      rateLimits: { "Retrieve Profile Lists": 1 },
    });
    expect(updated.body).toEqual({ tokenLifetimeMs: 5_000, rateLimits: { "Retrieve Profile Lists": 1 } });
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
    expect((await caller.call("GET", "/v1.3/lists")).body).toMatchObject({ errorCode: "API_LIMIT_EXCEEDED" });
    const bad = await control("PUT", "/config", { rateLimits: { Nope: 1 } });
    expect(bad.status).toBe(400);
  });

  it("POST /clock moves the sandbox clock forward (token expiry over HTTP), POST /tokens/expire ends tokens", async () => {
    const { caller, control } = await setUp();
    expect((await control("POST", "/clock", { advanceMs: 7_200_000 })).body).toEqual({ now: T0 + 7_200_000 });
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(401);
    await caller.login();
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
    await control("POST", "/tokens/expire");
    expect((await caller.call("GET", "/v1.3/lists")).body).toMatchObject({ errorCode: "INVALID_TOKEN" });
  });

  it("POST /reset restores the seed data and clears requests, faults, counters and config; tokens stay valid", async () => {
    const { sandbox, caller, control } = await setUp();
    await caller.call(
      "POST",
      "/v1.3/lists/CONTACTS_LIST/members",
      listMerge(["EMAIL_ADDRESS_"], [["a@example.com"]]),
    );
    sandbox.injectFault({ kind: "server_error" });
    sandbox.configure({ tokenLifetimeMs: 1 });
    sandbox.advanceClock(1_000);
    await control("POST", "/reset");
    expect(sandbox.now()).toBe(T0 + 1_000);
    expect(sandbox.state.members("CONTACTS_LIST")).toEqual([]);
    expect(sandbox.requests()).toEqual([]);
    expect(sandbox.faults()).toEqual([]);
    expect(sandbox.config().tokenLifetimeMs).toBe(7_200_000);
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
  });

  it("POST /seed replaces the data with a new seed; reset returns to it; a bad seed is refused", async () => {
    const { sandbox, caller, control } = await setUp();
    const seed = {
      users: [{ userName: "api_user", password: "s3cret" }],
      lists: [
        {
          name: "MY_LIST",
          folderName: "F",
          fields: [
            { fieldName: "RIID_", fieldType: "INTEGER" },
            { fieldName: "EMAIL_ADDRESS_", fieldType: "STR500" },
          ],
          members: [{ RIID_: "5", EMAIL_ADDRESS_: "seeded@example.com" }],
          extensions: [
            { objectName: "MY_PET", folderName: "F", fields: [{ fieldName: "SCORE", fieldType: "INTEGER" }] },
          ],
        },
      ],
      campaigns: [{ name: "Promo", folderName: "C", listName: "MY_LIST" }],
    };
    expect((await control("POST", "/seed", seed)).status).toBe(200);
    expect((await caller.login("api_user", "s3cret")).status).toBe(200);
    expect((await caller.call("GET", "/v1.3/lists")).body).toEqual([
      { name: "MY_LIST", folderName: "F", fields: seed.lists[0]?.fields },
    ]);
    await caller.call(
      "POST",
      "/v1.3/lists/MY_LIST/members",
      listMerge(["EMAIL_ADDRESS_"], [["new@example.com"]]),
    );
    expect(sandbox.state.members("MY_LIST").map((member) => member.RIID_)).toEqual(["5", "470515001"]);
    sandbox.reset();
    expect(sandbox.state.members("MY_LIST").map((member) => member.EMAIL_ADDRESS_)).toEqual([
      "seeded@example.com",
    ]);
    const bad = await control("POST", "/seed", {
      ...defaultSeed,
      campaigns: [{ name: "X", folderName: "C", listName: "NOPE" }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ detail: expect.stringMatching(/campaigns.0.listName/) });
    expect(sandbox.state.members("MY_LIST")).toHaveLength(1);
  });

  it("answers unknown paths with a 404 envelope", async () => {
    const { caller } = await setUp();
    const result = await caller.call("GET", "/v1.3/nothing-here");
    expect(result.status).toBe(404);
    expect(result.body).toMatchObject({ errorCode: "NOT_FOUND" });
  });
});
