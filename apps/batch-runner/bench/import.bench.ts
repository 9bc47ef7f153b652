/**
 * `npm run bench` for the batch runner (SPEC §8): a 1,000,000-row PGP-encrypted OPEN export over
 * real SFTP (OpenSSH sshd on loopback), imported by the runner, beside the native baseline on the
 * same file in the same run: OpenSSH `sftp` get, then `gpg --decrypt | wc -l`. Each variant also
 * imports a 100,000-row file first: "flat" compares the two imports' peak RSS.
 *
 *   npm run bench -w @responsys-bridge/batch-runner -- [--rows 100000] [--json] [--only stages,pglite,postgres]
 */
import { link, mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { runnerEnv, runnerNodeFlags, typeScriptLoaderFlags } from "../bin/node-settings.mjs";
import { type SshdServer, startSshd } from "../test/support/sshd.ts";
import { run } from "../test/support/tools.ts";
import { type CpuSplit, serverCpuSeconds } from "./cpu.ts";
import { BENCH_DIR, type BenchFixture, ensureBenchFixture } from "./fixture.ts";
import type { MeasureResult, MeasureSpec } from "./measure.ts";
import { prepareDatabase } from "./measure-job.ts";
import { startThrowawayPostgres } from "./postgres.ts";
import { timed } from "./timed.ts";

const REMOTE_NAME = "1234_OPEN_20240301_091500.txt.gpg";
const MEASURE_SCRIPT = fileURLToPath(new URL("./measure.ts", import.meta.url));

const { values: args } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    users: { type: "string", default: "100000" },
    json: { type: "boolean", default: false },
    only: { type: "string", default: "stages,pglite,postgres" },
  },
  allowPositionals: true,
});
const rows = Number(args.rows);
const users = Number(args.users);
const variants = new Set(args.only.split(","));

interface Line {
  name: "runner.import" | "runner.peak_rss" | "runner.baseline";
  unit: string;
  value: number | null;
  baseline: number | null;
  ratio: number | null;
  notes: string;
}

const log = (text: string) => process.stderr.write(`${text}\n`);
const mb = (bytes: number) => Math.round(bytes / 1e6);
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

interface Baseline {
  wallSeconds: number;
  sftpSeconds: number;
  decryptSplitSeconds: number;
  maxRssBytes: number;
}

/** OpenSSH sftp download, then gpg --decrypt piped into wc -l, with a fresh gpg-agent (key unlock included). */
async function nativeBaseline(sshd: SshdServer, fixture: BenchFixture, work: string): Promise<Baseline> {
  const local = path.join(work, "baseline.gpg");
  await rm(local, { force: true });
  await run("gpgconf", ["--homedir", fixture.keyring.home, "--kill", "gpg-agent"]);
  const batch = path.join(work, "sftp-batch");
  await writeFile(batch, `get ${path.join(sshd.filesDir, REMOTE_NAME)} ${local}\n`);
  const sftp = await timed("sftp", [
    "-q",
    "-b",
    batch,
    "-i",
    sshd.privateKeyPath,
    "-P",
    String(sshd.port),
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    `${sshd.username}@${sshd.host}`,
  ]);
  const gpg = [
    "gpg --batch --quiet",
    `--homedir '${fixture.keyring.home}'`,
    `--pinentry-mode loopback --passphrase '${fixture.keyring.passphrase}'`,
    `--decrypt '${local}' | wc -l`,
  ].join(" ");
  const decrypt = await timed("sh", ["-c", gpg]);
  const lines = Number(decrypt.stdout.trim());
  if (lines !== fixture.rows + 1)
    throw new Error(`baseline counted ${lines} lines, expected ${fixture.rows + 1}`);
  await rm(local, { force: true });
  return {
    wallSeconds: sftp.wallSeconds + decrypt.wallSeconds,
    sftpSeconds: sftp.wallSeconds,
    decryptSplitSeconds: decrypt.wallSeconds,
    maxRssBytes: Math.max(sftp.maxRssBytes, decrypt.maxRssBytes),
  };
}

interface Measured {
  variant: string;
  wallSeconds: number;
  gnuTimeRssBytes: number;
  result: MeasureResult;
  /** CPU seconds of the runner process, and of the database server where it is one. */
  cpu: { userSeconds: number; systemSeconds: number; serverSeconds?: number };
  /** Peak RSS of the same variant importing a 100,000-row file, for flatness. */
  smallRunRssBytes?: number;
}

