import { createMiddleware } from "hono/factory";
import { secretsEqual } from "../secrets/constant-time.ts";
import type { HonoEnv } from "./context.ts";
import { apiError } from "./errors.ts";

/** The bearer token of a request, or undefined when it has none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

/** Admin routes: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
export const adminAuth = createMiddleware<HonoEnv>(async (c, next) => {
  const token = bearerToken(c.req.header("Authorization"));
  if (token === undefined) {
    throw apiError("UNAUTHORIZED", "Send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`.", 401);
  }
  if (!(await secretsEqual(token, c.get("config").adminToken))) {
    throw apiError("UNAUTHORIZED", "The admin token is not valid.", 401);
  }
  await next();
});
