import { afterEach, describe, expect, it, vi } from "vitest";
import { ResponsysError } from "./errors.ts";
import { type FetchLike, type HttpRequest, Transport } from "./transport.ts";

const request: HttpRequest = {
  apiFunction: "mergeListMembers",
  method: "POST",
  url: "http://responsys.test/rest/api/v1.3/lists/L/members",
  headers: { "content-type": "application/json" },
  body: "{}",
  mode: "idempotent",
};

// A fetch that never answers on its own: it settles only when the caller aborts it.
const hangingFetch: FetchLike = (_url, init) =>
  new Promise((_resolve, reject) => {
    init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
  });

afterEach(() => {
  vi.useRealTimers();
});

describe("Transport timeout", () => {
  it("gives up after timeoutMs with a network error that says so", async () => {
    vi.useFakeTimers();
    const transport = new Transport({ fetch: hangingFetch, limiter: undefined, timeoutMs: 1_000 });
    const sending = transport.send(request);
    const outcome = expect(sending).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof ResponsysError &&
        error.kind === "network" &&
        /no answer within 1000 ms/.test(error.message),
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await outcome;
  });

  it("leaves no timer behind once the answer has arrived", async () => {
    vi.useFakeTimers();
    const transport = new Transport({
      fetch: async () => new Response("[]", { status: 200 }),
      limiter: undefined,
      timeoutMs: 120_000,
    });
    const response = await transport.send(request);
    expect(response.body).toBe("[]");
    expect(vi.getTimerCount()).toBe(0);
  });
});
