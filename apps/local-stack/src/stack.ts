import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type RunningSandbox, startSandbox } from "@responsys-bridge/responsys-sandbox/node";
import { ensureConnectFiles } from "./connect-files.ts";
import { startControlServer } from "./control-server.ts";
import { type RunningGateway, startGateway } from "./gateway.ts";
import { GatewayAdmin } from "./gateway-admin.ts";
import {
  ensureGatewaySecrets,
  ensurePgpKey,
  ensureSshKey,
  type StatePaths,
  sshFingerprint,
  statePaths,
} from "./local-state.ts";
import { choosePort } from "./ports.ts";
import { type ProvisionResult, provision } from "./provision.ts";
import { type ImportSummary, RunnerControl, SFTP_USERNAME, writeRunnerConfig } from "./runner.ts";
import { claimStateDir, publishRunningStack, releaseStateDir } from "./running-stack.ts";
import { loadSandboxSeed, saveSandboxState } from "./sandbox-persistence.ts";
import { type RunningSftpServer, startSftpServer } from "./sftp-server.ts";

/** The parts whose log lines the stack prefixes. */
export type Part = "stack" | "sandbox" | "gateway" | "sftp" | "runner";

export interface StackOptions {
  /** The monorepo root (apps/edge-gateway and apps/batch-runner are found from it). */
  repoRoot: string;
  /** Generated secrets, keys, databases and files; `<repo>/.local` by default. */
  stateDir: string;
  /** Preferred ports; a busy one is replaced by a free one, 0 always means a free one. */
  ports: { sandbox: number; gateway: number; sftp: number };
  /** The runner's cron schedule, or null for imports on demand only. */
  schedule: string | null;
  /** Runs one import as soon as the stack is up. */
  importAtStart: boolean;
  log: (part: Part, line: string) => void;
}

export interface Stack {
  paths: StatePaths;
  sandboxUrl: string;
  gatewayUrl: string;
  adminToken: string;
  sftp: { host: string; port: number; username: string; hostKeyFingerprint: string };
  provisioned: ProvisionResult;
  initialImport: ImportSummary | undefined;
  sandbox: RunningSandbox;
  admin: GatewayAdmin;
  runner: RunnerControl;
  /** Every child process group the stack started (the gateway's and each runner command's). */
  processGroups(): number[];
  /** Stops everything, children first; safe to call more than once. */
  stop(): Promise<void>;
}

/** The default schedule of the local import: every 15 minutes. */
export const DEFAULT_SCHEDULE = "*/15 * * * *";

