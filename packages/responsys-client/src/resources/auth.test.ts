import { beforeEach, describe, expect, it } from "vitest";
import { sandbox, sandboxClient } from "../../test/sandbox-control.ts";
import { isResponsysError } from "../errors.ts";
import { MemoryTokenStore } from "../token-store.ts";

const control = sandbox();
const LOGIN = { api: "Login" };
const MIN = 60_000;

beforeEach(() => control.reset());

describe("auth", () => {
  it("logs in with a form body, then calls the endPoint with the raw token", async () => {
    const { client, sent } = sandboxClient(control, { username: "sand box+1", password: "p&ss=wörd" });
    await expect(client.auth.login()).rejects.toMatchObject({
      kind: "login",
      code: "INVALID_USER_NAME_PASSWORD",
    });
    // Exact bytes: field order, encodeURIComponent (space %20, + & = escaped, UTF-8 percent-encoded).
    expect(sent[0]?.body).toBe("user_name=sand%20box%2B1&password=p%26ss%3Dw%C3%B6rd&auth_type=password");
    expect(sent[0]?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
    expect(sent[0]?.url).toBe(`${control.url}/rest/api/v1.3/auth/token`);

    const ok = sandboxClient(control);
    const token = await ok.client.auth.login();
    expect(token.endPoint).toBe(control.url);
    await ok.client.lists.list();
    const [listCall] = await control.requests({ api: "Retrieve Profile Lists" });
    expect(listCall?.headers.authorization).toBe(token.authToken);
    expect(listCall?.headers.authorization?.startsWith("Bearer")).toBe(false);
  });

  it("a wrong password is a login error, tried once", async () => {
    const { client } = sandboxClient(control, { password: "wrong" });
    const error = await client.lists.list().catch((caught: unknown) => caught);
    expect(isResponsysError(error, "login")).toBe(true);
    expect(error).toMatchObject({ status: 400, errorCode: "INVALID_USER_NAME_PASSWORD", retryable: false });
    expect(await control.requests(LOGIN)).toHaveLength(1);
  });

  it("concurrent calls share one login (single-flight)", async () => {
    const { client } = sandboxClient(control);
    await Promise.all(Array.from({ length: 8 }, () => client.lists.list()));
    expect(await control.requests(LOGIN)).toHaveLength(1);
    expect(await control.requests({ api: "Retrieve Profile Lists" })).toHaveLength(8);
  });

  it("clients sharing a token store share the login", async () => {
    const store = new MemoryTokenStore();
    const first = sandboxClient(control, { tokenStore: store });
    const second = sandboxClient(control, { tokenStore: store });
    await first.client.lists.list();
    await second.client.lists.list();
    expect(await control.requests(LOGIN)).toHaveLength(1);
    expect((await store.get())?.endPoint).toBe(control.url);
  });

  it("refreshes with auth_type=token after 110 minutes, before the 2-hour expiry", async () => {
    let now = Date.UTC(2026, 10, 1, 9);
    const { client, sent } = sandboxClient(control, { now: () => now });
    const first = await client.auth.token();
    now += 109 * MIN;
    expect(await client.auth.token()).toEqual(first);
    now += 2 * MIN;
    await client.lists.list();
    const logins = await control.requests(LOGIN);
    expect(logins.map((request) => request.body)).toEqual([
      { user_name: "sandbox", password: "sandbox", auth_type: "password" },
      { auth_type: "token" },
    ]);
    expect(logins[1]?.headers.authorization).toBe(first.authToken);
    expect(sent[1]?.body).toBe("auth_type=token");
    const second = await client.auth.token();
    expect(second.authToken).not.toBe(first.authToken);
    expect(second.issuedAt).toBe(now);
    const [listCall] = await control.requests({ api: "Retrieve Profile Lists" });
    expect(listCall?.headers.authorization).toBe(second.authToken);
  });

  it("logs in with the password again once a token is past two hours", async () => {
    let now = Date.UTC(2026, 10, 1, 9);
    const { client } = sandboxClient(control, { now: () => now });
    await client.lists.list();
    now += 121 * MIN;
    await client.lists.list();
    const logins = await control.requests(LOGIN);
    expect(logins.map((request) => (request.body as { auth_type: string }).auth_type)).toEqual([
      "password",
      "password",
    ]);
  });

  it("INVALID_TOKEN on a call: one fresh login, then the call is repeated", async () => {
    const { client, sleeps } = sandboxClient(control);
    await client.lists.list();
    await control.expireTokens();
    const lists = await client.lists.list();
    expect(lists.map((list) => list.name)).toContain("CONTACTS_LIST");
    expect(await control.requests(LOGIN)).toHaveLength(2);
    const calls = await control.requests({ api: "Retrieve Profile Lists" });
    expect(calls.map((call) => call.status)).toEqual([200, 401, 200]);
    expect(sleeps).toEqual([]);
  });

  it("a refused token is cleared from the token store before the new login is stored", async () => {
    const store = new MemoryTokenStore();
    const events: string[] = [];
    const { client } = sandboxClient(control, {
      tokenStore: {
        get: () => store.get(),
        set: async (token) => {
          events.push("set");
          await store.set(token);
        },
        clear: async () => {
          events.push("clear");
          await store.clear();
        },
      },
    });
    await client.lists.list();
    await control.expireTokens();
    await client.lists.list();
    expect(events).toEqual(["set", "clear", "set"]);
  });

  it("concurrent calls that all hit INVALID_TOKEN share one fresh login", async () => {
    const { client } = sandboxClient(control);
    await client.lists.list();
    await control.expireTokens();
    await Promise.all(Array.from({ length: 5 }, () => client.lists.list()));
    expect(await control.requests(LOGIN)).toHaveLength(2);
  });

  it("a throttled login is backed off (30 s, then 60 s scale, jittered) and repeated; the data call goes once", async () => {
    await control.configure({ rateLimits: { Login: 1 } });
    const other = sandboxClient(control);
    await other.client.auth.login();
    const { client, sleeps } = sandboxClient(control);
    await client.lists.list();
    const logins = await control.requests(LOGIN);
    // The sandbox counts per sliding minute: 22.5 s is not enough, 22.5 + 45 s is.
    expect(logins.map((request) => request.status)).toEqual([200, 401, 401, 200]);
    expect(logins.map((request) => request.body)).toContainEqual(
      expect.objectContaining({ auth_type: "password" }),
    );
    expect(sleeps).toEqual([22_500, 45_000]);
    expect(await control.requests({ api: "Retrieve Profile Lists" })).toHaveLength(1);
  });
});
