import type { Hono } from "hono";
import { database } from "../../db/database.ts";
import type { HonoEnv } from "../../http/context.ts";
import { responsysClientFor } from "../../responsys/client.ts";
import { ADMIN_CALL_OPTIONS } from "../../responsys/http-errors.ts";
import { callResponsys } from "./call-responsys.ts";
import { requireAuthorization } from "./lookup.ts";

/** `GET /v1/authorizations/:id/lists/:list/extensions`: a list's extension tables, live. */
export function registerListExtensions(routes: Hono<HonoEnv>): void {
  routes.get("/:id/lists/:list/extensions", async (c) => {
    const row = await requireAuthorization(database(c.env.DB), c.req.param("id"));
    const client = responsysClientFor(c.env, row.id, c.get("config"), ADMIN_CALL_OPTIONS);
    const extensions = await callResponsys(() => client.extensions.list(c.req.param("list")));
    return c.json({
      items: extensions.map((pet) => ({
        objectName: pet.objectName,
        folderName: pet.folderName ?? null,
        fields: pet.fields,
      })),
    });
  });
}
