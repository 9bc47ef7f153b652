import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RunnerControl } from "./runner.ts";

export interface RunningControlServer {
  url: string;
  close(): Promise<void>;
}

/**
 * The stack's own small API on 127.0.0.1, so `npm run demo` in another terminal can ask the
 * running stack for imports and profiles: only this process may open the runner's PGlite store.
 * Routes (Bearer admin token): POST /runner/import, GET /runner/profiles, GET /runner/profiles/:id.
 */
export async function startControlServer(
  runner: RunnerControl,
  adminToken: string,
): Promise<RunningControlServer> {
  const expected = Buffer.from(`Bearer ${adminToken}`);
  const server = createServer((request, response) => {
    const given = Buffer.from(request.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return send(response, 401, {
        error: { code: "UNAUTHORIZED", message: "Bearer <admin token> required." },
      });
    }
    route(runner, request).then(
      ([status, body]) => send(response, status, body),
      (error: unknown) =>
        send(response, 500, {
          error: { code: "RUNNER_FAILED", message: error instanceof Error ? error.message : String(error) },
        }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = tcpAddressOf(server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function route(runner: RunnerControl, request: IncomingMessage): Promise<[number, unknown]> {
  const path = new URL(request.url ?? "/", "http://control.local").pathname;
  if (request.method === "POST" && path === "/runner/import")
    return [200, await runner.runImport("requested")];
  if (request.method === "GET" && path === "/runner/profiles") return [200, await runner.exportProfiles()];
  const profileId = /^\/runner\/profiles\/([^/]+)$/.exec(path)?.[1];
  if (request.method === "GET" && profileId !== undefined) {
    const profile = await runner.profile(decodeURIComponent(profileId));
    return profile === undefined
      ? [404, { error: { code: "PROFILE_NOT_FOUND", message: "No profile has this email or RIID." } }]
      : [200, profile];
  }
  return [404, { error: { code: "NOT_FOUND", message: `No route ${request.method} ${path}.` } }];
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

function tcpAddressOf(address: AddressInfo | string | null): AddressInfo {
  if (address === null || typeof address === "string")
    throw new Error("the control server has no TCP address");
  return address;
}
