import type { Hono } from "hono";
import { listAuthorizations } from "../../db/authorizations.ts";
import { database } from "../../db/database.ts";
import type { HonoEnv } from "../../http/context.ts";
import { authorizationView } from "./view.ts";

/** `GET /v1/authorizations`: every authorization, newest first. */
export function registerListAuthorizations(routes: Hono<HonoEnv>): void {
  routes.get("/", async (c) => {
    const rows = await listAuthorizations(database(c.env.DB));
    return c.json({ items: rows.map(authorizationView) });
  });
}
