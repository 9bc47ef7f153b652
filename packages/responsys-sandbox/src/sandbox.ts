import { Hono } from "hono";
import { API_FUNCTION_NAMES, API_FUNCTIONS, classifyRequest } from "./api-functions.ts";
import { ConnectionDroppedError, invalidParameter, invalidToken, ResponsysError } from "./envelope.ts";
import { type ArmedFault, FaultBook, type FaultInput, faultSchema } from "./faults.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { type RecordedRequest, type RequestFilter, RequestRecorder } from "./recorder.ts";
import { authRoutes } from "./routes/auth.ts";
import { campaignRoutes } from "./routes/campaigns.ts";
import { controlRoutes, type SandboxControl } from "./routes/control.ts";
import { listRoutes } from "./routes/lists.ts";
import { rateLimitRoutes } from "./routes/ratelimit.ts";
import { jsonResponse, type SandboxConfig, type SandboxEnv, type SandboxRuntime } from "./runtime.ts";
import { defaultSeed, type Member, type SandboxSeedInput, sandboxSeedSchema } from "./seed.ts";
import { SandboxStore, type SentEmail, type StateSnapshot } from "./store.ts";
import { TokenStore } from "./tokens.ts";

/** Token lifetime Oracle documents: two hours (reference §1.3). */
export const DEFAULT_TOKEN_LIFETIME_MS = 2 * 60 * 60 * 1000;

export interface SandboxOptions {
  /** Users, lists, PETs, members and campaigns to start from; `defaultSeed` when absent. */
  seed?: SandboxSeedInput;
  tokenLifetimeMs?: number;
  /** Requests per minute by API function name (see `API_FUNCTIONS`); others keep their default. */
  rateLimits?: Record<string, number>;
  /** The sandbox clock, epoch ms (token expiry, rate-limit windows, timestamps). */
  now?: () => number;
  /** How a latency fault waits; a real timer unless a test wants to observe the wait instead. */
  sleep?: (ms: number) => Promise<void>;
}

/** Read access to the sandbox's data, for tests. */
export interface SandboxState {
  snapshot(): StateSnapshot;
  /** Members of a list (empty when the list does not exist). */
  members(listName: string): Member[];
  /** Rows of a PET (empty when it does not exist). */
  extensionMembers(listName: string, extensionName: string): Member[];
  /** Emails accepted for sending by triggers, oldest first. */
  sent(): SentEmail[];
}

export interface Sandbox extends SandboxControl {
  /** The Hono app: `sandbox.app.fetch(new Request("http://sandbox.local/rest/api/v1.3/…"))`. */
  app: Hono<SandboxEnv>;
  state: SandboxState;
  /** The sandbox clock (the `now` option plus any `advanceClock`). */
  now(): number;
}

