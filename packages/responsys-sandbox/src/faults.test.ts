import { describe, expect, it } from "vitest";
import { ConnectionDroppedError, createSandbox } from "./index.ts";
import { listMerge, TestCaller } from "./test-caller.ts";

const MEMBERS = "/v1.3/lists/CONTACTS_LIST/members";
const merge = (email: string) => listMerge(["EMAIL_ADDRESS_"], [[email]]);

async function setUp() {
  const sandbox = createSandbox();
  const caller = TestCaller.inProcess(sandbox);
  await caller.login();
  return { sandbox, caller };
}

describe("fault injection (in-process)", () => {
  it("answers a 5xx with Responsys' envelope `times` times, then behaves again", async () => {
    const { sandbox, caller } = await setUp();
    sandbox.injectFault({
      kind: "server_error",
      status: 502,
      match: { api: "Merge List Recipients" },
      times: 2,
    });
    for (let attempt = 0; attempt < 2; attempt++) {
      expect(await caller.call("POST", MEMBERS, merge("a@example.com"))).toEqual({
        status: 502,
        body: {
          type: "",
          title: "Unexpected exception",
          errorCode: "UNEXPECTED_EXCEPTION",
          detail: "Injected server error",
          errorDetails: [],
        },
      });
    }
    expect(sandbox.state.members("CONTACTS_LIST")).toEqual([]);
    expect((await caller.call("POST", MEMBERS, merge("a@example.com"))).status).toBe(200);
    expect(sandbox.faults()).toEqual([]);
  });

  it("answers INTERNAL_CAPACITY_LIMIT_EXCEEDED", async () => {
    const { sandbox, caller } = await setUp();
    sandbox.injectFault({ kind: "capacity_limit", match: { path: "/members" } });
    const result = await caller.call("POST", MEMBERS, merge("a@example.com"));
    expect(result.status).toBe(401);
    expect(result.body).toMatchObject({ errorCode: "INTERNAL_CAPACITY_LIMIT_EXCEEDED" });
  });

  it("matches by method and path substring, and leaves other requests alone", async () => {
    const { sandbox, caller } = await setUp();
    sandbox.injectFault({ kind: "server_error", match: { method: "get", path: "/fields" } });
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
    expect((await caller.call("POST", MEMBERS, merge("a@example.com"))).status).toBe(200);
    expect((await caller.call("GET", "/v1.3/lists/CONTACTS_LIST/fields")).status).toBe(503);
    expect((await caller.call("GET", "/v1.3/lists/CONTACTS_LIST/fields")).status).toBe(200);
  });

  it("delays a response by latencyMs and then answers normally", async () => {
    const waits: number[] = [];
    const sandbox = createSandbox({ sleep: async (ms) => void waits.push(ms) });
    const caller = TestCaller.inProcess(sandbox);
    await caller.login();
    sandbox.injectFault({ kind: "latency", latencyMs: 2_500, match: { api: "Retrieve Profile Lists" } });
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
    expect(waits).toEqual([2_500]);
    expect(sandbox.requests({ api: "Retrieve Profile Lists" })[0]).toMatchObject({
      fault: "latency",
      status: 200,
    });
  });

  it("waits for real with the default sleep", async () => {
    const { sandbox, caller } = await setUp();
    sandbox.injectFault({ kind: "latency", latencyMs: 1 });
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
  });

  it("drop_before: the caller's fetch rejects and nothing changes", async () => {
    const { sandbox, caller } = await setUp();
    sandbox.injectFault({ kind: "drop_before", match: { api: "Merge List Recipients" } });
    const call = caller.call("POST", MEMBERS, merge("a@example.com"));
    await expect(call).rejects.toBeInstanceOf(ConnectionDroppedError);
    await expect(call).rejects.toBeInstanceOf(TypeError);
    expect(sandbox.state.members("CONTACTS_LIST")).toEqual([]);
    expect(sandbox.requests({ api: "Merge List Recipients" })).toEqual([
      expect.objectContaining({ status: null, fault: "drop_before" }),
    ]);
  });

  it("drop_after: the caller's fetch rejects but the merge happened", async () => {
    const { sandbox, caller } = await setUp();
    sandbox.injectFault({ kind: "drop_after", match: { path: "CONTACTS_LIST/members" } });
    await expect(caller.call("POST", MEMBERS, merge("a@example.com"))).rejects.toThrow(/after processing/);
    expect(sandbox.state.members("CONTACTS_LIST")).toEqual([
      expect.objectContaining({ EMAIL_ADDRESS_: "a@example.com" }),
    ]);
    expect(sandbox.requests({ api: "Merge List Recipients" })).toEqual([
      expect.objectContaining({ status: 200, fault: "drop_after" }),
    ]);
  });

  it("applies faults to logins too, and never to the control API", async () => {
    const { sandbox, caller } = await setUp();
    sandbox.injectFault({ kind: "server_error", times: 5 });
    expect((await caller.login()).status).toBe(503);
    const state = await caller.send(new Request(`${caller.origin}/__sandbox/state`));
    expect(state.status).toBe(200);
  });

  it("validates faults: an unknown kind or a bad times is refused", () => {
    const sandbox = createSandbox();
    expect(() => sandbox.injectFault({ kind: "explode" } as never)).toThrow();
    expect(() => sandbox.injectFault({ kind: "drop_after", times: 0 })).toThrow();
  });
});
