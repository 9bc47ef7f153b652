import { describe, expect, it } from "vitest";
import { createJsonLogger } from "../logging/logger.ts";
import { createScheduler } from "./scheduler.ts";

function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createJsonLogger({ write: (line) => lines.push(JSON.parse(line)), now: () => new Date(0) });
  return { logger, lines };
}

/** A run that waits until the test lets it finish, recording the signal it was given. */
function gatedRun() {
  let release: () => void = () => {};
  const signals: AbortSignal[] = [];
  const runJob = (_jobId: string, signal: AbortSignal) => {
    signals.push(signal);
    return new Promise<void>((resolve) => {
      release = resolve;
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
  };
  return { runJob, signals, release: () => release() };
}

describe("createScheduler", () => {
  it("skips a tick while the previous run of the job is still going, with a log line", async () => {
    const { logger, lines } = recordingLogger();
    const gate = gatedRun();
    const scheduler = createScheduler({
      jobs: [{ id: "a", schedule: "* * * * *" }],
      runJob: gate.runJob,
      logger,
    });
    const first = scheduler.tick("a");
    expect(scheduler.isRunning("a")).toBe(true);
    expect(await scheduler.tick("a")).toBe("skipped");
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "warn", job: "a", msg: expect.stringContaining("skipped") }),
    );
    gate.release();
    expect(await first).toBe("ran");
    expect(scheduler.isRunning("a")).toBe(false);
    const again = scheduler.tick("a");
    gate.release();
    expect(await again).toBe("ran");
    expect(gate.signals).toHaveLength(2);
  });

  it("registers one cron task per job and, on stop, signals running jobs and waits for them", async () => {
    const { logger } = recordingLogger();
    const gate = gatedRun();
    const created: Array<{ expression: string; states: string[]; run: () => Promise<void> }> = [];
    const scheduler = createScheduler({
      jobs: [
        { id: "a", schedule: "*/5 * * * *" },
        { id: "b", schedule: "0 */6 * * *" },
      ],
      runJob: gate.runJob,
      logger,
      createTask: (expression, run) => {
        const task = { expression, states: [] as string[], run };
        created.push(task);
        return {
          start: () => void task.states.push("started"),
          stop: () => void task.states.push("stopped"),
          destroy: () => void task.states.push("destroyed"),
        };
      },
    });
    scheduler.start();
    expect(created.map((t) => [t.expression, t.states])).toEqual([
      ["*/5 * * * *", ["started"]],
      ["0 */6 * * *", ["started"]],
    ]);
    const running = created[0]?.run();
    expect(scheduler.isRunning("a")).toBe(true);
    await scheduler.stop();
    await running;
    expect(gate.signals[0]?.aborted).toBe(true);
    expect(scheduler.isRunning("a")).toBe(false);
    expect(created[0]?.states).toEqual(["started", "stopped", "destroyed"]);
    expect(await scheduler.tick("b")).toBe("stopping");
  });

  it("logs a failed run and keeps scheduling", async () => {
    const { logger, lines } = recordingLogger();
    const scheduler = createScheduler({
      jobs: [{ id: "a", schedule: "* * * * *" }],
      runJob: async () => {
        throw new Error("SFTP down");
      },
      logger,
    });
    expect(await scheduler.tick("a")).toBe("ran");
    expect(lines).toContainEqual(expect.objectContaining({ level: "error", job: "a", error: "SFTP down" }));
  });
});
