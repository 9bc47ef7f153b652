import { Hono } from "hono";
import { invalidParameter, invalidToken, ResponsysError } from "../envelope.ts";
import { jsonResponse, type SandboxEnv, type SandboxRuntime } from "../runtime.ts";

/** `POST /rest/api/v1.3/auth/token`: password login and token refresh (reference §1.2). */
export function authRoutes(runtime: SandboxRuntime): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  app.post("/auth/token", (c) => {
    const form = formFields(c.var.body);
    const endPoint = new URL(c.req.url).origin;
    const now = runtime.now();
    if (form.auth_type === "password") {
      const user = runtime.store.users.find(
        (candidate) => candidate.userName === form.user_name && candidate.password === form.password,
      );
      if (!user) {
        throw new ResponsysError(400, "INVALID_USER_NAME_PASSWORD", "Invalid username or password");
      }
      return jsonResponse({ ...runtime.tokens.issue(now), endPoint });
    }
    if (form.auth_type === "token") {
      const current = c.req.header("authorization") ?? "";
      if (!runtime.tokens.isValid(current, now, runtime.config.tokenLifetimeMs)) throw invalidToken();
      return jsonResponse({ ...runtime.tokens.issue(now), endPoint });
    }
    throw invalidParameter(
      "auth_type must be password or token, sent as application/x-www-form-urlencoded (certificate login is not emulated)",
    );
  });
  return app;
}

function formFields(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return {};
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string") fields[key] = value;
  return fields;
}
