import { createMiddleware } from "hono/factory";
import { newId } from "../db/ids.ts";
import { readConfig } from "../env.ts";
import type { HonoEnv } from "./context.ts";

/**
 * First middleware of every request: a request id (also sent back as `X-Request-Id`), then the
 * validated config. A bad environment throws BAD_ENVIRONMENT, which `onError` turns into a 500.
 */
export const requestContext = createMiddleware<HonoEnv>(async (c, next) => {
  const requestId = newId("request");
  c.set("requestId", requestId);
  c.header("X-Request-Id", requestId);
  c.set("config", readConfig(c.env));
  await next();
});
