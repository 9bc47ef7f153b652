import { performance } from "node:perf_hooks";
import { loadConfig } from "../src/config/load.ts";
import { openRuntime, runJobOnce } from "../src/jobs/runtime.ts";
import { silentLogger } from "../src/logging/logger.ts";
import { PhaseCpu } from "./cpu.ts";
import type { MeasureResult, MeasureSpec } from "./measure.ts";

/** The runner's own import (`batch-runner run <job>`): config, store sink, checkpoints, leases. */
export async function measureRunnerJob(
  spec: MeasureSpec,
  onRows: (rows: number) => void,
): Promise<Omit<MeasureResult, "peakRssBytes" | "peakRssTo100kBytes">> {
  if (spec.configPath === undefined || spec.jobId === undefined)
    throw new Error("job mode needs configPath and jobId");
  const started = performance.now();
  const cpu = new PhaseCpu(spec.serverPid);
  cpu.end("start");
  const config = await loadConfig(spec.configPath, { env: process.env });
  const job = config.jobs.find((candidate) => candidate.id === spec.jobId);
  if (job === undefined) throw new Error(`no job ${spec.jobId}`);
  const runtime = await openRuntime(config, { logger: silentLogger, importing: [job.id] });
  const opened = performance.now();
  try {
    // Each phase of the import (key unlock and connect, download, decrypt, group, rows) runs
    // until the progress reports the next one.
    const phasesMs: Record<string, number> = { "open database": opened - started };
    cpu.end("open database");
    let phase = "unlock+connect";
    let phaseStart = opened;
    const summary = await runJobOnce(runtime, job, {
      onProgress: (progress) => {
        onRows(progress.rows);
        if (progress.phase === phase) return;
        const at = performance.now();
        phasesMs[phase] = (phasesMs[phase] ?? 0) + (at - phaseStart);
        cpu.end(phase);
        phase = progress.phase;
        phaseStart = at;
      },
    });
    phasesMs[phase] = (phasesMs[phase] ?? 0) + (performance.now() - phaseStart);
    cpu.end(phase);
    if (summary.errors.length > 0) throw new Error(`import failed: ${JSON.stringify(summary.errors)}`);
    return {
      rows: summary.rows,
      events: summary.events,
      rejected: summary.rejected,
      importMs: performance.now() - started,
      phasesMs,
      phasesCpu: cpu.phases,
    };
  } finally {
    await runtime.close();
  }
}

/** Opens (creating and migrating) the config's database once, outside the measured process. */
export async function prepareDatabase(configPath: string): Promise<void> {
  const config = await loadConfig(configPath, { env: process.env });
  const runtime = await openRuntime(config, { logger: silentLogger });
  await runtime.close();
}
