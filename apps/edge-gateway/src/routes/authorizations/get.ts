import type { Hono } from "hono";
import { database } from "../../db/database.ts";
import type { HonoEnv } from "../../http/context.ts";
import { requireAuthorization } from "./lookup.ts";
import { authorizationView } from "./view.ts";

/** `GET /v1/authorizations/:id`. */
export function registerGetAuthorization(routes: Hono<HonoEnv>): void {
  routes.get("/:id", async (c) => {
    const row = await requireAuthorization(database(c.env.DB), c.req.param("id"));
    return c.json(authorizationView(row));
  });
}
