import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { stackBanner } from "./banner.ts";
import { type DemoReport, describeReport, runDemo } from "./demo.ts";
import { localTarget, remoteTarget } from "./demo-targets.ts";
import { ensureGatewaySecrets, statePaths } from "./local-state.ts";
import { readProvisioned } from "./provision.ts";
import { findRunningStack } from "./running-stack.ts";
import { DEFAULT_SCHEDULE, type Part, type Stack, startStack } from "./stack.ts";

const USAGE = `Usage: npm start [-- options]      (npm run demo = npm start -- --demo)

Starts the Responsys sandbox, the edge gateway under wrangler dev, an SFTP sandbox with
PGP-encrypted Connect files and the batch runner on PGlite, then provisions a demo authorization
and one job of each export kind. Ctrl-C stops everything.

Options:
  --demo              also drive traffic: webhooks, flushes, an import, and a report
  --exit              stop after the demo (or right after start) instead of waiting for Ctrl-C
  --state <dir>       where generated secrets, keys and data live (default: <repo>/.local)
  --no-schedule       no cron imports, only the one at start and those you ask for
  -h, --help          this text

Environment: SANDBOX_PORT (8790), GATEWAY_PORT (8787), SFTP_PORT (2222); a busy port is replaced
by a free one. RUNNER_SCHEDULE (default "${DEFAULT_SCHEDULE}").
`;

const COLORS: Record<Part, string> = { stack: "1", sandbox: "36", gateway: "35", sftp: "33", runner: "32" };

function printer(color: boolean) {
  return (part: Part, line: string) => {
    const tag = `[${part}]`;
    process.stdout.write(`${color ? `\x1b[${COLORS[part]}m${tag}\x1b[0m` : tag} ${line}\n`);
  };
}

function portFrom(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number, got ${value}`);
  return port;
}

function printReport(report: DemoReport): void {
  process.stdout.write("\nWhat ended up where:\n");
  for (const line of describeReport(report)) process.stdout.write(`  ${line}\n`);
  process.stdout.write("\n");
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      demo: { type: "boolean" },
      exit: { type: "boolean" },
      state: { type: "string" },
      "no-schedule": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const repoRoot = resolve(import.meta.dirname, "..", "..", "..");
  const log = printer(process.stdout.isTTY === true && process.env.NO_COLOR === undefined);
  const schedule = values["no-schedule"] ? null : (process.env.RUNNER_SCHEDULE ?? DEFAULT_SCHEDULE);

  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) {
      log("stack", `${signal} again: exiting now`);
      process.exit(130);
    }
    stopping = true;
    log("stack", `${signal}: stopping every part`);
    // Still starting: main stops what started once startStack returns (or startStack cleans up).
    if (stop === undefined) return;
    stop().then(
      () => {
        log("stack", "stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log("stack", `stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  // A closed terminal must not leave wrangler and workerd running.
  process.on("SIGHUP", () => onSignal("SIGHUP"));

  const stateDir = resolve(values.state ?? resolve(repoRoot, ".local"));
  const running = values.demo ? await findRunningStack(stateDir) : undefined;
  if (running !== undefined) {
    // A stack already runs on this state (npm start in another terminal): drive traffic through it.
    const provisioned = await readProvisioned(statePaths(stateDir).stackFile);
    if (provisioned === undefined)
      throw new Error(`the running stack (pid ${running.pid}) has not provisioned its jobs yet`);
    const { adminToken } = await ensureGatewaySecrets(statePaths(stateDir));
    log(
      "stack",
      `demo: driving traffic through the stack already running (pid ${running.pid}, gateway ${running.gatewayUrl})`,
    );
    const target = remoteTarget(running, provisioned, adminToken, statePaths(stateDir));
    printReport(await runDemo(target, (line) => log("stack", `demo: ${line}`)));
    return 0;
  }

  log("stack", "starting: Responsys sandbox, SFTP sandbox, edge gateway (wrangler dev), batch runner");
  const stack: Stack = await startStack({
    repoRoot,
    stateDir,
    ports: {
      sandbox: portFrom("SANDBOX_PORT", 8790),
      gateway: portFrom("GATEWAY_PORT", 8787),
      sftp: portFrom("SFTP_PORT", 2222),
    },
    schedule,
    importAtStart: true,
    log,
  });
  stop = stack.stop;
  if (stopping) {
    await stack.stop();
    return 0;
  }
  for (const line of stackBanner(stack, repoRoot, schedule)) process.stdout.write(`${line}\n`);

  if (values.demo) {
    try {
      printReport(await runDemo(localTarget(stack), (line) => log("stack", `demo: ${line}`)));
    } catch (error) {
      await stack.stop();
      throw error;
    }
  }
  if (values.exit) {
    await stack.stop();
    log("stack", "stopped");
    return 0;
  }
  log("stack", "running; Ctrl-C to stop");
  // The servers and children keep the process alive; the signal handlers end it.
  return await new Promise<number>(() => {});
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `[stack] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
