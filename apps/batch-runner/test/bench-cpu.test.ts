import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { PhaseCpu, serverCpuSeconds } from "../bench/cpu.ts";

/** Keeps this thread's CPU busy for `ms` milliseconds. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy on purpose
  }
}

const SPIN = "const until = performance.now() + 300; while (performance.now() < until) {}";

// The bench splits CPU time with /proc: Linux only, as is the bench machine.
describe.runIf(existsSync("/proc/self/task"))("the import bench's CPU split", () => {
  it("puts the main thread's work and an ended worker's work where they belong", async () => {
    const cpu = new PhaseCpu();
    cpu.end("start");
    spin(300);
    cpu.end("main");
    const worker = new Worker(SPIN, { eval: true });
    await once(worker, "exit");
    cpu.end("worker");

    expect(cpu.phases.main?.main).toBeGreaterThan(0.2);
    expect(cpu.phases.main?.workers).toBeLessThan(0.1);
    // The worker ended before the phase did: its time is counted from the process's own figure.
    expect(cpu.phases.worker?.workers).toBeGreaterThan(0.2);
    expect(cpu.phases.worker?.main).toBeLessThan(0.2);
    expect(cpu.phases.main?.server).toBeUndefined();
  });

  it("counts a server's CPU time through its process, and none for no process", async () => {
    const child = spawn(process.execPath, ["-e", `${SPIN}; setTimeout(() => {}, 5000)`]);
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(serverCpuSeconds(child.pid)).toBeGreaterThan(0.2);
    } finally {
      child.kill();
    }
    expect(serverCpuSeconds(undefined)).toBe(0);
  });
});
