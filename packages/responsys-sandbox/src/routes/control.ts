import { Hono } from "hono";
import { z } from "zod";
import { invalidParameter, invalidRequestContent } from "../envelope.ts";
import { type ArmedFault, type FaultInput, faultSchema } from "../faults.ts";
import type { RecordedRequest, RequestFilter } from "../recorder.ts";
import { jsonResponse, type SandboxConfig, type SandboxEnv } from "../runtime.ts";
import { type SandboxSeedInput, sandboxSeedSchema } from "../seed.ts";
import type { StateSnapshot } from "../store.ts";

/** What the control API drives; `createSandbox` passes the sandbox itself. */
export interface SandboxControl {
  /** Lists (members, PETs), campaigns and sent emails as plain JSON. */
  snapshot(): StateSnapshot;
  /** Recorded Responsys requests, oldest first, optionally filtered. */
  requests(filter?: RequestFilter): RecordedRequest[];
  /** Back to the seed's data; clears requests, faults, rate windows and config changes. Tokens and clock stay. */
  reset(): void;
  /** Replaces the data with a new seed, which later resets return to. */
  load(seed: SandboxSeedInput): void;
  /** Arms a fault for the next matching Responsys request(s). */
  injectFault(fault: FaultInput): ArmedFault;
  /** The armed faults with their remaining uses. */
  faults(): ArmedFault[];
  clearFaults(): void;
  /** Token lifetime and configured rate limits. */
  config(): SandboxConfig;
  /** Changes the token lifetime and/or rate limits (merged by API function name). */
  configure(patch: Partial<SandboxConfig>): SandboxConfig;
  /** Moves the sandbox clock forward; returns the new time. */
  advanceClock(ms: number): number;
  /** Ends every issued token. */
  expireTokens(): void;
}

const configPatchSchema = z
  .object({
    tokenLifetimeMs: z.number().int().positive().optional(),
    rateLimits: z.record(z.string(), z.number().int().positive()).optional(),
  })
  .strict();

/** The sandbox's own API under `/__sandbox` (never recorded, faulted or throttled). */
export function controlRoutes(control: SandboxControl): Hono<SandboxEnv> {
  const app = new Hono<SandboxEnv>();
  const body = (raw: unknown, badJson: boolean): unknown => {
    if (badJson) throw invalidRequestContent("The request body is not valid JSON");
    return raw;
  };
  const check = <T extends z.ZodType>(schema: T, value: unknown): z.infer<T> => {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw invalidParameter(
        result.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; "),
      );
    }
    return result.data;
  };

  app.get("/state", () =>
    jsonResponse({ ...control.snapshot(), config: control.config(), faults: control.faults() }),
  );
  app.get("/requests", (c) =>
    jsonResponse({
      requests: control.requests({
        path: c.req.query("path"),
        method: c.req.query("method"),
        api: c.req.query("api"),
      }),
    }),
  );
  app.post("/reset", () => {
    control.reset();
    return jsonResponse({ reset: true });
  });
  app.post("/seed", (c) => {
    control.load(check(sandboxSeedSchema, body(c.var.body, c.var.badJson)));
    return jsonResponse({ loaded: true });
  });
  app.get("/faults", () => jsonResponse({ faults: control.faults() }));
  app.post("/faults", (c) => {
    const given = body(c.var.body, c.var.badJson);
    const faults = check(z.array(faultSchema).min(1), Array.isArray(given) ? given : [given]);
    return jsonResponse({ faults: faults.map((fault) => control.injectFault(fault)) }, 201);
  });
  app.delete("/faults", () => {
    control.clearFaults();
    return jsonResponse({ faults: [] });
  });
  app.get("/config", () => jsonResponse(control.config()));
  app.put("/config", (c) =>
    jsonResponse(control.configure(check(configPatchSchema, body(c.var.body, c.var.badJson)))),
  );
  app.post("/clock", (c) => {
    const { advanceMs } = check(z.object({ advanceMs: z.number().int().nonnegative() }).strict(), c.var.body);
    return jsonResponse({ now: control.advanceClock(advanceMs) });
  });
  app.post("/tokens/expire", () => {
    control.expireTokens();
    return jsonResponse({ expired: true });
  });
  return app;
}
