import { describe, expect, inject, it } from "vitest";

describe("test harness", () => {
  it("reaches the Responsys sandbox over HTTP from workerd", async () => {
    const response = await fetch(`${inject("sandboxUrl")}/rest/api/v1.3/auth/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "user_name=sandbox&password=sandbox&auth_type=password",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { authToken: string; endPoint: string };
    expect(body.authToken.length).toBeGreaterThan(0);
    expect(body.endPoint).toBe(inject("sandboxUrl"));
  });
});
