import { describe, expect, it } from "vitest";
import { createSandbox } from "./index.ts";

const ORIGIN = "http://sandbox.local";

function login(sandbox: ReturnType<typeof createSandbox>, form: Record<string, string>, token?: string) {
  return sandbox.app.fetch(
    new Request(`${ORIGIN}/rest/api/v1.3/auth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        ...(token === undefined ? {} : { authorization: token }),
      },
      body: new URLSearchParams(form),
    }),
  );
}

describe("login", () => {
  it("answers authToken, issuedAt in epoch ms and the sandbox origin as endPoint", async () => {
    const sandbox = createSandbox({ now: () => 1_700_000_000_000 });
    const response = await login(sandbox, { user_name: "sandbox", password: "sandbox", auth_type: "password" });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ authToken: expect.any(String), issuedAt: 1_700_000_000_000, endPoint: ORIGIN });
  });

  it("refuses a wrong password with 400 INVALID_USER_NAME_PASSWORD", async () => {
    const sandbox = createSandbox();
    const response = await login(sandbox, { user_name: "sandbox", password: "nope", auth_type: "password" });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      type: "",
      title: "Invalid username or password",
      errorCode: "INVALID_USER_NAME_PASSWORD",
      detail: "",
      errorDetails: [],
    });
  });
});
