import type { Hono } from "hono";
import { z } from "zod";
import { database } from "../../db/database.ts";
import { updateJob } from "../../db/jobs.ts";
import type { HonoEnv } from "../../http/context.ts";
import { readJson } from "../../http/json-body.ts";
import { jobQueueOf } from "../../jobs/queue-stub.ts";
import { storedJobOf } from "../../jobs/stored.ts";
import { jobView } from "../../jobs/view.ts";
import { requireJob } from "./lookup.ts";

export const updateJobBodySchema = z
  .strictObject({
    label: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(200, "must be at most 200 characters")
      .optional(),
    description: z.string().trim().max(2000, "must be at most 2000 characters").nullable().optional(),
    paused: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, "give at least one of label, description, paused");
export type UpdateJobBody = z.infer<typeof updateJobBodySchema>;

/** `PATCH /v1/jobs/:id`: label, description and paused; pausing stops webhooks (503) and flushing. */
export function registerUpdateJob(routes: Hono<HonoEnv>): void {
  routes.patch("/:id", async (c) => {
    const body = await readJson(c, updateJobBodySchema, "INVALID_JOB");
    const db = database(c.env.DB);
    const row = await requireJob(db, c.req.param("id"));
    const stored = storedJobOf(row);
    const paused = body.paused ?? row.paused;
    // The queue object enforces pausing, so it changes first; a failure here leaves D1 as it was.
    if (paused !== row.paused) await jobQueueOf(c.env, row.id).setPaused(paused);
    const updated = {
      ...stored,
      label: body.label ?? stored.label,
      description: body.description === undefined ? stored.description : body.description,
      paused,
    };
    const changes = { definition: JSON.stringify(updated), paused, updatedAt: new Date().toISOString() };
    await updateJob(db, row.id, changes);
    return c.json(jobView({ ...row, ...changes }, c.req.url));
  });
}
