import { Hono } from "hono";
import { adminAuth } from "./http/admin-auth.ts";
import type { HonoEnv } from "./http/context.ts";
import { onError, onNotFound } from "./http/errors.ts";
import { requestContext } from "./http/request-context.ts";
import { authorizationsRoutes } from "./routes/authorizations/index.ts";
import { hooksRoutes } from "./routes/hooks/index.ts";
import { jobsRoutes } from "./routes/jobs/index.ts";
import { registerOpenApi } from "./routes/openapi.ts";
import { queueRoutes } from "./routes/queue/index.ts";

/** Builds the gateway's Hono app: request context, admin auth, every route, one error envelope. */
export function createApp(): Hono<HonoEnv> {
  const app = new Hono<HonoEnv>();
  app.use("*", requestContext);
  // Webhooks authenticate by their job's secret; every other /v1 route needs the admin token.
  app.use("/v1/*", async (c, next) => {
    if (c.req.path.startsWith("/v1/hooks/")) return next();
    return adminAuth(c, next);
  });

  const v1 = new Hono<HonoEnv>();
  registerOpenApi(v1);
  app.route("/v1", v1);
  app.route("/v1/authorizations", authorizationsRoutes);
  app.route("/v1/hooks", hooksRoutes);
  app.route("/v1/jobs", jobsRoutes);
  app.route("/v1/jobs", queueRoutes);

  app.notFound(onNotFound);
  app.onError(onError);
  return app;
}

export const app = createApp();
