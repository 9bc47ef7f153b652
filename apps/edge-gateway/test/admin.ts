import { env, exports } from "cloudflare:workers";
import { expect, inject } from "vitest";

/** Calls the gateway as the admin; `body` is sent as JSON. */
export async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${env.ADMIN_TOKEN}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  return exports.default.fetch(`http://gateway${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
}

/** Reads a JSON answer after checking its status, showing the body when the status is wrong. */
export async function expectJson<T>(response: Response, status: number): Promise<T> {
  const text = await response.text();
  expect(response.status, `expected ${status}, got ${response.status}: ${text}`).toBe(status);
  return JSON.parse(text) as T;
}

export type ErrorBody = {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
};

/** The body of an authorization that logs in to the test sandbox. */
export function sandboxAuthorization(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "responsys_interact",
    label: "Sandbox",
    username: "sandbox",
    password: "sandbox",
    endpoint: inject("sandboxUrl"),
    ...overrides,
  };
}

/** Creates an authorization on the sandbox and returns its id. */
export async function createSandboxAuthorization(overrides: Record<string, unknown> = {}): Promise<string> {
  const created = await expectJson<{ id: string }>(
    await admin("POST", "/v1/authorizations", sandboxAuthorization(overrides)),
    201,
  );
  return created.id;
}
