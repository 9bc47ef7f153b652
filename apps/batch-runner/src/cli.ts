import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { toBridgeError } from "@responsys-bridge/core";
import { findJob, type LoadedConfig, loadConfig } from "./config/load.ts";
import { checkJob } from "./jobs/check.ts";
import type { ImportSummary } from "./jobs/import-activity.ts";
import { detectAccounts, listFiles } from "./jobs/inspect.ts";
import {
  connectSource,
  jobLogger,
  openRuntime,
  profileMapperOf,
  type Runtime,
  type RuntimeOptions,
  runJobOnce,
} from "./jobs/runtime.ts";
import { createJsonLogger, type Logger } from "./logging/logger.ts";
import { createProgressBar } from "./logging/progress.ts";
import { createScheduler } from "./schedule/scheduler.ts";
import { FileStates } from "./store/file-state.ts";
import { allProfiles, findProfile } from "./store/profiles.ts";

export const EXIT_OK = 0;
export const EXIT_FILES_FAILED = 1;
export const EXIT_CONFIG_OR_CONNECTION = 2;

/** Where the CLI prints, and what it reads from the process; tests pass their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /**
   * Aborted once standard output's reader has gone (`batch-runner export-profiles | head`): long
   * output stops there, and the command ends as it would have.
   */
  stdoutClosed?: AbortSignal;
  env: Record<string, string | undefined>;
  /** The TTY to draw a progress bar on; absent → structured JSON logs on stderr. */
  progressTty?: NodeJS.WriteStream | undefined;
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT). */
  shutdownRequested?: Promise<string>;
}

const USAGE = `Usage: batch-runner <command> [options]

Commands:
  start                    run every job on its cron schedule until SIGTERM/SIGINT
  run <jobId>              run a job once now (--json prints a summary object)
  accounts <jobId>         account ids detected in the job's folder, with file counts and dates
  files <jobId>            every file in the folder with its state
  profile <email|riid>     the mapped profile of a user as JSON (store sink)
  export-profiles          all profiles (--format ndjson|json)
  check <jobId>            verify config, SFTP login and host key, folder, PGP key, sink

Options:
  --config <path>          config file (default ./runner.config.yaml)
  --json                   machine-readable output (run, accounts, files, check)
  -h, --help               help for a command

Exit codes: 0 ok, 1 some files failed, 2 config or connection error.
`;

const HELP: Record<string, string> = {
  start: `Usage: batch-runner start [--config <path>]

Runs every job of the config on its cron schedule. One run of a job at a time: a tick that finds
the previous run still going is skipped and logged. On SIGTERM or SIGINT the running imports finish
their current write (a batch of rows, or a part's profiles), commit its checkpoint, and the process
exits 0.
`,
  run: `Usage: batch-runner run <jobId> [--json] [--config <path>]

Runs the job once now: lists the folder, imports new files and retries failed ones. Draws a progress
bar on a terminal, writes JSON log lines otherwise. --json prints one summary object:
{ jobId, files: { seen, imported, skipped, failed }, rows, events, rejected, durationMs, errors }.
Exit code 1 when a file failed, 2 when the config, the key or the connection is wrong.
`,
  accounts: `Usage: batch-runner accounts <jobId> [--json] [--config <path>]

Lists the account ids found in the names of the Connect files in the job's folder, with the number
of files and the first and last export time of each, and whether the job's accountIds select it.
`,
  files: `Usage: batch-runner files <jobId> [--json] [--config <path>]

Lists every file of the job's folder with its state: new, importing (resumes after line N),
imported, failed (with the reason) or skipped (with the reason).
`,
  profile: `Usage: batch-runner profile <email|riid> [--config <path>]

Prints the mapped profile of a user (store sink) as JSON. Exit code 1 when there is none.
`,
  "export-profiles": `Usage: batch-runner export-profiles [--format ndjson|json] [--config <path>]

Prints every profile of the store: one JSON object per line (ndjson, default) or one JSON array.
Each line is { "key": "<identity field>:<value>", "profile": { … } }.
`,
  check: `Usage: batch-runner check <jobId> [--config <path>]

Checks, each on its own line: the config, the mapping, the PGP key and passphrase, the SFTP login
with the pinned host key, the folder, the database and the sink. Exit code 2 when one fails.
`,
};

