import { Hono } from "hono";
import type { HonoEnv } from "../../http/context.ts";
import { receiveWebhook } from "./receive.ts";

/**
 * Webhook ingest, mounted at `/v1/hooks` (paths here are relative: `/:jobId`). Not behind the admin
 * token: these routes authenticate by the job's webhook secret.
 */
export const hooksRoutes = new Hono<HonoEnv>();

hooksRoutes.post("/:jobId", receiveWebhook);
