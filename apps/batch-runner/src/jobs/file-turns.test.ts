import { describe, expect, it } from "vitest";
import { FileTurns } from "./file-turns.ts";

describe("file turns", () => {
  it("give the turn to one caller at a time, in the order they asked", async () => {
    const turns = new FileTurns();
    const order: string[] = [];
    const first = await turns.take();
    expect(turns.busy).toBe(true);
    const second = turns.take().then((giveBack) => {
      order.push("second");
      return giveBack;
    });
    const third = turns.take().then((giveBack) => {
      order.push("third");
      return giveBack;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual([]);
    first?.();
    // Giving it back twice changes nothing: the third caller still waits for the second.
    first?.();
    (await second)?.();
    (await third)?.();
    expect(order).toEqual(["second", "third"]);
    expect(turns.busy).toBe(false);
  });

  it("let a caller stop waiting when its signal aborts, without holding up the next one", async () => {
    const turns = new FileTurns();
    const holder = await turns.take();
    const stop = new AbortController();
    const stopped = turns.take(stop.signal);
    const after = turns.take();
    stop.abort();
    expect(await stopped).toBeUndefined();
    holder?.();
    const next = await after;
    expect(next).toBeTypeOf("function");
    next?.();
    expect(turns.busy).toBe(false);
    // An aborted signal never takes the turn, even a free one.
    expect(await turns.take(stop.signal)).toBeUndefined();
    expect(turns.busy).toBe(false);
  });
});
