import { beforeEach, describe, expect, it } from "vitest";
import { sandbox, sandboxClient } from "../test/sandbox-control.ts";
import type { FetchLike } from "./transport.ts";

// Oracle's samples, its Swagger and observed traffic disagree on several top-level shapes
// (shared/reference/responsys-api.md §3, §9). The sandbox answers one of each; these tests pass
// its real answers through a reshaping step to check the client reads every documented form.
const control = sandbox();

beforeEach(() => control.reset());

function reshaping(pathEnd: string, reshape: (body: unknown) => unknown): FetchLike {
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!new URL(input).pathname.endsWith(pathEnd)) return response;
    const body = reshape(JSON.parse(await response.text()));
    return new Response(JSON.stringify(body), {
      status: response.status,
      headers: { "Content-Type": "application/json" },
    });
  };
}

function field(body: unknown, key: string): unknown {
  return typeof body === "object" && body !== null ? Reflect.get(body, key) : undefined;
}

describe("documented response shapes", () => {
  it.each([
    ["a bare array (DEV sample)", (body: unknown) => field(body, "campaigns")],
    ["{ items } (Swagger)", (body: unknown) => ({ items: field(body, "campaigns") })],
    [
      "{ campaigns } without links (push variant)",
      (body: unknown) => ({ campaigns: field(body, "campaigns") }),
    ],
  ])("campaign list as %s", async (_name, reshape) => {
    const { client } = sandboxClient(control, { fetch: reshaping("/campaigns", reshape) });
    const page = await client.campaigns.list();
    expect(page.campaigns.map((campaign) => campaign.name)).toEqual(["Welcome_Series"]);
    expect(page.nextOffset).toBeUndefined();
  });

  it("a full page without links means there may be more", async () => {
    const { client } = sandboxClient(control, {
      fetch: reshaping("/campaigns", (body) => field(body, "campaigns")),
    });
    expect((await client.campaigns.list({ limit: 1 })).nextOffset).toBe(1);
  });

  it("profile lists as { items } (Swagger)", async () => {
    const { client } = sandboxClient(control, { fetch: reshaping("/lists", (body) => ({ items: body })) });
    expect((await client.lists.list()).map((list) => list.name)).toEqual(["CONTACTS_LIST"]);
  });

  it("rate limits wrapped in an object", async () => {
    const { client } = sandboxClient(control, {
      fetch: reshaping("/ratelimit", (body) => ({ rateLimits: body })),
    });
    const limits = await client.rateLimits.get();
    expect(limits.find((entry) => entry.apiFunctions.includes("mergeListMembers"))?.limit).toBeGreaterThan(0);
  });

  it("RIIDs as numbers and a login without issuedAt", async () => {
    const numericRiids = reshaping("/members", (body) => {
      const recordData = field(body, "recordData");
      const records = field(recordData, "records");
      return {
        recordData: {
          fieldNames: ["RIID_"],
          records: Array.isArray(records)
            ? records.map((row) => (Array.isArray(row) ? [Number(row[0])] : row))
            : records,
        },
      };
    });
    const noIssuedAt = reshaping("/auth/token", (body) => ({
      authToken: field(body, "authToken"),
      endPoint: field(body, "endPoint"),
    }));
    const { client } = sandboxClient(control, {
      fetch: (input, init) =>
        input.endsWith("/auth/token") ? noIssuedAt(input, init) : numericRiids(input, init),
    });
    const results = await client.lists.mergeMembers("CONTACTS_LIST", {
      fieldNames: ["EMAIL_ADDRESS_"],
      records: [["a@example.com"]],
      mergeRule: {
        insertOnNoMatch: true,
        matchColumnName1: "EMAIL_ADDRESS_",
        defaultPermissionStatus: "OPTOUT",
      },
    });
    expect(results).toEqual([{ ok: true, riid: expect.stringMatching(/^\d+$/) }]);
  });

  it("a login answer without a token is UNEXPECTED_RESPONSE", async () => {
    const { client } = sandboxClient(control, {
      fetch: reshaping("/auth/token", () => ({ endPoint: control.url })),
    });
    await expect(client.auth.login()).rejects.toMatchObject({
      kind: "unexpected",
      code: "UNEXPECTED_RESPONSE",
    });
  });
});
