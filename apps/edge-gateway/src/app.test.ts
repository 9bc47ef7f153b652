import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { app } from "./app.ts";

const admin = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };

async function errorOf(response: Response): Promise<{ code: string; message: string; requestId: string }> {
  const body = (await response.json()) as { error: { code: string; message: string; requestId: string } };
  return body.error;
}

describe("environment validation", () => {
  it.each([
    ["ADMIN_TOKEN missing", { ADMIN_TOKEN: undefined }],
    ["SECRETS_KEY missing", { SECRETS_KEY: undefined }],
    ["SECRETS_KEY malformed", { SECRETS_KEY: "too-short" }],
    ["BATCH_SIZE above 200", { BATCH_SIZE: "500" }],
  ])("answers 500 BAD_ENVIRONMENT when %s", async (_name, override) => {
    const response = await app.fetch(new Request("http://gateway/v1/jobs", { headers: admin }), {
      ...env,
      ...override,
    });
    expect(response.status).toBe(500);
    const error = await errorOf(response);
    expect(error.code).toBe("BAD_ENVIRONMENT");
    expect(error.requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(error.message).not.toContain(env.SECRETS_KEY);
  });
});

describe("admin authentication", () => {
  it.each([
    ["no header", {}],
    ["a wrong token", { Authorization: "Bearer not-the-admin-token" }],
    ["a non-bearer scheme", { Authorization: `Basic ${env.ADMIN_TOKEN}` }],
  ])("answers 401 UNAUTHORIZED with %s", async (_name, headers) => {
    const response = await exports.default.fetch("http://gateway/v1/jobs", { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
    const error = await errorOf(response);
    expect(error.code).toBe("UNAUTHORIZED");
    expect(response.headers.get("X-Request-Id")).toBe(error.requestId);
  });

  it("lets the admin token through to the route", async () => {
    const response = await exports.default.fetch("http://gateway/v1/no-such-route", { headers: admin });
    expect(response.status).toBe(404);
    expect((await errorOf(response)).code).toBe("NOT_FOUND");
  });

  it("does not ask webhook routes for the admin token", async () => {
    const response = await exports.default.fetch("http://gateway/v1/hooks/job_unknown", { method: "POST" });
    const error = await errorOf(response);
    expect(response.status).not.toBe(500);
    expect(error.message).not.toContain("admin token");
  });
});
