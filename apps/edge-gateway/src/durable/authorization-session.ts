import { DurableObject } from "cloudflare:workers";

/** One per Responsys authorization: the shared token and the per-API-function pacing of its jobs. */
export class AuthorizationSession extends DurableObject<Env> {}
