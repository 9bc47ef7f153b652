import { type FetchLike, ResponsysClient } from "@responsys-bridge/responsys-client";
import type { Hono } from "hono";
import { z } from "zod";
import { insertAuthorization } from "../../db/authorizations.ts";
import { database } from "../../db/database.ts";
import { newId } from "../../db/ids.ts";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";
import { readJson } from "../../http/json-body.ts";
import { checkEndpoint, mayCarryCredentials } from "../../responsys/endpoint.ts";
import { ADMIN_CALL_OPTIONS, responsysFailure } from "../../responsys/http-errors.ts";
import { sealSecret } from "../../secrets/password-box.ts";
import { authorizationView } from "./view.ts";

export const createAuthorizationBodySchema = z.strictObject({
  type: z.literal("responsys_interact", { error: 'must be "responsys_interact"' }),
  label: z.string().trim().min(1, "must not be empty").max(200),
  description: z.string().trim().max(2000).nullable().optional(),
  username: z.string().trim().min(1, "must not be empty").max(255),
  password: z.string().min(1, "must not be empty").max(1024),
  /** As copied from Responsys: `login2.responsys.net`, `https://login.rsys8.net`, … */
  endpoint: z.string().trim().min(1, "must not be empty").max(2048),
});
export type CreateAuthorizationBody = z.infer<typeof createAuthorizationBodySchema>;

export const createAuthorizationQuerySchema = z.object({
  verify: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("true"),
});

/** Logs in once with the given credentials; a refusal becomes 422 RESPONSYS_LOGIN_FAILED. */
async function verifyLogin(
  endpoint: string,
  body: CreateAuthorizationBody,
  allowCustom: boolean,
): Promise<void> {
  const guardedFetch: FetchLike = (input, init) =>
    mayCarryCredentials(input, allowCustom)
      ? fetch(input, init)
      : Promise.reject(new TypeError(`Refusing to send credentials to ${new URL(input).origin}.`));
  const client = new ResponsysClient({
    loginUrl: endpoint,
    username: body.username,
    password: body.password,
    fetch: guardedFetch,
    ...ADMIN_CALL_OPTIONS,
  });
  try {
    await client.auth.login();
  } catch (error) {
    throw responsysFailure(error);
  }
}

/** `POST /v1/authorizations`: stores Responsys credentials, the password encrypted. */
export function registerCreateAuthorization(routes: Hono<HonoEnv>): void {
  routes.post("/", async (c) => {
    const config = c.get("config");
    const query = createAuthorizationQuerySchema.safeParse({ verify: c.req.query("verify") });
    if (!query.success) throw apiError("INVALID_REQUEST", "verify: must be true or false", 400);
    const body = await readJson(c, createAuthorizationBodySchema, "INVALID_AUTHORIZATION");
    const endpoint = checkEndpoint(body.endpoint, config.allowCustomEndpoints);
    if (query.data.verify === "true") await verifyLogin(endpoint, body, config.allowCustomEndpoints);

    const id = newId("authorization");
    const row = {
      id,
      type: body.type,
      label: body.label,
      description: body.description ?? null,
      username: body.username,
      endpoint,
      passwordEncrypted: await sealSecret(config.secretsKey, id, body.password),
      createdAt: new Date().toISOString(),
    };
    await insertAuthorization(database(c.env.DB), row);
    return c.json(authorizationView(row), 201);
  });
}
