import { describe, expect, it } from "vitest";
import { LyticsScanEmulator } from "../../test/lytics-scan.ts";
import { fetchScanPage, SCAN_PAGE_SIZE, scanUrl } from "./lytics-scan.ts";

const access = { apiUrl: "https://lytics.test", apiToken: "raw-token" };

function members(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({ email: `m${index}@x.io` }));
}

describe("scanUrl", () => {
  it("pages with limit and start, keeping a path prefix", () => {
    expect(scanUrl(access, "new signups", "")).toBe(
      "https://lytics.test/api/segment/new%20signups/scan?limit=100",
    );
    expect(scanUrl({ ...access, apiUrl: "https://proxy.test/lytics/" }, "a", "c1")).toBe(
      "https://proxy.test/lytics/api/segment/a/scan?limit=100&start=c1",
    );
  });
});

describe("fetchScanPage", () => {
  it("reads pages until _next is empty, sending the raw token", async () => {
    const lytics = new LyticsScanEmulator({
      token: "raw-token",
      audiences: { a: members(SCAN_PAGE_SIZE + 20) },
    });
    const first = await fetchScanPage(lytics.fetch, access, "a", "");
    expect(first).toMatchObject({ ok: true, skipped: 0, total: 120 });
    if (!first.ok || first.next === null) throw new Error("expected a next page");
    expect(first.users).toHaveLength(SCAN_PAGE_SIZE);
    const second = await fetchScanPage(lytics.fetch, access, "a", first.next);
    expect(second).toMatchObject({ ok: true, next: null });
    if (second.ok) expect(second.users.map((user) => user.email)).toContain("m119@x.io");
    expect(lytics.requests.map((request) => request.authorization)).toEqual(["raw-token", "raw-token"]);
  });

  const failures: {
    name: string;
    fault: { status: number; retryAfterSeconds?: number };
    code: string;
    retryable: boolean;
  }[] = [
    {
      name: "throttled",
      fault: { status: 429, retryAfterSeconds: 30 },
      code: "LYTICS_HTTP_429",
      retryable: true,
    },
    { name: "an outage", fault: { status: 503 }, code: "LYTICS_HTTP_503", retryable: true },
    { name: "a refused token", fault: { status: 401 }, code: "LYTICS_UNAUTHORIZED", retryable: false },
  ];
  it.each(failures)("reports $name as a value", async ({ fault, code, retryable }) => {
    const lytics = new LyticsScanEmulator({ token: "raw-token", audiences: { a: members(1) } });
    lytics.failNext(fault);
    const page = await fetchScanPage(lytics.fetch, access, "a", "");
    expect(page).toMatchObject({ ok: false, code, retryable });
    if (!page.ok && fault.retryAfterSeconds !== undefined) expect(page.retryAfterMs).toBe(30_000);
  });

  it("reports an unknown audience and an unreachable Lytics", async () => {
    const lytics = new LyticsScanEmulator({ token: "raw-token", audiences: {} });
    expect(await fetchScanPage(lytics.fetch, access, "nope", "")).toMatchObject({
      ok: false,
      code: "LYTICS_AUDIENCE_NOT_FOUND",
      retryable: false,
    });
    const unreachable = async () => {
      throw new TypeError("connect ECONNREFUSED");
    };
    expect(await fetchScanPage(unreachable, access, "a", "")).toMatchObject({
      ok: false,
      code: "LYTICS_UNREACHABLE",
      retryable: true,
    });
  });

  it("skips entries that are not profiles and ignores a profile's own audience fields", async () => {
    const lytics = new LyticsScanEmulator({
      token: "raw-token",
      audiences: {
        a: [{ email: "a@x.io", segment_events: "garbage" }, 42 as unknown as Record<string, unknown>],
      },
    });
    const page = await fetchScanPage(lytics.fetch, access, "a", "");
    expect(page).toMatchObject({ ok: true, skipped: 1, users: [{ email: "a@x.io" }] });
  });
});
