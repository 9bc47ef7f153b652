import { env } from "cloudflare:workers";
import { describe, expect, inject, it } from "vitest";
import {
  admin,
  createSandboxAuthorization,
  type ErrorBody,
  expectJson,
  sandboxAuthorization,
} from "../../../test/admin.ts";
import { app } from "../../app.ts";
import { readConfig } from "../../env.ts";
import { openSecret } from "../../secrets/password-box.ts";

type AuthorizationView = {
  id: string;
  type: string;
  label: string;
  description: string | null;
  username: string;
  endpoint: string;
  createdAt: string;
};

describe("POST /v1/authorizations", () => {
  it("verifies the login, stores the password encrypted and never returns it", async () => {
    const response = await admin(
      "POST",
      "/v1/authorizations",
      sandboxAuthorization({ description: "Test pod" }),
    );
    const text = await response.clone().text();
    const created = await expectJson<AuthorizationView>(response, 201);
    expect(created).toEqual({
      id: expect.stringMatching(/^auth_[0-9a-f]{32}$/),
      type: "responsys_interact",
      label: "Sandbox",
      description: "Test pod",
      username: "sandbox",
      endpoint: inject("sandboxUrl"),
      createdAt: expect.any(String),
    });
    expect(text).not.toContain("password");

    const row = await env.DB.prepare("SELECT password_encrypted FROM authorizations WHERE id = ?")
      .bind(created.id)
      .first<{ password_encrypted: string }>();
    expect(row?.password_encrypted).toBeTruthy();
    expect(row?.password_encrypted).not.toContain("sandbox");
    expect(await openSecret(readConfig(env).secretsKey, created.id, row?.password_encrypted ?? "")).toBe(
      "sandbox",
    );
  });

  it("answers 422 RESPONSYS_LOGIN_FAILED with Responsys' errorCode for bad credentials, storing nothing", async () => {
    const before = await env.DB.prepare("SELECT COUNT(*) AS n FROM authorizations").first<{ n: number }>();
    const response = await admin(
      "POST",
      "/v1/authorizations",
      sandboxAuthorization({ password: "wrong-password" }),
    );
    const body = await expectJson<ErrorBody>(response, 422);
    expect(body.error.code).toBe("RESPONSYS_LOGIN_FAILED");
    expect(body.error.details?.responsysErrorCode).toMatch(/^[A-Z_]+$/);
    expect(body.error.message).toContain(String(body.error.details?.responsysErrorCode));
    expect(body.error.message).not.toContain("wrong-password");
    const after = await env.DB.prepare("SELECT COUNT(*) AS n FROM authorizations").first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
  });

  it("skips the login with ?verify=false", async () => {
    const response = await admin(
      "POST",
      "/v1/authorizations?verify=false",
      sandboxAuthorization({ password: "not-checked" }),
    );
    await expectJson<AuthorizationView>(response, 201);
  });

  it.each([
    ["no type", { type: undefined }, "INVALID_AUTHORIZATION", "type"],
    ["another type", { type: "sftp" }, "INVALID_AUTHORIZATION", "type"],
    ["an empty label", { label: " " }, "INVALID_AUTHORIZATION", "label"],
    ["no username", { username: undefined }, "INVALID_AUTHORIZATION", "username"],
    ["an empty password", { password: "" }, "INVALID_AUTHORIZATION", "password"],
    ["an unknown field", { region: "us" }, "INVALID_AUTHORIZATION", "region"],
    [
      "an endpoint with a path",
      { endpoint: "https://login2.responsys.net/rest" },
      "INVALID_ENDPOINT",
      "endpoint",
    ],
    ["an endpoint that is not a URL", { endpoint: "https://" }, "INVALID_ENDPOINT", "endpoint"],
  ])("answers 400 for %s", async (_name, overrides, code, field) => {
    const response = await admin("POST", "/v1/authorizations?verify=false", sandboxAuthorization(overrides));
    const body = await expectJson<ErrorBody>(response, 400);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toContain(field);
  });

  it("answers 400 INVALID_JSON for a body that is not JSON", async () => {
    const body = await expectJson<ErrorBody>(await admin("POST", "/v1/authorizations", "{not json"), 400);
    expect(body.error.code).toBe("INVALID_JSON");
  });
});

