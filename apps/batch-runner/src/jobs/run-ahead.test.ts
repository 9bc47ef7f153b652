import { describe, expect, it } from "vitest";
import { RunAhead } from "./run-ahead.ts";

/** A source of 1..count that records how far it was pulled, and whether it was closed. */
function counting(count: number, failAt?: number) {
  const seen = { pulled: 0, closed: false };
  async function* source() {
    try {
      for (let n = 1; n <= count; n++) {
        await Promise.resolve();
        if (n === failAt) throw new Error(`source broke at ${n}`);
        seen.pulled = n;
        yield n;
      }
    } finally {
      seen.closed = true;
    }
  }
  return { seen, source: source() };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("RunAhead", () => {
  it("prepares up to its depth ahead of the consumer and hands items out in order", async () => {
    const { seen, source } = counting(10);
    const ahead = new RunAhead(source, 3);
    await settle();
    expect(seen.pulled).toBe(3);
    expect(await ahead.next()).toBe(1);
    await settle();
    expect(seen.pulled).toBe(4);
    const rest: number[] = [];
    for (let item = await ahead.next(); item !== undefined; item = await ahead.next()) rest.push(item);
    expect(rest).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await ahead.stop();
    expect(seen.closed).toBe(true);
  });

  it("waits while it has no room, however deep it may go", async () => {
    const { seen, source } = counting(10);
    let room = false;
    const ahead = new RunAhead(source, 100, () => room);
    await settle();
    // One item is always prepared; more only with room.
    expect(seen.pulled).toBe(1);
    room = true;
    expect(await ahead.next()).toBe(1);
    await settle();
    expect(seen.pulled).toBe(10);
    await ahead.stop();
  });

  it("hands out what was prepared before a failure of the source, then the failure", async () => {
    const { source } = counting(10, 3);
    const ahead = new RunAhead(source, 5);
    expect(await ahead.next()).toBe(1);
    expect(await ahead.next()).toBe(2);
    await expect(ahead.next()).rejects.toThrow("source broke at 3");
    await ahead.stop();
  });

  it("stops preparing and closes the source when stopped early", async () => {
    const { seen, source } = counting(1000);
    const ahead = new RunAhead(source, 2);
    expect(await ahead.next()).toBe(1);
    await ahead.stop();
    expect(seen.closed).toBe(true);
    expect(seen.pulled).toBeLessThanOrEqual(4);
  });
});
