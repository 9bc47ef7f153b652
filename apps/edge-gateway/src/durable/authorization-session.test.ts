import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createSandboxAuthorization } from "../../test/admin.ts";
import { authorizationHeader, recordedRequests } from "../../test/sandbox-control.ts";
import { readConfig } from "../env.ts";
import { responsysClientFor } from "../responsys/client.ts";
import type { AuthorizationSession } from "./authorization-session.ts";

const config = readConfig(env);

function sessionOf(authorizationId: string): DurableObjectStub<AuthorizationSession> {
  return env.AUTHORIZATION_SESSION.get(env.AUTHORIZATION_SESSION.idFromName(authorizationId));
}

describe("AuthorizationSession", () => {
  it("gives every job of an authorization the same token, logged in once", async () => {
    const id = await createSandboxAuthorization();
    const clients = [1, 2, 3].map(() => responsysClientFor(env, id, config));
    await Promise.all(clients.map((client) => client.lists.list()));

    const token = await sessionOf(id).currentToken();
    expect(token?.authToken).toBeTruthy();
    const listCalls = (await recordedRequests({ path: "/rest/api/v1.3/lists" })).filter(
      (request) => authorizationHeader(request) === token?.authToken,
    );
    expect(listCalls).toHaveLength(3);
  });

  it("keeps the password inside the session: job clients never send a login themselves", async () => {
    const id = await createSandboxAuthorization();
    await responsysClientFor(env, id, config).lists.list();
    const logins = await recordedRequests({ path: "/auth/token" });
    const placeholder = logins.filter((request) =>
      JSON.stringify(request.body).includes("held-by-authorization"),
    );
    expect(placeholder).toEqual([]);
  });

  it("refreshes a token that is close to expiry with auth_type=token", async () => {
    const id = await createSandboxAuthorization();
    const client = responsysClientFor(env, id, config);
    await client.lists.list();
    const stub = sessionOf(id);
    const old = await stub.currentToken();
    expect(old).not.toBeNull();
    // Age the stored token past the refresh point (110 of its 120 minutes).
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.kv.put("token", { ...old, issuedAt: Date.now() - 115 * 60 * 1000 });
    });

    await responsysClientFor(env, id, config).lists.list();
    const fresh = await stub.currentToken();
    expect(fresh?.authToken).not.toBe(old?.authToken);
    const refreshes = (await recordedRequests({ path: "/auth/token" })).filter(
      (request) => authorizationHeader(request) === old?.authToken,
    );
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]?.body).toMatchObject({ auth_type: "token" });
  });

  it("logs in again once when Responsys refuses the shared token", async () => {
    const id = await createSandboxAuthorization();
    const stub = sessionOf(id);
    const client = responsysClientFor(env, id, config);
    await client.lists.list();
    const real = await stub.currentToken();
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.kv.put("token", { ...real, authToken: "refused-token" });
    });

    const lists = await responsysClientFor(env, id, config).lists.list();
    expect(lists.length).toBeGreaterThan(0);
    const after = await stub.currentToken();
    expect(after?.authToken).not.toBe("refused-token");
    const refused = (await recordedRequests({ path: "/rest/api/v1.3/lists" })).filter(
      (request) => authorizationHeader(request) === "refused-token",
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]?.status).toBe(401);
  });

  it("paces calls of all jobs together under one per-function budget", async () => {
    const id = await createSandboxAuthorization();
    const stub = sessionOf(id);
    const { limits } = await stub.rateLimits();
    const budget = limits.retrieveProfileLists ?? 0;
    expect(budget).toBeGreaterThan(0);
    const waits: number[] = [];
    for (let call = 0; call < budget; call++) waits.push(await stub.tryAcquire("retrieveProfileLists"));
    expect(waits.every((wait) => wait === 0)).toBe(true);
    // The budget is spent: the next call of any job must wait, other functions are unaffected.
    expect(await stub.tryAcquire("retrieveProfileLists")).toBeGreaterThan(0);
    expect(await stub.tryAcquire("retrieveCampaigns")).toBe(0);
  });

  it("reads the account's limits from GET /rest/api/ratelimit", async () => {
    const id = await createSandboxAuthorization();
    const limits = await sessionOf(id).rateLimits({ reload: true });
    expect(limits.source).toBe("account");
    // test/global-setup.ts raises the sandbox's login limit to 1000 per minute.
    expect(limits.limits.login).toBe(1000);
  });

  it("answers a refused login as data the job's client classifies as a login failure", async () => {
    const answer = await sessionOf("auth_does_not_exist").sessionToken({});
    expect(answer.ok).toBe(false);
    await expect(responsysClientFor(env, "auth_does_not_exist", config).lists.list()).rejects.toMatchObject({
      kind: "login",
      errorCode: "AUTHORIZATION_NOT_FOUND",
    });
  });

  it("never sends a token to a non-Responsys host unless custom endpoints are allowed", async () => {
    const id = await createSandboxAuthorization();
    const strict = { ...config, allowCustomEndpoints: false };
    const client = responsysClientFor(env, id, strict, { maxRetries: 0 });
    await expect(client.lists.list()).rejects.toMatchObject({ kind: "network" });
    const token = await sessionOf(id).currentToken();
    const sent = (await recordedRequests({ path: "/rest/api/v1.3/lists" })).filter(
      (request) => authorizationHeader(request) === token?.authToken,
    );
    expect(sent).toEqual([]);
  });

  it("forgets its token when the authorization is deleted", async () => {
    const id = await createSandboxAuthorization();
    await responsysClientFor(env, id, config).lists.list();
    expect(await sessionOf(id).currentToken()).not.toBeNull();
    await sessionOf(id).forget();
    expect(await sessionOf(id).currentToken()).toBeNull();
  });
});
