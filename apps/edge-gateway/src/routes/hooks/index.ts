import { Hono } from "hono";
import type { HonoEnv } from "../../http/context.ts";

/**
 * Webhook ingest, mounted at `/v1/hooks` (paths here are relative: `/:jobId`). Not behind the admin
 * token: these routes authenticate by the job's webhook secret. Owned by the queue half.
 */
export const hooksRoutes = new Hono<HonoEnv>();