describe("endpoint normalisation and the Responsys host allow-list", () => {
  // ALLOW_CUSTOM_ENDPOINTS=false, as in production; verify=false so nothing is contacted.
  const production = { ...env, ALLOW_CUSTOM_ENDPOINTS: "false" };
  async function create(endpoint: string): Promise<Response> {
    return app.fetch(
      new Request("http://gateway/v1/authorizations?verify=false", {
        method: "POST",
        headers: { Authorization: `Bearer ${env.ADMIN_TOKEN}`, "Content-Type": "application/json" },
        body: JSON.stringify(sandboxAuthorization({ endpoint })),
      }),
      production,
    );
  }

  it.each([
    ["login2.responsys.net", "https://login2.responsys.net"],
    ["https://login5.responsys.net/", "https://login5.responsys.net"],
    ["login.rsys8.net", "https://login.rsys8.net"],
    ["LOGIN.RSYS9.NET", "https://login.rsys9.net"],
    [
      "AccountToken-api.responsys.ocs.oraclecloud.com",
      "https://accounttoken-api.responsys.ocs.oraclecloud.com",
    ],
    ["  https://login2.responsys.net  ", "https://login2.responsys.net"],
  ])("accepts %s as %s", async (input, stored) => {
    const created = await expectJson<AuthorizationView>(await create(input), 201);
    expect(created.endpoint).toBe(stored);
  });

  it.each([
    ["http on a Responsys host", "http://login2.responsys.net"],
    ["a look-alike domain", "https://login2.responsys.net.evil.example"],
    ["a suffix without the dot", "https://evilresponsys.net"],
    ["another host", "https://example.com"],
    ["localhost", "http://127.0.0.1:8790"],
  ])("refuses %s with 400 INVALID_ENDPOINT", async (_name, endpoint) => {
    const body = await expectJson<ErrorBody>(await create(endpoint), 400);
    expect(body.error.code).toBe("INVALID_ENDPOINT");
  });

  it("accepts any http(s) URL when ALLOW_CUSTOM_ENDPOINTS is true", async () => {
    const response = await admin(
      "POST",
      "/v1/authorizations?verify=false",
      sandboxAuthorization({ endpoint: "http://127.0.0.1:1" }),
    );
    expect((await expectJson<AuthorizationView>(response, 201)).endpoint).toBe("http://127.0.0.1:1");
  });
});

describe("GET and DELETE /v1/authorizations", () => {
  it("lists and reads authorizations without passwords", async () => {
    const id = await createSandboxAuthorization({ label: "Listed" });
    const listResponse = await admin("GET", "/v1/authorizations");
    const listText = await listResponse.clone().text();
    const list = await expectJson<{ items: AuthorizationView[] }>(listResponse, 200);
    expect(list.items.map((item) => item.id)).toContain(id);
    expect(listText).not.toMatch(/password/i);

    const one = await expectJson<AuthorizationView>(await admin("GET", `/v1/authorizations/${id}`), 200);
    expect(one).toMatchObject({ id, label: "Listed", username: "sandbox" });
    expect(Object.keys(one)).not.toContain("passwordEncrypted");
  });

  it("answers 404 AUTHORIZATION_NOT_FOUND for an unknown id", async () => {
    const body = await expectJson<ErrorBody>(await admin("GET", "/v1/authorizations/auth_missing"), 404);
    expect(body.error.code).toBe("AUTHORIZATION_NOT_FOUND");
    const deleted = await expectJson<ErrorBody>(
      await admin("DELETE", "/v1/authorizations/auth_missing"),
      404,
    );
    expect(deleted.error.code).toBe("AUTHORIZATION_NOT_FOUND");
  });

  it("deletes an unused authorization", async () => {
    const id = await createSandboxAuthorization();
    expect((await admin("DELETE", `/v1/authorizations/${id}`)).status).toBe(204);
    expect((await admin("GET", `/v1/authorizations/${id}`)).status).toBe(404);
  });

  it("answers 409 AUTHORIZATION_IN_USE while a job uses it", async () => {
    const id = await createSandboxAuthorization();
    await env.DB.prepare(
      "INSERT INTO jobs (id, type, authorization_id, definition, webhook_secret_hash, paused, created_at) VALUES (?, 'export_audience', ?, '{}', 'x', 0, ?)",
    )
      .bind("job_inuse", id, new Date().toISOString())
      .run();
    const body = await expectJson<ErrorBody>(await admin("DELETE", `/v1/authorizations/${id}`), 409);
    expect(body.error.code).toBe("AUTHORIZATION_IN_USE");
    expect((await admin("GET", `/v1/authorizations/${id}`)).status).toBe(200);
    await env.DB.prepare("DELETE FROM jobs WHERE id = 'job_inuse'").run();
    expect((await admin("DELETE", `/v1/authorizations/${id}`)).status).toBe(204);
  });
});
