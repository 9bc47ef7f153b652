import { describe, expect, it } from "vitest";
import { DEFAULT_RATE_LIMITS } from "./api-functions.ts";
import { RATE_LIMIT_WINDOW_MS, RateLimiter } from "./rate-limiter.ts";

function fakeClock(start = 1_000_000) {
  let now = start;
  const waits: number[] = [];
  return {
    now: () => now,
    // Concurrent sleepers wake at their own deadlines, so the clock moves to the latest one.
    sleep: async (ms: number) => {
      waits.push(ms);
      const wake = now + ms;
      await Promise.resolve();
      now = Math.max(now, wake);
    },
    advance: (ms: number) => {
      now += ms;
    },
    waits,
  };
}

describe("RateLimiter", () => {
  it("lets `limit` calls through per sliding minute, then says how long to wait", () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limits: { mergeListMembers: 3 }, now: clock.now });
    expect([0, 1, 2].map(() => limiter.tryAcquire("mergeListMembers"))).toEqual([0, 0, 0]);
    clock.advance(20_000);
    expect(limiter.tryAcquire("mergeListMembers")).toBe(40_000);
    clock.advance(40_000);
    expect(limiter.tryAcquire("mergeListMembers")).toBe(0);
  });

  it("keeps each API function separate", () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limits: { login: 1, triggerEmail: 1 }, now: clock.now });
    expect(limiter.tryAcquire("login")).toBe(0);
    expect(limiter.tryAcquire("triggerEmail")).toBe(0);
    expect(limiter.tryAcquire("login")).toBeGreaterThan(0);
  });

  it("acquire waits with the injected sleep until a slot frees up", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limits: { login: 2 }, now: clock.now, sleep: clock.sleep });
    await limiter.acquire("login");
    clock.advance(1_000);
    await limiter.acquire("login");
    await limiter.acquire("login");
    expect(clock.waits).toEqual([RATE_LIMIT_WINDOW_MS - 1_000]);
    // Never more than 2 in any minute: the third went exactly one minute after the first.
    expect(clock.now()).toBe(1_000_000 + RATE_LIMIT_WINDOW_MS);
  });

  it("concurrent acquires never exceed the limit", async () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({ limits: { mergeListMembers: 2 }, now: clock.now, sleep: clock.sleep });
    const granted: number[] = [];
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        await limiter.acquire("mergeListMembers");
        granted.push(clock.now());
      }),
    );
    for (const at of granted) {
      expect(
        granted.filter((other) => other > at - RATE_LIMIT_WINDOW_MS && other <= at).length,
      ).toBeLessThanOrEqual(2);
    }
    expect(granted).toHaveLength(5);
  });

  it("starts from the documented defaults and takes new limits, ignoring unusable ones", () => {
    const limiter = new RateLimiter();
    expect(limiter.limitOf("login")).toBe(DEFAULT_RATE_LIMITS.login);
    limiter.setLimits({ login: 25, triggerEmail: 0, mergeListMembers: Number.NaN });
    expect(limiter.limitOf("login")).toBe(25);
    expect(limiter.limitOf("triggerEmail")).toBe(DEFAULT_RATE_LIMITS.triggerEmail);
    expect(limiter.limitOf("mergeListMembers")).toBe(DEFAULT_RATE_LIMITS.mergeListMembers);
  });
});
