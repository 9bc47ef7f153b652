import { Hono } from "hono";
import { API_FUNCTIONS } from "../api-functions.ts";
import { jsonResponse, type SandboxEnv, type SandboxRuntime } from "../runtime.ts";

/**
 * `GET /rest/api/ratelimit` (no version segment): one entry per API function with its per-minute
 * limit, in the fields Oracle documents (reference §5.2). Oracle's sample body is not readable
 * here, so the top level is our choice: a bare array.
 */
export function rateLimitRoutes(runtime: SandboxRuntime): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  app.get("/ratelimit", () =>
    jsonResponse(
      API_FUNCTIONS.map((fn) => ({
        limit: runtime.config.rateLimits[fn.api] ?? fn.defaultLimit,
        api: fn.api,
        resource_path: fn.resourcePath,
        verb: fn.verb,
        description: fn.description,
      })),
    ),
  );
  return app;
}
