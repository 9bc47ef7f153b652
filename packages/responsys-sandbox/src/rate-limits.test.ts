import { describe, expect, it } from "vitest";
import { API_FUNCTIONS, createSandbox } from "./index.ts";
import { listMerge, TestCaller, testClock } from "./test-caller.ts";

describe("rate limits per API function per minute", () => {
  it("answers 401 API_LIMIT_EXCEEDED past the limit, for that function only, until the minute has passed", async () => {
    const time = testClock();
    const caller = TestCaller.inProcess(
      createSandbox({ now: time.now, rateLimits: { "Merge List Recipients": 2 } }),
    );
    await caller.login();
    const merge = () =>
      caller.call(
        "POST",
        "/v1.3/lists/CONTACTS_LIST/members",
        listMerge(["EMAIL_ADDRESS_"], [["a@example.com"]]),
      );
    expect((await merge()).status).toBe(200);
    time.advance(30_000);
    expect((await merge()).status).toBe(200);
    expect(await merge()).toEqual({
      status: 401,
      body: {
        type: "",
        title: "API limit exceeded",
        errorCode: "API_LIMIT_EXCEEDED",
        detail:
          "You exceeded your allowable limit to call the Merge List Recipients API function. Please try again in a minute.",
        errorDetails: [],
      },
    });
    expect((await caller.call("GET", "/v1.3/lists")).status).toBe(200);
    // The window slides: the first call leaves it 60 s after it was made, the second one 30 s later.
    time.advance(30_000);
    expect((await merge()).status).toBe(200);
    expect((await merge()).status).toBe(401);
  });

  it("throttles logins under the documented sample limit of 10 per minute by default", async () => {
    const time = testClock();
    const caller = TestCaller.inProcess(createSandbox({ now: time.now }));
    for (let attempt = 0; attempt < 10; attempt++) expect((await caller.login()).status).toBe(200);
    const throttled = await caller.login();
    expect(throttled.status).toBe(401);
    expect(throttled.body).toMatchObject({ errorCode: "API_LIMIT_EXCEEDED" });
    time.advance(60_000);
    expect((await caller.login()).status).toBe(200);
  });

  it("reports every API function's limit on GET /rest/api/ratelimit, configured values included", async () => {
    const sandbox = createSandbox({ rateLimits: { "Trigger Email": 7 } });
    const caller = TestCaller.inProcess(sandbox);
    await caller.login();
    sandbox.configure({ rateLimits: { "Merge List Recipients": 3 } });
    const { status, body } = await caller.call("GET", "/rest/api/ratelimit");
    expect(status).toBe(200);
    const entries = body as {
      api: string;
      limit: number;
      resource_path: string;
      verb: string;
      description: string;
    }[];
    expect(entries.map((entry) => entry.api)).toEqual(API_FUNCTIONS.map((fn) => fn.api));
    expect(entries).toContainEqual({
      limit: 7,
      api: "Trigger Email",
      resource_path: "/campaigns/{campaignName}/email",
      verb: "POST",
      description: expect.any(String),
    });
    expect(entries.find((entry) => entry.api === "Merge List Recipients")?.limit).toBe(3);
    expect(entries.find((entry) => entry.api === "Login")?.limit).toBe(10);
  });

  it("is not served under /rest/api/v1.3/ratelimit (404, as Oracle documents)", async () => {
    const caller = TestCaller.inProcess(createSandbox());
    await caller.login();
    expect((await caller.call("GET", "/v1.3/ratelimit")).status).toBe(404);
  });

  it("refuses limits for API functions it does not know", () => {
    expect(() => createSandbox({ rateLimits: { "Merge Everything": 5 } })).toThrow(
      /Unknown API function Merge Everything/,
    );
  });
});