/** The file size whose peak RSS the full run's is compared with: "flat from 100,000 rows". */
const FLAT_FROM_ROWS = 100_000;

/** BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each measured process there (node refuses the flag in NODE_OPTIONS). */
function profileFlags(variant: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir === undefined || dir === ""
    ? []
    : ["--cpu-prof", `--cpu-prof-dir=${path.resolve(dir, variant)}`];
}

/**
 * BENCH_NODE_FLAGS="--trace-gc-nvp …" adds node or V8 flags to each measured process; what the
 * process prints is then kept in .bench/<variant>.out (a GC trace goes to standard output).
 */
function extraFlags(): string[] {
  return (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter((flag) => flag !== "");
}

async function measure(variant: string, spec: MeasureSpec, expectedRows = rows): Promise<Measured> {
  await rm(spec.stagingDir, { recursive: true, force: true });
  const serverBefore = spec.serverPid === undefined ? undefined : serverCpuSeconds(spec.serverPid);
  // Started as `batch-runner` starts the runner: the same V8 flags and environment.
  const child = await timed(
    process.execPath,
    [
      ...runnerNodeFlags(),
      ...profileFlags(variant),
      ...extraFlags(),
      ...typeScriptLoaderFlags(process.versions.node),
      MEASURE_SCRIPT,
      JSON.stringify(spec),
    ],
    runnerEnv(),
  );
  if (extraFlags().length > 0) {
    const out = path.join(BENCH_DIR, `${variant}.out`);
    await writeFile(out, child.stdout);
    console.error(`${variant}: the measured process's output is in ${out}`);
  }
  const line = child.stdout.split("\n").find((text) => text.startsWith("RESULT "));
  if (line === undefined) throw new Error(`${variant}: no result\n${child.stdout}\n${child.stderr}`);
  const result = JSON.parse(line.slice("RESULT ".length)) as MeasureResult;
  if (result.rows !== expectedRows) {
    throw new Error(`${variant}: imported ${result.rows} rows, expected ${expectedRows}`);
  }
  const serverAfter = spec.serverPid === undefined ? undefined : serverCpuSeconds(spec.serverPid);
  const serverSeconds =
    serverBefore === undefined || serverAfter === undefined ? undefined : serverAfter - serverBefore;
  return {
    variant,
    wallSeconds: child.wallSeconds,
    gnuTimeRssBytes: child.maxRssBytes,
    result,
    cpu: { ...child.cpu, serverSeconds },
  };
}

async function writeRunnerConfig(work: string, database: string, sshd: SshdServer, fixture: BenchFixture) {
  const dir = path.join(work, `runner-${database.startsWith("pglite") ? "pglite" : "postgres"}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "connect.asc"), fixture.keyring.armoredSecretKey);
  const configPath = path.join(dir, "runner.config.yaml");
  await writeFile(
    configPath,
    [
      `database: "${database}"`,
      "jobs:",
      "  - id: bench",
      "    type: import_activity",
      '    schedule: "0 */6 * * *"',
      "    authorization:",
      "      type: responsys_sftp_pgp",
      `      host: ${sshd.host}`,
      `      port: ${sshd.port}`,
      `      username: ${sshd.username}`,
      `      privateKey: { file: ${sshd.privateKeyPath} }`,
      `      hostKey: "${sshd.hostKeyFingerprint}"`,
      `      folder: ${sshd.filesDir}`,
      "      pgpPrivateKey: { file: ./connect.asc }",
      "      pgpPassphrase: { env: BENCH_PGP_PASSPHRASE }",
      '    delimiter: "|"',
      "    sink: { type: store }",
      "    mapping: default",
      "",
    ].join("\n"),
  );
  return { configPath, dir };
}

async function main(): Promise<void> {
  const fixture = await ensureBenchFixture({ rows, users });
  // Flat means a 100,000-row file and the full one peak alike: each variant imports both.
  const small =
    rows > FLAT_FROM_ROWS
      ? await ensureBenchFixture({ rows: FLAT_FROM_ROWS, users: Math.round((users * FLAT_FROM_ROWS) / rows) })
      : undefined;
  const work = path.join(BENCH_DIR, "work");
  await mkdir(work, { recursive: true });
  const sshd = await startSshd();
  const remote = path.join(sshd.filesDir, REMOTE_NAME);
  const serve = async (file: BenchFixture) => {
    await rm(remote, { force: true });
    await link(file.encryptedPath, remote);
  };
  const measured: Measured[] = [];
  let baseline: Baseline;
  const unavailable: Array<{ variant: string; reason: string }> = [];
  try {
    await serve(fixture);
    log(`baseline: sftp + gpg --decrypt | wc -l on ${fixture.rows.toLocaleString("en-US")} rows…`);
    baseline = await nativeBaseline(sshd, fixture, work);
    const spec: MeasureSpec = {
      mode: "stages",
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKeyPath: sshd.privateKeyPath,
      hostKey: sshd.hostKeyFingerprint,
      folder: sshd.filesDir,
      pgpKeyPath: path.join(fixture.keyring.home, "secret-key.asc"),
      pgpPassphrase: fixture.keyring.passphrase,
      stagingDir: path.join(work, "staging"),
    };
    /** The variant on the 100,000-row file (its peak RSS), then on the full one. */
    const bothSizes = async (variant: string, fresh: () => Promise<MeasureSpec>) => {
      let smallRunRssBytes: number | undefined;
      if (small !== undefined) {
        await serve(small);
        log(`  first on ${small.rows.toLocaleString("en-US")} rows, for its peak RSS…`);
        smallRunRssBytes = (await measure(variant, await fresh(), small.rows)).result.peakRssBytes;
        await serve(fixture);
      }
      const full = await measure(variant, await fresh(), rows);
      measured.push(smallRunRssBytes === undefined ? full : { ...full, smallRunRssBytes });
    };
    if (variants.has("stages")) {
      log("file pipeline alone (download, decrypt, parse into events)…");
      await bothSizes("stages", async () => spec);
    }
    process.env.BENCH_PGP_PASSPHRASE = fixture.keyring.passphrase;
    for (const variant of ["pglite", "postgres"]) {
      if (!variants.has(variant)) continue;
      let database: string;
      let stop = async () => {};
      let serverPid: number | undefined;
      if (variant === "pglite") {
        database = "pglite:./db";
      } else {
        log("starting a throwaway PostgreSQL…");
        const postgres = await startThrowawayPostgres();
        if (!postgres.available) {
          unavailable.push({ variant, reason: postgres.reason });
          continue;
        }
        database = postgres.url;
        stop = postgres.stop;
        serverPid = postgres.pid;
      }
      try {
        log(`runner import job into the store on ${variant}…`);
        // A fresh, migrated store for each size, as after a first run: a new PGlite directory
        // costs an initdb.
        await bothSizes(variant, async () => {
          const { configPath } = await writeRunnerConfig(work, database, sshd, fixture);
          await prepareDatabase(configPath);
          return {
            ...spec,
            mode: "job",
            configPath,
            jobId: "bench",
            ...(serverPid === undefined ? {} : { serverPid }),
          };
        });
      } finally {
        await stop();
      }
    }
  } finally {
    await sshd.stop();
    // The baseline's gpg started an agent for the bench key; leave no process behind.
    await run("gpgconf", ["--homedir", fixture.keyring.home, "--kill", "gpg-agent"]).catch(() => undefined);
  }
  report(fixture, baseline, measured, unavailable);
}

/** Where each phase's CPU time went, as "phase main/workers/V8/other, server s". */
function cpuByPhase(phases: Record<string, CpuSplit> | undefined): string {
  if (phases === undefined || Object.keys(phases).length === 0) return "";
  const each = Object.entries(phases).map(([phase, cpu]) => {
    const runner = [cpu.main, cpu.workers, cpu.v8, cpu.other].map((seconds) => round(seconds, 1)).join("/");
    return `${phase} ${runner}${cpu.server === undefined ? "" : `, server ${round(cpu.server, 1)}`}`;
  });
  return `; CPU seconds by phase (runner's main thread/worker threads/V8's helper threads/other): ${each.join("; ")}`;
}

function report(
  fixture: BenchFixture,
  baseline: Baseline,
  measured: Measured[],
  unavailable: Array<{ variant: string; reason: string }>,
): void {
  const baselineRate = fixture.rows / baseline.wallSeconds;
  const lines: Line[] = [
    {
      name: "runner.baseline",
      unit: "rows/s",
      value: round(baselineRate, 0),
      baseline: null,
      ratio: null,
      notes: `native: OpenSSH sftp get ${round(baseline.sftpSeconds)} s + gpg --decrypt | wc -l ${round(baseline.decryptSplitSeconds)} s = ${round(baseline.wallSeconds)} s wall, peak RSS ${mb(baseline.maxRssBytes)} MB`,
    },
  ];
  const describe: Record<string, string> = {
    stages:
      "file pipeline only: SFTP download + openpgp decrypt (staged, verified) + the delimited parser into events; no mapping, no database",
    pglite: "runner import job, store sink on PGlite",
    postgres: "runner import job, store sink on PostgreSQL",
  };
  for (const { variant, wallSeconds, gnuTimeRssBytes, result, cpu, smallRunRssBytes } of measured) {
    // Flat: the same import of a 100,000-row file peaks as high (when the bench ran one), else the
    // peak of this run until its 100,000th row, which leaves out the phases after the rows.
    const flatBaseline = smallRunRssBytes ?? result.peakRssTo100kBytes;
    const flatAgainst =
      smallRunRssBytes === undefined
        ? "peak until row 100,000"
        : `peak of the same import of a ${FLAT_FROM_ROWS.toLocaleString("en-US")}-row file`;
    const early =
      smallRunRssBytes === undefined || result.peakRssTo100kBytes === undefined
        ? ""
        : ` (this run's peak until its row 100,000: ${mb(result.peakRssTo100kBytes)} MB)`;
    const phases = Object.entries(result.phasesMs)
      .map(([phase, ms]) => `${phase} ${round(ms / 1000)} s`)
      .join(", ");
    const server = cpu.serverSeconds === undefined ? "" : `, PostgreSQL server ${round(cpu.serverSeconds)} s`;
    const cpuUsed = `CPU: runner ${round(cpu.userSeconds)} s user + ${round(cpu.systemSeconds)} s system${server}${cpuByPhase(result.phasesCpu)}`;
    lines.push({
      name: "runner.import",
      unit: "rows/s",
      value: round(fixture.rows / wallSeconds, 0),
      baseline: round(baselineRate, 0),
      ratio: round(wallSeconds / baseline.wallSeconds),
      notes: `${describe[variant]}; ${fixture.rows.toLocaleString("en-US")} rows, ${fixture.users.toLocaleString("en-US")} users, ${mb(fixture.plaintextBytes)} MB plaintext; process wall ${round(wallSeconds)} s vs baseline ${round(baseline.wallSeconds)} s; in-process ${round(result.importMs / 1000)} s (${phases}); ${cpuUsed}; ${result.rejected} rejected`,
    });
    lines.push({
      name: "runner.peak_rss",
      unit: "MB",
      value: mb(result.peakRssBytes),
      baseline: flatBaseline === undefined ? null : mb(flatBaseline),
      ratio: flatBaseline === undefined ? null : round(result.peakRssBytes / flatBaseline),
      notes: `${variant}: peak RSS (the kernel's high-water mark for the process) over the whole run (GNU time: ${mb(gnuTimeRssBytes)} MB); baseline = ${flatAgainst}, so ratio 1.0 means flat${early}; native tools peaked at ${mb(baseline.maxRssBytes)} MB`,
    });
  }
  for (const { variant, reason } of unavailable) {
    lines.push({
      name: "runner.import",
      unit: "rows/s",
      value: null,
      baseline: null,
      ratio: null,
      notes: `${variant}: unavailable — ${reason}`,
    });
  }
  if (args.json) {
    for (const line of lines) process.stdout.write(`${JSON.stringify(line)}\n`);
    return;
  }
  const header = ["name", "value", "unit", "baseline", "ratio", "notes"];
  const rowsOut = lines.map((line) => [
    line.name,
    line.value === null ? "n/a" : String(line.value),
    line.unit,
    line.baseline === null ? "" : String(line.baseline),
    line.ratio === null ? "" : `${line.ratio}×`,
    line.notes,
  ]);
  const widths = header.map((title, index) =>
    index === header.length - 1
      ? 0
      : Math.max(title.length, ...rowsOut.map((row) => (row[index] ?? "").length)),
  );
  const format = (row: string[]) => row.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join("  ");
  process.stdout.write(`${format(header)}\n${rowsOut.map(format).join("\n")}\n`);
}

await main();
