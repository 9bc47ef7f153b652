import type { Hono } from "hono";
import { countJobsUsing, deleteUnusedAuthorization } from "../../db/authorizations.ts";
import { database } from "../../db/database.ts";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";

/** `DELETE /v1/authorizations/:id`: 409 AUTHORIZATION_IN_USE while a job sends through it. */
export function registerDeleteAuthorization(routes: Hono<HonoEnv>): void {
  routes.delete("/:id", async (c) => {
    const id = c.req.param("id");
    const db = database(c.env.DB);
    const outcome = await deleteUnusedAuthorization(db, id);
    if (outcome === "not_found")
      throw apiError("AUTHORIZATION_NOT_FOUND", `There is no authorization ${id}.`, 404);
    if (outcome === "in_use") {
      const jobs = await countJobsUsing(db, id);
      throw apiError(
        "AUTHORIZATION_IN_USE",
        `Authorization ${id} is used by ${jobs} job(s); delete them first.`,
        409,
        { details: { jobs } },
      );
    }
    // The session object holds the decrypted password and token: wipe it too.
    await c.env.AUTHORIZATION_SESSION.get(c.env.AUTHORIZATION_SESSION.idFromName(id)).forget();
    return c.body(null, 204);
  });
}
