import { realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { getRequestListener, type HttpBindings } from "@hono/node-server";
import { ConnectionDroppedError } from "./envelope.ts";
import { createSandbox, type Sandbox, type SandboxOptions } from "./sandbox.ts";
import { type SandboxSeed, sandboxSeedSchema } from "./seed.ts";

export interface StartSandboxOptions extends SandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:8790`; the login endPoint is this origin. */
  url: string;
  sandbox: Sandbox;
  close(): Promise<void>;
}

/** Serves a new sandbox over HTTP on Node. Fault drops destroy the client's socket. */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = createSandbox(options);
  const host = options.host ?? "127.0.0.1";
  const listener = getRequestListener(async (request, env) => {
    try {
      return await sandbox.app.fetch(request, env);
    } catch (error) {
      if (error instanceof ConnectionDroppedError) {
        // `incoming` is always an http/1 request here: the server below is node:http's.
        (env as HttpBindings).incoming.socket.destroy();
        return new Response(null, { status: 500 });
      }
      throw error;
    }
  });
  const server = createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = addressOf(server);
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}`,
    sandbox,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Reads and validates a seed JSON file (the `SANDBOX_SEED` format). */
export async function loadSeedFile(path: string): Promise<SandboxSeed> {
  const text = await readFile(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Seed file ${path} is not valid JSON: ${String(error)}`);
  }
  const result = sandboxSeedSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`,
    );
    throw new Error(`Seed file ${path} is not a valid seed:\n  ${problems.join("\n  ")}`);
  }
  return result.data;
}

function addressOf(server: Server): AddressInfo {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("sandbox server has no TCP address");
  return address;
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8790);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const host = process.env.HOST ?? "127.0.0.1";
  const seedPath = process.env.SANDBOX_SEED;
  const seed = seedPath ? await loadSeedFile(seedPath) : undefined;
  const lifetime = process.env.SANDBOX_TOKEN_LIFETIME_MS;
  const running = await startSandbox({
    port,
    host,
    ...(seed ? { seed } : {}),
    ...(lifetime ? { tokenLifetimeMs: Number(lifetime) } : {}),
  });
  console.log(`Responsys sandbox listening on ${running.url}`);
  console.log(
    `  login:   POST ${running.url}/rest/api/v1.3/auth/token (user_name=sandbox password=sandbox auth_type=password)`,
  );
  console.log(`  control: ${running.url}/__sandbox/state, /__sandbox/requests, POST /__sandbox/reset`);
  console.log(`  seed:    ${seedPath ?? "built-in default (CONTACTS_LIST, Welcome_Series)"}`);
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

const entry = process.argv[1];
if (entry && realpathSync(entry) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  });
}