/** Creates an in-memory Responsys emulator; runtime-neutral (Node, workerd, browsers). */
export function createSandbox(options: SandboxOptions = {}): Sandbox {
  const baseNow = options.now ?? (() => Date.now());
  let clockOffset = 0;
  const now = () => baseNow() + clockOffset;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const initialConfig = (): SandboxConfig => ({
    tokenLifetimeMs: options.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS,
    rateLimits: checkRateLimits(options.rateLimits ?? {}),
  });
  const seed = sandboxSeedSchema.parse(options.seed ?? defaultSeed);
  const runtime: SandboxRuntime = {
    store: new SandboxStore(seed, now()),
    tokens: new TokenStore(),
    limiter: new RateLimiter(),
    faults: new FaultBook(),
    recorder: new RequestRecorder(),
    config: initialConfig(),
    seed,
    now,
  };

  const control: SandboxControl = {
    snapshot: () => runtime.store.snapshot(),
    requests: (filter?: RequestFilter): RecordedRequest[] => runtime.recorder.list(filter),
    reset: () => {
      runtime.store.load(runtime.seed, now());
      runtime.recorder.clear();
      runtime.faults.clear();
      runtime.limiter.clear();
      runtime.config = initialConfig();
      // The clock is not data: it never runs backwards, so tokens kept across a reset stay coherent.
    },
    load: (input: SandboxSeedInput) => {
      runtime.seed = sandboxSeedSchema.parse(input);
      runtime.store.load(runtime.seed, now());
    },
    injectFault: (fault: FaultInput): ArmedFault => runtime.faults.add(faultSchema.parse(fault)),
    faults: () => runtime.faults.list(),
    clearFaults: () => runtime.faults.clear(),
    config: () => structuredClone(runtime.config),
    configure: (patch: Partial<SandboxConfig>): SandboxConfig => {
      if (patch.tokenLifetimeMs !== undefined) runtime.config.tokenLifetimeMs = patch.tokenLifetimeMs;
      if (patch.rateLimits !== undefined) {
        runtime.config.rateLimits = { ...runtime.config.rateLimits, ...checkRateLimits(patch.rateLimits) };
      }
      return structuredClone(runtime.config);
    },
    advanceClock: (ms: number) => {
      clockOffset += ms;
      return now();
    },
    expireTokens: () => runtime.tokens.expireAll(),
  };

  const app = new Hono<SandboxEnv>();
  app.onError((error, c) => {
    // A dropped connection must reach the caller as a rejected fetch, never as a response.
    if (error instanceof ConnectionDroppedError) throw error;
    if (error instanceof ResponsysError) return jsonResponse(error.toEnvelope(), error.status);
    console.error("responsys-sandbox: unexpected error", c.req.method, c.req.path, error);
    return jsonResponse(
      new ResponsysError(500, "UNEXPECTED_EXCEPTION", "Unexpected exception", String(error)).toEnvelope(),
      500,
    );
  });
  app.notFound((c) =>
    jsonResponse(
      new ResponsysError(
        404,
        "NOT_FOUND",
        "Not Found",
        `HTTP Status 404 - Not Found: ${c.req.method} ${c.req.path}`,
      ).toEnvelope(),
      404,
    ),
  );

  app.use("*", async (c, next) => {
    const rawBody = c.req.method === "GET" || c.req.method === "HEAD" ? "" : await c.req.text();
    const { body, badJson } = parseBody(c.req.header("content-type") ?? "", rawBody);
    c.set("rawBody", rawBody);
    c.set("body", body);
    c.set("badJson", badJson);
    c.set("api", undefined);
    await next();
  });

  app.use("/rest/*", async (c, next) => {
    const api = classifyRequest(c.req.method, c.req.path, c.var.body);
    c.set("api", api);
    const record = runtime.recorder.start({
      time: now(),
      method: c.req.method,
      path: c.req.path,
      query: c.req.query(),
      headers: Object.fromEntries(c.req.raw.headers),
      body: c.var.body,
      api: api ?? null,
    });
    const fault = runtime.faults.take({ method: c.req.method, path: c.req.path, api });
    if (fault) record.fault = fault.kind;
    switch (fault?.kind) {
      case "drop_before":
        throw new ConnectionDroppedError("before");
      case "server_error":
        record.status = fault.status;
        c.res = jsonResponse(
          new ResponsysError(
            fault.status,
            fault.errorCode,
            "Unexpected exception",
            "Injected server error",
          ).toEnvelope(),
          fault.status,
        );
        return;
      case "capacity_limit":
        record.status = fault.status;
        c.res = jsonResponse(
          new ResponsysError(
            fault.status,
            "INTERNAL_CAPACITY_LIMIT_EXCEEDED",
            "Internal capacity limit exceeded",
            "The internal capacity limit of the account has been reached; it resets every 10 minutes",
          ).toEnvelope(),
          fault.status,
        );
        return;
      case "latency":
        await sleep(fault.latencyMs);
        break;
      default:
        break;
    }
    await next();
    record.status = c.res.status;
    if (fault?.kind === "drop_after") throw new ConnectionDroppedError("after");
  });

  app.use("/rest/*", async (c, next) => {
    const api = c.var.api;
    if (api === undefined) return next();
    if (api !== "Login") {
      const token = c.req.header("authorization") ?? "";
      if (!runtime.tokens.isValid(token, now(), runtime.config.tokenLifetimeMs)) {
        // The ratelimit endpoint is served by Oracle's gateway and answers a bad token differently.
        if (api === "Get Throttling Limits") {
          throw new ResponsysError(
            500,
            "UNEXPECTED_EXCEPTION",
            "Unexpected exception",
            "Not a valid authentication token",
          );
        }
        throw invalidToken();
      }
    }
    const limit = runtime.config.rateLimits[api] ?? API_FUNCTIONS.find((fn) => fn.api === api)?.defaultLimit;
    if (limit !== undefined && !runtime.limiter.tryCall(api, limit, now())) {
      throw new ResponsysError(
        401,
        "API_LIMIT_EXCEEDED",
        "API limit exceeded",
        `You exceeded your allowable limit to call the ${api} API function. Please try again in a minute.`,
      );
    }
    return next();
  });

  app.route("/rest/api/v1.3", authRoutes(runtime));
  app.route("/rest/api/v1.3", listRoutes(runtime));
  app.route("/rest/api/v1.3", campaignRoutes(runtime));
  app.route("/rest/api", rateLimitRoutes(runtime));
  app.route("/__sandbox", controlRoutes(control));

  const state: SandboxState = {
    snapshot: () => runtime.store.snapshot(),
    members: (listName) => [...(runtime.store.list(listName)?.members.values() ?? [])].map((m) => ({ ...m })),
    extensionMembers: (listName, extensionName) =>
      [...(runtime.store.list(listName)?.extension(extensionName)?.rows.values() ?? [])].map((row) => ({
        ...row,
      })),
    sent: () => structuredClone(runtime.store.sent),
  };

  return { ...control, app, state, now };
}

function checkRateLimits(limits: Record<string, number>): Record<string, number> {
  for (const [api, limit] of Object.entries(limits)) {
    if (!API_FUNCTION_NAMES.includes(api)) {
      throw invalidParameter(`Unknown API function ${api}; known: ${API_FUNCTION_NAMES.join(", ")}`);
    }
    if (!Number.isInteger(limit) || limit < 1)
      throw invalidParameter(`Limit for ${api} must be a positive integer`);
  }
  return { ...limits };
}

function parseBody(contentType: string, raw: string): { body: unknown; badJson: boolean } {
  if (raw === "") return { body: null, badJson: false };
  if (contentType.includes("application/x-www-form-urlencoded")) {
    return { body: Object.fromEntries(new URLSearchParams(raw)), badJson: false };
  }
  try {
    return { body: JSON.parse(raw), badJson: false };
  } catch {
    return { body: raw, badJson: contentType.includes("json") || /^\s*[[{]/.test(raw) };
  }
}
