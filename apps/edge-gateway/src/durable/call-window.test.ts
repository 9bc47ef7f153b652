import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { DEFAULT_RATE_LIMITS } from "@responsys-bridge/responsys-client";
import { expect, it } from "vitest";
import { CallWindow } from "./call-window.ts";

// A session object of its own: the window only needs its SQLite storage.
const stub = env.AUTHORIZATION_SESSION.get(env.AUTHORIZATION_SESSION.idFromName("auth_call_window_test"));

it("lets `limit` calls per function into any 60 s and says how long the next must wait", async () => {
  await runInDurableObject(stub, (_instance, state) => {
    let now = 1_000_000;
    const window = new CallWindow(state.storage.sql, { now: () => now });
    window.migrate();
    window.setLimits({ mergeListMembers: 3 });
    expect([0, 0, 0].map(() => window.tryAcquire("mergeListMembers"))).toEqual([0, 0, 0]);
    now += 30_000;
    expect(window.tryAcquire("mergeListMembers")).toBe(30_000);
    expect(window.tryAcquire("triggerEmail")).toBe(0);
    now += 30_000;
    expect(window.tryAcquire("mergeListMembers")).toBe(0);
  });
});

it("keeps the spent budget when the object is rebuilt (eviction)", async () => {
  await runInDurableObject(stub, (_instance, state) => {
    const now = 5_000_000;
    const before = new CallWindow(state.storage.sql, { now: () => now });
    before.migrate();
    before.setLimits({ retrieveCampaigns: 2 });
    before.tryAcquire("retrieveCampaigns");
    before.tryAcquire("retrieveCampaigns");
    const after = new CallWindow(state.storage.sql, { now: () => now + 1_000 });
    after.setLimits({ retrieveCampaigns: 2 });
    expect(after.tryAcquire("retrieveCampaigns")).toBe(59_000);
  });
});

it("ignores unusable limits", async () => {
  await runInDurableObject(stub, (_instance, state) => {
    const window = new CallWindow(state.storage.sql);
    window.setLimits({ login: 0, triggerEmail: Number.NaN, mergeListMembers: 12.7 });
    expect(window.limits()).toMatchObject({
      login: DEFAULT_RATE_LIMITS.login,
      triggerEmail: DEFAULT_RATE_LIMITS.triggerEmail,
      mergeListMembers: 12,
    });
  });
});
