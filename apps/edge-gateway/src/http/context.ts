import type { GatewayConfig } from "../env.ts";

/** The Hono environment every gateway route shares: bindings plus what the edge middleware sets. */
export type HonoEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** Validated once per request by the edge middleware; handlers read it instead of `c.env.X`. */
    config: GatewayConfig;
  };
};
