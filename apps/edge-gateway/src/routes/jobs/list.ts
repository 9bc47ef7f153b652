import type { Hono } from "hono";
import { database } from "../../db/database.ts";
import { listJobs } from "../../db/jobs.ts";
import type { HonoEnv } from "../../http/context.ts";
import { jobView } from "../../jobs/view.ts";

/** `GET /v1/jobs`: every job, newest first, without secrets. */
export function registerListJobs(routes: Hono<HonoEnv>): void {
  routes.get("/", async (c) => {
    const rows = await listJobs(database(c.env.DB));
    return c.json({ items: rows.map((row) => jobView(row, c.req.url)) });
  });
}
