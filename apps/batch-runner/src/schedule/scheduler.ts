import { createTask, type ScheduledTask } from "node-cron";
import type { Logger } from "../logging/logger.ts";

export interface ScheduledJob {
  id: string;
  schedule: string;
}

export interface SchedulerOptions {
  jobs: readonly ScheduledJob[];
  /** Runs a job once; the signal asks it to stop after the current write (chunk, batch or part). */
  runJob(jobId: string, signal: AbortSignal): Promise<unknown>;
  logger: Logger;
  /** The logger for one job's lines (so a job's warnings, e.g. an unverified host key, are on each). */
  jobLogger?: (jobId: string) => Logger;
  /** node-cron by default; tests drive ticks with `tick()` instead of waiting for the clock. */
  createTask?: (
    expression: string,
    run: () => Promise<void>,
  ) => Pick<ScheduledTask, "start" | "stop" | "destroy">;
}

export type TickOutcome = "ran" | "skipped" | "stopping";

/**
 * Runs each job on its cron schedule, one run of a job at a time: a tick that finds the previous
 * run still going is skipped with a log line. `stop()` asks running jobs to finish their current
 * write (checkpointed) and waits for them.
 */
export function createScheduler(options: SchedulerOptions) {
  const { logger } = options;
  const loggerOf = (jobId: string) => options.jobLogger?.(jobId) ?? logger.child({ job: jobId });
  const shutdown = new AbortController();
  const running = new Map<string, Promise<void>>();
  const tasks: Array<Pick<ScheduledTask, "start" | "stop" | "destroy">> = [];
  const makeTask =
    options.createTask ?? ((expression: string, run: () => Promise<void>) => createTask(expression, run));

  async function tick(jobId: string): Promise<TickOutcome> {
    if (shutdown.signal.aborted) return "stopping";
    const current = running.get(jobId);
    if (current !== undefined) {
      loggerOf(jobId).warn("tick skipped: previous run still in progress");
      return "skipped";
    }
    const run = (async () => {
      try {
        await options.runJob(jobId, shutdown.signal);
      } catch (error) {
        logger.error("run failed", {
          job: jobId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    })();
    running.set(jobId, run);
    try {
      await run;
    } finally {
      running.delete(jobId);
    }
    return "ran";
  }

  return {
    tick,
    start(): void {
      for (const job of options.jobs) {
        const task = makeTask(job.schedule, async () => {
          await tick(job.id);
        });
        tasks.push(task);
        void task.start();
        loggerOf(job.id).info("job scheduled", { schedule: job.schedule });
      }
    },
    /** Stops the schedule, lets running jobs checkpoint their current write, and waits for them. */
    async stop(): Promise<void> {
      shutdown.abort();
      for (const task of tasks) await task.stop();
      await Promise.all(running.values());
      for (const task of tasks) await task.destroy();
    },
    isRunning: (jobId: string) => running.has(jobId),
  };
}
