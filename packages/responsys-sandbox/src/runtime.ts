import type { FaultBook } from "./faults.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { RequestRecorder } from "./recorder.ts";
import type { SandboxSeed } from "./seed.ts";
import type { SandboxStore } from "./store.ts";
import type { TokenStore } from "./tokens.ts";

/** What can be changed while the sandbox runs (`PUT /__sandbox/config`). */
export interface SandboxConfig {
  tokenLifetimeMs: number;
  /** Requests per minute per API function name; functions not named keep their default. */
  rateLimits: Record<string, number>;
}

/** The parts of a running sandbox the route modules share. */
export interface SandboxRuntime {
  store: SandboxStore;
  tokens: TokenStore;
  limiter: RateLimiter;
  faults: FaultBook;
  recorder: RequestRecorder;
  config: SandboxConfig;
  /** The seed `reset()` returns to. */
  seed: SandboxSeed;
  now(): number;
}

/** Hono environment of the sandbox app: the request body is read once and shared. */
export type SandboxEnv = {
  Variables: {
    /** Parsed JSON, form fields as an object, or null when empty. */
    body: unknown;
    /** True when a body was sent as JSON but could not be parsed. */
    badJson: boolean;
    rawBody: string;
    api: string | undefined;
  };
};

/** A JSON answer with any status (Hono's `c.json` wants a literal status type). */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
