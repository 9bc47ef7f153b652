import { BridgeError } from "@responsys-bridge/core";
import { z } from "zod";

const SECRETS_KEY_BYTES = 32;
/** Responsys takes at most 200 records per merge or trigger call (SPEC §3.4). */
export const MAX_BATCH_SIZE = 200;

function decodeBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text.trim()), (char) => char.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const positiveInteger = (fallback: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(1, "must be at least 1").max(max, `must be at most ${max}`))
    .optional()
    .transform((value) => value ?? fallback);

/** The raw Worker bindings that carry configuration: secrets and vars, all strings. */
export const gatewayEnvSchema = z.object({
  ADMIN_TOKEN: z
    .string({ error: "is missing" })
    .min(16, "must be at least 16 characters")
    .refine((token) => token.trim() === token, "must not have surrounding whitespace"),
  SECRETS_KEY: z.string({ error: "is missing" }).transform((text, ctx) => {
    const bytes = decodeBase64(text);
    if (bytes === undefined || bytes.length !== SECRETS_KEY_BYTES) {
      ctx.addIssue({ code: "custom", message: `must be base64 of exactly ${SECRETS_KEY_BYTES} bytes` });
      return z.NEVER;
    }
    return bytes;
  }),
  FLUSH_INTERVAL_SECONDS: positiveInteger(600),
  BATCH_SIZE: positiveInteger(MAX_BATCH_SIZE, MAX_BATCH_SIZE),
  MAX_QUEUED_USERS: positiveInteger(1_000_000),
  ALLOW_CUSTOM_ENDPOINTS: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .optional()
    .transform((value) => value === "true"),
});

/** The validated configuration of the gateway, read once per request (or per Durable Object). */
export type GatewayConfig = {
  adminToken: string;
  /** Raw AES-256 key bytes for the stored Responsys passwords. */
  secretsKey: Uint8Array;
  flushIntervalSeconds: number;
  batchSize: number;
  maxQueuedUsers: number;
  allowCustomEndpoints: boolean;
};

/** The bindings `readConfig` looks at; `Env` has them all, tests may pass a partial record. */
export type ConfigBindings = Partial<Record<keyof z.input<typeof gatewayEnvSchema>, unknown>>;

// Workers keep one `env` object per isolate, so validating it once per object is enough.
const configCache = new WeakMap<object, GatewayConfig>();

/**
 * Validates the secrets and vars of the Worker. Throws BridgeError BAD_ENVIRONMENT (500) naming
 * every bad key, never echoing a value.
 */
export function readConfig(env: ConfigBindings): GatewayConfig {
  const cached = configCache.get(env);
  if (cached !== undefined) return cached;
  const parsed = gatewayEnvSchema.safeParse({
    ADMIN_TOKEN: env.ADMIN_TOKEN,
    SECRETS_KEY: env.SECRETS_KEY,
    FLUSH_INTERVAL_SECONDS: env.FLUSH_INTERVAL_SECONDS,
    BATCH_SIZE: env.BATCH_SIZE,
    MAX_QUEUED_USERS: env.MAX_QUEUED_USERS,
    ALLOW_CUSTOM_ENDPOINTS: env.ALLOW_CUSTOM_ENDPOINTS,
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")} ${issue.message}`);
    throw new BridgeError({
      code: "BAD_ENVIRONMENT",
      message: `The gateway is misconfigured: ${problems.join("; ")}.`,
      status: 500,
    });
  }
  const config: GatewayConfig = {
    adminToken: parsed.data.ADMIN_TOKEN,
    secretsKey: parsed.data.SECRETS_KEY,
    flushIntervalSeconds: parsed.data.FLUSH_INTERVAL_SECONDS,
    batchSize: parsed.data.BATCH_SIZE,
    maxQueuedUsers: parsed.data.MAX_QUEUED_USERS,
    allowCustomEndpoints: parsed.data.ALLOW_CUSTOM_ENDPOINTS,
  };
  configCache.set(env, config);
  return config;
}
