import type { Hono } from "hono";
import { database } from "../../db/database.ts";
import type { HonoEnv } from "../../http/context.ts";
import { jobView } from "../../jobs/view.ts";
import { requireJob } from "./lookup.ts";

/** `GET /v1/jobs/:id`. */
export function registerGetJob(routes: Hono<HonoEnv>): void {
  routes.get("/:id", async (c) => {
    const row = await requireJob(database(c.env.DB), c.req.param("id"));
    return c.json(jobView(row, c.req.url));
  });
}