/** Starts the sandbox, the SFTP sandbox, the gateway and the runner, and provisions the demo jobs. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const paths = statePaths(options.stateDir);
  const log = options.log;
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => log("stack", `stop: ${String(error)}`));
    }
  };
  await mkdir(paths.root, { recursive: true });
  await claimStateDir(paths.root);
  cleanups.push(() => releaseStateDir(paths.root));
  try {
    const secrets = await ensureGatewaySecrets(paths);
    const gatewayPort = await choosePort(options.ports.gateway);
    const inspectorPort = await choosePort(0);
    let gateway: RunningGateway | undefined;
    const gatewayStarting = startGateway({
      gatewayDir: join(options.repoRoot, "apps", "edge-gateway"),
      port: gatewayPort,
      inspectorPort,
      envFile: paths.gatewayEnv,
      persistTo: paths.gatewayPersist,
      adminToken: secrets.adminToken,
      onLine: (line) => log("gateway", line),
    }).then((started) => {
      gateway = started;
      return started;
    });
    // Awaited after the other parts start; until then a failure must not be an unhandled rejection.
    gatewayStarting.catch(() => undefined);
    cleanups.push(async () => {
      await gatewayStarting.catch(() => undefined);
      await gateway?.child.stop();
    });

    const saved = await loadSandboxSeed(paths.sandboxState);
    if (saved.problem !== undefined)
      log("sandbox", `saved state not used (${saved.problem}); starting from the default seed`);
    const sandbox = await startSandbox({
      port: await choosePort(options.ports.sandbox),
      ...(saved.seed === undefined ? {} : { seed: saved.seed }),
    });
    cleanups.push(async () => {
      await saveSandboxState(sandbox.sandbox, paths.sandboxState);
      await sandbox.close();
    });
    const members = sandbox.sandbox.state.members("CONTACTS_LIST").length;
    log(
      "sandbox",
      `Responsys sandbox on ${sandbox.url} (user sandbox / password sandbox); ${saved.seed === undefined ? "default seed" : `data of the last run restored, CONTACTS_LIST has ${members} members`}`,
    );
    const stopWatching = watchSandboxRequests(sandbox, (line) => log("sandbox", line));
    cleanups.push(async () => stopWatching());

    const hostKey = await ensureSshKey(paths.sftpHostKey, "local-stack sftp host key");
    const clientKey = await ensureSshKey(paths.sftpClientKey, "local-stack runner");
    const pgp = await ensurePgpKey(paths);
    const files = await ensureConnectFiles(paths.connectFolder, pgp.armoredPublicKey, Date.now());
    if (files.created.length > 0) {
      log(
        "sftp",
        `generated ${files.created.length} PGP-encrypted Connect files (key ${pgp.fingerprint.slice(-16)})`,
      );
    }
    const sftp: RunningSftpServer = await startSftpServer({
      root: paths.sftpRoot,
      hostKey: hostKey.privateKey,
      username: SFTP_USERNAME,
      authorizedKey: clientKey.publicKey,
      port: await choosePort(options.ports.sftp),
      log: (line) => log("sftp", line),
    });
    cleanups.push(() => sftp.close());
    const hostKeyFingerprint = sshFingerprint(hostKey.publicKey);
    log(
      "sftp",
      `SFTP sandbox on sftp://${SFTP_USERNAME}@${sftp.host}:${sftp.port}/download (read-only), host key ${hostKeyFingerprint}`,
    );

    const runner = new RunnerControl(options.repoRoot, paths, (line) => log("runner", line));
    cleanups.push(() => runner.stop());
    await writeRunnerConfig(paths, {
      sftpPort: sftp.port,
      hostKeyFingerprint,
      schedule: options.schedule ?? DEFAULT_SCHEDULE,
    });

    // The first import needs only the SFTP sandbox: it runs while wrangler is still starting.
    const firstImport = options.importAtStart ? runner.runImport("start") : undefined;
    // Awaited below; a failure must not surface as an unhandled rejection before then.
    firstImport?.catch(() => undefined);
    const running = await gatewayStarting;
    log("gateway", `edge gateway (wrangler dev) on ${running.url}`);
    const admin = new GatewayAdmin(running.url, secrets.adminToken);
    const provisioned = await provision(admin, sandbox.url, paths.stackFile);
    for (const note of provisioned.notes) log("stack", note);

    const initialImport: ImportSummary | undefined = await firstImport;
    const control = await startControlServer(runner, secrets.adminToken);
    cleanups.push(() => control.close());
    await publishRunningStack(paths.root, {
      pid: process.pid,
      sandboxUrl: sandbox.url,
      gatewayUrl: running.url,
      controlUrl: control.url,
    });
    if (options.schedule !== null) {
      runner.startSchedule(options.schedule);
      log("runner", `scheduled: import every "${options.schedule}" (cron)`);
    }

    let stopping: Promise<void> | undefined;
    return {
      paths,
      sandboxUrl: sandbox.url,
      gatewayUrl: running.url,
      adminToken: secrets.adminToken,
      sftp: { host: sftp.host, port: sftp.port, username: SFTP_USERNAME, hostKeyFingerprint },
      provisioned,
      initialImport,
      sandbox,
      admin,
      runner,
      processGroups: () => [running.migrationPid, running.child.pid, ...runner.pids],
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/**
 * Prints each Responsys API call the sandbox answers, polled from its request recorder. The
 * recorder has no "since" filter, so each poll copies what it keeps (at most 10,000 requests):
 * once a second is cheap at local volumes.
 */
function watchSandboxRequests(running: RunningSandbox, print: (line: string) => void): () => void {
  let lastId = 0;
  const timer = setInterval(() => {
    for (const request of running.sandbox.requests()) {
      if (request.id <= lastId) continue;
      lastId = request.id;
      const status = request.status === null ? "dropped" : String(request.status);
      print(
        `${request.method} ${request.path} → ${status}${request.api === null ? "" : ` (${request.api})`}`,
      );
    }
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}
