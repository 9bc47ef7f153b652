import { Hono } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { backfill } from "./backfill.ts";
import { clearDeadLetters, listDeadLetters, replayDeadLetters } from "./dead-letters.ts";
import { flushNow } from "./flush.ts";
import { getStatus } from "./status.ts";

/**
 * Queue operations of a job, mounted at `/v1/jobs` behind the admin token (paths here are relative:
 * `/:id/status`, `/:id/flush`, `/:id/dead-letters`, `/:id/backfill`).
 */
export const queueRoutes = new Hono<HonoEnv>();

queueRoutes.get("/:id/status", getStatus);
queueRoutes.post("/:id/flush", flushNow);
queueRoutes.get("/:id/dead-letters", listDeadLetters);
queueRoutes.post("/:id/dead-letters/replay", replayDeadLetters);
queueRoutes.delete("/:id/dead-letters", clearDeadLetters);
queueRoutes.post("/:id/backfill", backfill);
