import type { Hono } from "hono";
import { database } from "../../db/database.ts";
import type { HonoEnv } from "../../http/context.ts";
import { responsysClientFor } from "../../responsys/client.ts";
import { ADMIN_CALL_OPTIONS } from "../../responsys/http-errors.ts";
import { callResponsys } from "./call-responsys.ts";
import { requireAuthorization } from "./lookup.ts";

/** `GET /v1/authorizations/:id/lists`: the account's profile lists with their fields, live. */
export function registerListLists(routes: Hono<HonoEnv>): void {
  routes.get("/:id/lists", async (c) => {
    const row = await requireAuthorization(database(c.env.DB), c.req.param("id"));
    const client = responsysClientFor(c.env, row.id, c.get("config"), ADMIN_CALL_OPTIONS);
    const lists = await callResponsys(() => client.lists.list());
    return c.json({
      items: lists.map((list) => ({
        name: list.name,
        folderName: list.folderName ?? null,
        fields: list.fields,
      })),
    });
  });
}
