import { DurableObject } from "cloudflare:workers";

/** The per-job queue (ingest, coalescing, flushing, dead letters). Owned by the queue half. */
export class JobQueue extends DurableObject<Env> {}
