import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { admin, expectJson, sandboxAuthorization } from "./admin.ts";

// Distinctive values, so any echo of them in any answer is caught.
const PASSWORD = "sandbox";
const LYTICS_TOKEN = "lytics-token-4f1d9c0e7b";

it("no answer of the admin API carries a password, token or secret", async () => {
  const seen: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await admin(method, path, body);
    seen.push(`${method} ${path} ${response.status} ${await response.clone().text()}`);
    return response;
  };

  const authorization = await expectJson<{ id: string }>(
    await call("POST", "/v1/authorizations", sandboxAuthorization({ password: PASSWORD })),
    201,
  );
  await call("POST", "/v1/authorizations", sandboxAuthorization({ password: `${PASSWORD}-wrong` }));
  const job = await expectJson<{ id: string; webhookSecret: string }>(
    await admin("POST", "/v1/jobs", {
      type: "export_campaign",
      label: "Welcome",
      authorizationId: authorization.id,
      audience: "new_signups",
      emailField: "email",
      campaign: "Welcome_Series",
      lytics: { apiUrl: "http://127.0.0.1:9", apiToken: LYTICS_TOKEN },
    }),
    201,
  );
  for (const path of [
    "/v1/authorizations",
    `/v1/authorizations/${authorization.id}`,
    `/v1/authorizations/${authorization.id}/lists`,
    `/v1/authorizations/${authorization.id}/campaigns`,
    "/v1/jobs",
    `/v1/jobs/${job.id}`,
    `/v1/jobs/${job.id}/status`,
    `/v1/jobs/${job.id}/dead-letters`,
  ]) {
    await call("GET", path);
  }
  await call("PATCH", `/v1/jobs/${job.id}`, { label: "Renamed" });
  await call("DELETE", `/v1/authorizations/${authorization.id}`);

  const everything = seen.join("\n");
  expect(seen.length).toBeGreaterThan(10);
  expect(everything).not.toMatch(/"password"/i);
  expect(everything).not.toContain(`${PASSWORD}-wrong`);
  expect(everything).not.toContain(LYTICS_TOKEN);
  expect(everything).not.toContain(job.webhookSecret);
  expect(everything).not.toContain(env.ADMIN_TOKEN);
  expect(everything).not.toContain(env.SECRETS_KEY);
  const stored = JSON.stringify(await env.DB.prepare("SELECT * FROM authorizations, jobs").all());
  expect(stored).not.toContain(LYTICS_TOKEN);
  expect(stored).not.toContain(job.webhookSecret);
});
