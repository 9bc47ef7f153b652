import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  RUNNER_V8_FLAGS,
  runnerEnv,
  runnerNodeFlags,
  stripsTypes,
  typeScriptLoaderFlags,
} from "../bin/node-settings.mjs";

describe("the runner's Node settings", () => {
  it("adds each V8 flag unless NODE_OPTIONS already sets it, and keeps the caller's environment", () => {
    expect(runnerNodeFlags({})).toEqual(RUNNER_V8_FLAGS);
    expect(runnerNodeFlags({ NODE_OPTIONS: "--max-old-space-size=2048" })).toEqual([
      "--max-semi-space-size=8",
      "--liftoff-only",
      "--expose-gc",
      "--no-allocation-site-pretenuring",
    ]);
    expect(runnerNodeFlags({ NODE_OPTIONS: "--allocation-site-pretenuring --no-expose-gc" })).toEqual([
      "--max-semi-space-size=8",
      "--max-old-space-size=512",
      "--liftoff-only",
    ]);
    const own = { MALLOC_ARENA_MAX: "8", NODE_COMPILE_CACHE: "/c", HOME: "/h" };
    expect(runnerEnv(own)).toEqual(own);
    expect(runnerEnv({ HOME: "/h" })).toEqual({
      MALLOC_ARENA_MAX: "1",
      NODE_COMPILE_CACHE: join(tmpdir(), "node-compile-cache"),
      HOME: "/h",
    });
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

  it("start the CLI without a loader on a Node that strips types, and with tsx before", () => {
    expect(stripsTypes("24.21.0")).toBe(true);
    expect(stripsTypes("v23.6.0")).toBe(true);
    expect(stripsTypes("22.18.0")).toBe(true);
    expect(stripsTypes("22.17.1")).toBe(false);
    expect(stripsTypes("23.5.0")).toBe(false);
    expect(stripsTypes("20.20.2")).toBe(false);
    expect(typeScriptLoaderFlags("24.21.0")).toEqual([]);
    expect(typeScriptLoaderFlags("22.17.1")).toEqual(["--import", expect.stringMatching(/^file:.*tsx/)]);
  });

  it("keep the runner's source to TypeScript that Node runs by stripping types", { timeout: 30_000 }, () => {
    // The whole CLI graph loads natively: one parameter property or enum anywhere would fail here.
    const cli = join(import.meta.dirname, "..", "src", "cli.ts");
    const result = spawnSync(
      process.execPath,
      ["--input-type=module", "-e", `await import(${JSON.stringify(cli)})`],
      {
        encoding: "utf8",
        env: { PATH: process.env.PATH ?? "" },
      },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });
});
