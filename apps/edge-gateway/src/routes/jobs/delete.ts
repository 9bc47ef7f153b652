import type { Hono } from "hono";
import { z } from "zod";
import { database } from "../../db/database.ts";
import { deleteJob } from "../../db/jobs.ts";
import type { HonoEnv } from "../../http/context.ts";
import { apiError } from "../../http/errors.ts";
import { jobQueueOf } from "../../jobs/queue-stub.ts";
import { requireJob } from "./lookup.ts";

export const deleteJobQuerySchema = z.object({
  discard: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).default("false"),
});

/**
 * `DELETE /v1/jobs/:id`: 409 JOB_HAS_QUEUED_USERS while users wait to be sent, unless
 * `?discard=true` (accepted data is never dropped without being asked to).
 */
export function registerDeleteJob(routes: Hono<HonoEnv>): void {
  routes.delete("/:id", async (c) => {
    const query = deleteJobQuerySchema.safeParse({ discard: c.req.query("discard") });
    if (!query.success) throw apiError("INVALID_REQUEST", "discard: must be true or false", 400);
    const db = database(c.env.DB);
    const row = await requireJob(db, c.req.param("id"));
    const queue = jobQueueOf(c.env, row.id);
    if (query.data.discard !== "true") {
      const queued = await queue.queuedCount();
      if (queued > 0) {
        throw apiError(
          "JOB_HAS_QUEUED_USERS",
          `Job ${row.id} still has ${queued} queued user(s); flush first, or delete with ?discard=true.`,
          409,
          { details: { queued } },
        );
      }
    }
    await queue.destroy();
    await deleteJob(db, row.id);
    return c.body(null, 204);
  });
}
