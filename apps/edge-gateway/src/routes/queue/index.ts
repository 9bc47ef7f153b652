import { Hono } from "hono";
import type { HonoEnv } from "../../http/context.ts";

/**
 * Queue operations of a job, mounted at `/v1/jobs` behind the admin token (paths here are relative:
 * `/:id/status`, `/:id/flush`, `/:id/dead-letters`, `/:id/backfill`). Owned by the queue half.
 */
export const queueRoutes = new Hono<HonoEnv>();
