import { Hono } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { registerCreateJob } from "./create.ts";
import { registerDeleteJob } from "./delete.ts";
import { registerGetJob } from "./get.ts";
import { registerListJobs } from "./list.ts";
import { registerUpdateJob } from "./update.ts";

/** `/v1/jobs` and `/v1/jobs/:id`, behind the admin token (the queue routes add `/:id/…`). */
export const jobsRoutes = new Hono<HonoEnv>();
registerCreateJob(jobsRoutes);
registerListJobs(jobsRoutes);
registerGetJob(jobsRoutes);
registerUpdateJob(jobsRoutes);
registerDeleteJob(jobsRoutes);