/** Parses the command line, runs the command, prints, and returns the exit code. */
export async function main(
  argv: string[],
  io: CliIo,
  overrides: Partial<RuntimeOptions> = {},
): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    io.stderr(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return EXIT_CONFIG_OR_CONNECTION;
  }
  const { command, args, values } = parsed;
  if (command === undefined || command === "help") {
    io.stdout(USAGE);
    return command === undefined && !values.help ? EXIT_CONFIG_OR_CONNECTION : EXIT_OK;
  }
  const help = HELP[command];
  if (help === undefined) {
    io.stderr(`unknown command "${command}"\n\n${USAGE}`);
    return EXIT_CONFIG_OR_CONNECTION;
  }
  if (values.help) {
    io.stdout(help);
    return EXIT_OK;
  }
  const needsArg = ["run", "accounts", "files", "profile", "check"].includes(command);
  if (needsArg && args[0] === undefined) {
    io.stderr(`${command} needs an argument\n\n${help}`);
    return EXIT_CONFIG_OR_CONNECTION;
  }
  const format = values.format ?? "ndjson";
  if (format !== "ndjson" && format !== "json") {
    io.stderr(`--format must be ndjson or json\n`);
    return EXIT_CONFIG_OR_CONNECTION;
  }

  const useBar = io.progressTty !== undefined && command === "run";
  const logger: Logger = createJsonLogger({
    write: io.stderr,
    level: useBar || (command !== "run" && command !== "start") ? "warn" : "info",
  });
  let runtime: Runtime | undefined;
  try {
    // `npm run runner -- …` runs in the workspace folder; npm keeps the caller's folder in INIT_CWD,
    // which is where a relative --config (and the default) is meant to be found.
    const configPath = resolve(io.env.INIT_CWD ?? process.cwd(), values.config ?? "runner.config.yaml");
    const config = await loadConfig(configPath, { env: io.env });
    const arg = args[0] ?? "";
    const importing = command === "start" ? config.jobs.map((job) => job.id) : command === "run" ? [arg] : [];
    runtime = await openRuntime(config, { logger, importing, ...overrides });
    switch (command) {
      case "run":
        return await runCommand(runtime, config, arg, values.json === true, io);
      case "start":
        return await startCommand(runtime, config, io);
      case "accounts":
        return await accountsCommand(runtime, config, arg, values.json === true, io);
      case "files":
        return await filesCommand(runtime, config, arg, values.json === true, io);
      case "check":
        return await checkCommand(runtime, config, arg, values.json === true, io);
      case "profile":
        return await profileCommand(runtime, config, arg, io);
      default:
        return await exportCommand(runtime, format, io);
    }
  } catch (error) {
    const failure = toBridgeError(error);
    io.stderr(`error: ${failure.code}: ${failure.message}\n`);
    return EXIT_CONFIG_OR_CONNECTION;
  } finally {
    await runtime?.close().catch(() => {});
  }
}

function parseCommandLine(argv: string[]) {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      json: { type: "boolean" },
      format: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, ...args] = positionals;
  return { command, args, values };
}

async function runCommand(runtime: Runtime, config: LoadedConfig, jobId: string, json: boolean, io: CliIo) {
  const job = findJob(config, jobId);
  const bar = io.progressTty === undefined ? undefined : createProgressBar(io.progressTty);
  const controller = new AbortController();
  void io.shutdownRequested?.then(() => controller.abort());
  let summary: ImportSummary;
  try {
    summary = await runJobOnce(runtime, job, {
      signal: controller.signal,
      ...(bar === undefined ? {} : { onProgress: (progress) => bar.update(progress) }),
    });
  } finally {
    bar?.done();
  }
  if (json) {
    const { interrupted: _interrupted, ...printed } = summary;
    io.stdout(`${JSON.stringify(printed)}\n`);
  } else {
    io.stdout(describeSummary(summary));
  }
  return summary.files.failed > 0 ? EXIT_FILES_FAILED : EXIT_OK;
}

function describeSummary(summary: ImportSummary): string {
  const { files } = summary;
  const lines = [
    `${summary.jobId}: ${files.imported} imported, ${files.skipped} skipped, ${files.failed} failed of ${files.seen} file(s)` +
      `${summary.interrupted ? " (stopped by a signal; the next run resumes)" : ""}`,
    `rows ${summary.rows}, events ${summary.events}, rejected ${summary.rejected}, ${(summary.durationMs / 1000).toFixed(1)} s`,
    ...summary.errors.map((error) => `failed ${error.file}: ${error.code}: ${error.message}`),
  ];
  return `${lines.join("\n")}\n`;
}

async function startCommand(runtime: Runtime, config: LoadedConfig, io: CliIo) {
  const scheduler = createScheduler({
    jobs: config.jobs,
    logger: runtime.logger,
    jobLogger: (jobId) => jobLogger(runtime.logger, findJob(config, jobId)),
    runJob: async (jobId, signal) => {
      const summary = await runJobOnce(runtime, findJob(config, jobId), { signal });
      return summary;
    },
  });
  scheduler.start();
  const reason = await (io.shutdownRequested ?? new Promise<string>(() => {}));
  runtime.logger.info("shutting down: finishing the current write", { signal: reason });
  await scheduler.stop();
  runtime.logger.info("stopped");
  return EXIT_OK;
}

