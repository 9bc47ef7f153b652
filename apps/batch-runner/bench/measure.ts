/**
 * The measured process of the import benchmark: one import over SFTP, with its RSS sampled every
 * 50 ms. Run by import.bench.ts as a child so its memory is its own; prints one `RESULT {json}` line.
 */
import { readFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { parseConnectFileName } from "../src/connect-files/name.ts";
import { prepareConnectFile } from "../src/connect-files/prepare.ts";
import { readConnectEvents } from "../src/connect-files/read.ts";
import { DEFAULT_CHUNK_SIZE } from "../src/jobs/import-activity.ts";
import { loadPgpKey } from "../src/pgp/decrypt.ts";
import { connectSftp } from "../src/sftp/sftp-source.ts";
import type { CpuSplit } from "./cpu.ts";

export interface MeasureSpec {
  mode: "stages" | "job";
  host: string;
  port: number;
  username: string;
  privateKeyPath: string;
  hostKey: string;
  folder: string;
  pgpKeyPath: string;
  pgpPassphrase: string;
  stagingDir: string;
  /** job mode: the runner config to load (store sink, the database under test). */
  configPath?: string;
  jobId?: string;
  /** job mode on the bench's PostgreSQL: its postmaster, whose CPU time is split by phase too. */
  serverPid?: number;
}

export interface MeasureResult {
  rows: number;
  events: number;
  rejected: number;
  /** From the start of the work (key unlock, connect) to the last row stored. */
  importMs: number;
  peakRssBytes: number;
  /** Highest RSS seen until the 100,000th row was through. */
  peakRssTo100kBytes: number | undefined;
  phasesMs: Record<string, number>;
  /** job mode: the CPU time of each phase, by thread kind (see PhaseCpu). */
  phasesCpu?: Record<string, CpuSplit>;
}

const RSS_SAMPLE_MS = 50;
const EARLY_ROWS = 100_000;

/**
 * Peak RSS as the kernel tracks it (ru_maxrss, a high-water mark), so a spike inside a long
 * synchronous call (PGlite's WebAssembly blocks the event loop) is never missed between samples;
 * the timer only keeps the peak fresh while nothing else reads it.
 */
class RssSampler {
  peak = highWaterMark();
  peakTo100k: number | undefined;
  readonly #timer = setInterval(() => this.sample(), RSS_SAMPLE_MS);

  sample(): void {
    this.peak = Math.max(this.peak, highWaterMark());
  }

  rows(count: number): void {
    if (this.peakTo100k === undefined && count >= EARLY_ROWS) {
      this.sample();
      this.peakTo100k = this.peak;
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }
}

function highWaterMark(): number {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * download + decrypt + parse into events, in the job's chunk size: the file pipeline alone. It
 * keeps nothing per row, so its memory is the pipeline's own.
 */
async function measureStages(
  spec: MeasureSpec,
  rss: RssSampler,
): Promise<Omit<MeasureResult, "peakRssBytes" | "peakRssTo100kBytes">> {
  const started = performance.now();
  const phasesMs: Record<string, number> = {};
  const mark = (phase: string, from: number) => {
    phasesMs[phase] = performance.now() - from;
    return performance.now();
  };
  let at = started;
  const key = await loadPgpKey(await readFile(spec.pgpKeyPath, "utf8"), spec.pgpPassphrase);
  at = mark("unlock", at);
  const source = await connectSftp({
    host: spec.host,
    port: spec.port,
    username: spec.username,
    privateKey: await readFile(spec.privateKeyPath, "utf8"),
    hostKey: spec.hostKey,
  });
  let rows = 0;
  let events = 0;
  let rejected = 0;
  try {
    const remote = (await source.list(spec.folder)).find((file) => parseConnectFileName(file.name).ok);
    const parsed = remote === undefined ? undefined : parseConnectFileName(remote.name);
    if (remote === undefined || parsed === undefined || !parsed.ok) throw new Error("no Connect file served");
    at = mark("connect", at);
    let phase = "download";
    const prepared = await prepareConnectFile(source, remote, parsed.file, {
      stagingDir: spec.stagingDir,
      pgpKey: key,
      onProgress: (current) => {
        if (current !== phase) {
          at = mark(phase, at);
          phase = current;
        }
      },
    });
    at = mark(phase, at);
    for await (const chunk of readConnectEvents(prepared.plaintextPath, {
      file: parsed.file,
      fileLabel: remote.path,
      delimiter: "|",
      zip: prepared.zip,
      chunkSize: DEFAULT_CHUNK_SIZE,
    })) {
      events += chunk.events.length;
      rejected += chunk.rejected.length;
      rows += chunk.events.length + chunk.rejected.length;
      rss.rows(rows);
    }
    mark("parse", at);
    await prepared.cleanup();
  } finally {
    await source.close();
  }
  return { rows, events, rejected, importMs: performance.now() - started, phasesMs };
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as MeasureSpec;
  const rss = new RssSampler();
  const measured = spec.mode === "job" ? await measureJob(spec, rss) : await measureStages(spec, rss);
  rss.stop();
  const result: MeasureResult = { ...measured, peakRssBytes: rss.peak, peakRssTo100kBytes: rss.peakTo100k };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

async function measureJob(
  spec: MeasureSpec,
  rss: RssSampler,
): Promise<Omit<MeasureResult, "peakRssBytes" | "peakRssTo100kBytes">> {
  const { measureRunnerJob } = await import("./measure-job.ts");
  return measureRunnerJob(spec, (rows) => rss.rows(rows));
}

await main();
