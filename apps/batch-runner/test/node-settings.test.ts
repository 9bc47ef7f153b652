import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { RUNNER_V8_FLAGS, runnerEnv, runnerNodeFlags } from "../bin/node-settings.mjs";

describe("the runner's Node settings", () => {
  it("adds each V8 flag unless NODE_OPTIONS already sets it, and keeps the caller's environment", () => {
    expect(runnerNodeFlags({})).toEqual(RUNNER_V8_FLAGS);
    expect(runnerNodeFlags({ NODE_OPTIONS: "--max-old-space-size=2048" })).toEqual([
      "--max-semi-space-size=8",
      "--liftoff-only",
      "--expose-gc",
    ]);
    expect(runnerEnv({ MALLOC_ARENA_MAX: "8", HOME: "/h" })).toEqual({ MALLOC_ARENA_MAX: "8", HOME: "/h" });
    expect(runnerEnv({ HOME: "/h" })).toEqual({ MALLOC_ARENA_MAX: "1", HOME: "/h" });
  });

  it("give a Node started with them a heap limit near 512 MB", { timeout: 30_000 }, () => {
    // Started as bin/batch-runner.mjs starts the runner: these flags first, this environment.
    const script = "console.log(require('node:v8').getHeapStatistics().heap_size_limit)";
    const result = spawnSync(process.execPath, [...runnerNodeFlags({}), "-e", script], {
      encoding: "utf8",
      env: runnerEnv({ PATH: process.env.PATH ?? "" }),
    });
    expect(result.status).toBe(0);
    // 512 MB of old space plus the young generation: well under V8's default of several GB here.
    const limit = Number(result.stdout.trim());
    expect(limit).toBeGreaterThan(512 * 1024 * 1024);
    expect(limit).toBeLessThan(640 * 1024 * 1024);
  });
});