async function accountsCommand(
  runtime: Runtime,
  config: LoadedConfig,
  jobId: string,
  json: boolean,
  io: CliIo,
) {
  const job = findJob(config, jobId);
  const source = await connectSource(runtime, job);
  try {
    const accounts = await detectAccounts(source, job);
    if (json) io.stdout(`${JSON.stringify(accounts)}\n`);
    else if (accounts.length === 0) io.stdout(`no Connect files in ${job.authorization.folder}\n`);
    else {
      io.stdout(
        table(
          ["ACCOUNT", "FILES", "FIRST EXPORT", "LAST EXPORT", "SELECTED"],
          accounts.map((a) => [
            a.accountId,
            String(a.files),
            a.firstExportAt,
            a.lastExportAt,
            a.selected ? "yes" : "no",
          ]),
        ),
      );
    }
    return EXIT_OK;
  } finally {
    await source.close().catch(() => {});
  }
}

async function filesCommand(runtime: Runtime, config: LoadedConfig, jobId: string, json: boolean, io: CliIo) {
  const job = findJob(config, jobId);
  const source = await connectSource(runtime, job);
  try {
    const now = runtime.options.now?.() ?? new Date();
    const listed = await listFiles(source, job, new FileStates(runtime.database, job.id), now);
    if (json) io.stdout(`${JSON.stringify(listed)}\n`);
    else {
      io.stdout(
        table(
          ["STATE", "FILE", "SIZE", "ROWS", "REASON"],
          listed.map((f) => [f.state, f.path, String(f.size), String(f.rows), f.reason ?? ""]),
        ),
      );
    }
    return listed.some((f) => f.state === "failed") ? EXIT_FILES_FAILED : EXIT_OK;
  } finally {
    await source.close().catch(() => {});
  }
}

async function checkCommand(runtime: Runtime, config: LoadedConfig, jobId: string, json: boolean, io: CliIo) {
  const results = await checkJob(runtime, findJob(config, jobId));
  if (json) io.stdout(`${JSON.stringify(results)}\n`);
  else for (const r of results) io.stdout(`${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.detail}\n`);
  return results.every((r) => r.ok) ? EXIT_OK : EXIT_CONFIG_OR_CONNECTION;
}

async function profileCommand(runtime: Runtime, config: LoadedConfig, id: string, io: CliIo) {
  const found = await findProfile(runtime.database, profileMapperOf(config).identityFields, id);
  if (found === undefined) {
    io.stderr(`no profile for ${id}\n`);
    return EXIT_FILES_FAILED;
  }
  io.stdout(`${JSON.stringify(found.profile, null, 2)}\n`);
  return EXIT_OK;
}

async function exportCommand(runtime: Runtime, format: "ndjson" | "json", io: CliIo) {
  let first = true;
  if (format === "json") io.stdout("[");
  for await (const entry of allProfiles(runtime.database)) {
    if (io.stdoutClosed?.aborted) break;
    const line = JSON.stringify(entry);
    if (format === "ndjson") io.stdout(`${line}\n`);
    else io.stdout(`${first ? "\n" : ",\n"}${line}`);
    first = false;
  }
  if (format === "json") io.stdout(first ? "]\n" : "\n]\n");
  return EXIT_OK;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[format(header), ...rows.map(format)].join("\n")}\n`;
}

function processShutdown(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => resolve(signal);
    process.once("SIGTERM", on);
    process.once("SIGINT", on);
  });
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * Writes to one of the process's streams, which stop once its reader has gone: a closed pipe
 * (`batch-runner export-profiles | head`, EPIPE) is no failure of the command, and must not crash
 * it mid-import. Other write errors still do.
 */
function untilClosed(stream: NodeJS.WriteStream): { write: (text: string) => void; closed: AbortSignal } {
  const closed = new AbortController();
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    closed.abort();
  });
  const write = (text: string) => {
    if (!closed.signal.aborted) stream.write(text);
  };
  return { write, closed: closed.signal };
}

if (isEntryPoint()) {
  const stdout = untilClosed(process.stdout);
  const code = await main(process.argv.slice(2), {
    stdout: stdout.write,
    stdoutClosed: stdout.closed,
    stderr: untilClosed(process.stderr).write,
    env: process.env,
    progressTty: process.stderr.isTTY ? process.stderr : undefined,
    shutdownRequested: processShutdown(),
  });
  process.exitCode = code;
  // Open handles (an SFTP socket's keep-alive, pg pool timers) must not keep a finished command alive.
  setTimeout(() => process.exit(code), 200).unref();
}
