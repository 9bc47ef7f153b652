import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type LineSink, type ManagedChild, startChild } from "./child-process.ts";

export interface GatewayOptions {
  /** apps/edge-gateway: wrangler.jsonc and the migrations are read from here. */
  gatewayDir: string;
  port: number;
  inspectorPort: number;
  /** Env file with ADMIN_TOKEN, SECRETS_KEY, ALLOW_CUSTOM_ENDPOINTS. */
  envFile: string;
  /** Local D1 and Durable Object storage. */
  persistTo: string;
  adminToken: string;
  onLine: LineSink;
  readyTimeoutMs?: number;
}

export interface RunningGateway {
  url: string;
  child: ManagedChild;
  /** The process group of the migration run (finished and stopped by the time this resolves). */
  migrationPid: number;
}

const require = createRequire(import.meta.url);

/** The wrangler CLI of the repo, run by the Node that runs us (the pinned Node 24). */
function wranglerCommand(args: string[]): { command: string; args: string[] } {
  const bin = join(dirname(require.resolve("wrangler/package.json")), "bin", "wrangler.js");
  return { command: process.execPath, args: [bin, ...args] };
}

function wranglerEnv(): NodeJS.ProcessEnv {
  // Secrets come from the env file only: a stray ADMIN_TOKEN in the shell must not override it.
  const { ADMIN_TOKEN: _a, SECRETS_KEY: _s, ALLOW_CUSTOM_ENDPOINTS: _c, ...rest } = process.env;
  return { ...rest, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", FORCE_COLOR: "0" };
}

// Without network access wrangler cannot fetch the `Request.cf` template; it says so with a stack
// trace every start. The placeholder it falls back to is fine locally, so that noise is dropped.
const NOISE = [/Unable to fetch the `Request\.cf` object/, /getaddrinfo ENOTFOUND/, /^\s+at /, /^\s*$/];

function quiet(onLine: LineSink): LineSink {
  return (line, stream) => {
    if (!NOISE.some((pattern) => pattern.test(line))) onLine(line, stream);
  };
}

/** Applies the D1 migrations to the local database, then starts `wrangler dev` and waits until it answers. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const onLine = quiet(options.onLine);
  const migrate = wranglerCommand([
    "d1",
    "migrations",
    "apply",
    "DB",
    "--local",
    "--persist-to",
    options.persistTo,
  ]);
  const migration = startChild({ ...migrate, cwd: options.gatewayDir, env: wranglerEnv(), onLine });
  const code = await migration.exited;
  await migration.stop();
  if (code !== 0) throw new Error(`wrangler d1 migrations apply failed (exit ${code})`);

  const dev = wranglerCommand([
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--inspector-port",
    String(options.inspectorPort),
    "--persist-to",
    options.persistTo,
    "--env-file",
    options.envFile,
    "--show-interactive-dev-session=false",
  ]);
  const child = startChild({ ...dev, cwd: options.gatewayDir, env: wranglerEnv(), onLine });
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitUntilAnswering(url, options.adminToken, child, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { url, child, migrationPid: migration.pid };
}

async function waitUntilAnswering(
  url: string,
  adminToken: string,
  child: ManagedChild,
  timeoutMs: number,
): Promise<void> {
  let exited: number | undefined;
  void child.exited.then((code) => {
    exited = code;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`wrangler dev exited (code ${exited}) before it was ready`);
    try {
      const response = await fetch(`${url}/v1/authorizations`, {
        headers: { Authorization: `Bearer ${adminToken}` },
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (response.ok) return;
      if (response.status === 401 || response.status === 500) {
        throw new Error(`the gateway refuses the local admin token (HTTP ${response.status})`);
      }
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("the gateway")) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the gateway did not answer on ${url} within ${timeoutMs / 1000} s`);
}
