import { readFile } from "node:fs/promises";
import { z } from "zod";
import { writeConnectExports } from "./connect-files.ts";
import type { DemoTarget } from "./demo.ts";
import { GatewayAdmin } from "./gateway-admin.ts";
import type { StatePaths } from "./local-state.ts";
import type { Provisioned } from "./provision.ts";
import { type ImportSummary, importSummarySchema, type ProfileLine, profileLineSchema } from "./runner.ts";
import type { RunningStackInfo } from "./running-stack.ts";
import { sandboxStateSchema, summariseSandbox } from "./sandbox-summary.ts";
import type { Stack } from "./stack.ts";

/** The demo against a stack started by this process. */
export function localTarget(stack: Stack): DemoTarget {
  return {
    admin: stack.admin,
    provisioned: stack.provisioned,
    sandboxSummary: async () => summariseSandbox(stack.sandbox.sandbox.state.snapshot()),
    dropConnectFiles: () => dropConnectFiles(stack.paths),
    runImport: () => stack.runner.runImport("demo"),
    exportProfiles: () => stack.runner.exportProfiles(),
    profile: (id) => stack.runner.profile(id),
  };
}

/** The demo against a stack running in another process, through its gateway, sandbox and control API. */
export function remoteTarget(
  running: RunningStackInfo,
  provisioned: Provisioned,
  adminToken: string,
  paths: StatePaths,
): DemoTarget {
  const controlUrl = running.controlUrl;
  const control = async <T>(method: string, path: string, schema: z.ZodType<T>): Promise<T | undefined> => {
    if (controlUrl === null) throw new Error("the running stack has no control API yet (still starting?)");
    const response = await fetch(`${controlUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(300_000),
    });
    if (response.status === 404) return undefined;
    const json: unknown = await response.json();
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
    return schema.parse(json);
  };
  return {
    admin: new GatewayAdmin(running.gatewayUrl, adminToken),
    provisioned,
    sandboxSummary: async () => {
      const response = await fetch(`${running.sandboxUrl}/__sandbox/state`);
      return summariseSandbox(sandboxStateSchema.parse(await response.json()));
    },
    dropConnectFiles: () => dropConnectFiles(paths),
    runImport: async (): Promise<ImportSummary> => {
      const summary = await control("POST", "/runner/import", importSummarySchema);
      if (summary === undefined) throw new Error("the running stack has no import route");
      return summary;
    },
    exportProfiles: async (): Promise<ProfileLine[]> =>
      (await control("GET", "/runner/profiles", z.array(profileLineSchema))) ?? [],
    profile: (id) =>
      control("GET", `/runner/profiles/${encodeURIComponent(id)}`, z.record(z.string(), z.unknown())),
  };
}

// The SFTP sandbox serves a folder of this machine, so both targets can drop files into it.
async function dropConnectFiles(paths: StatePaths): Promise<string[]> {
  const publicKey = await readFile(paths.pgpPublicKey, "utf8");
  return writeConnectExports(paths.connectFolder, publicKey, Date.now());
}
