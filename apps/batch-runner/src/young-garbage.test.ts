import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const MODULE = fileURLToPath(new URL("./young-garbage.ts", import.meta.url));

/** Young collections a fresh node counts while 10 chunks of 1 KiB go through YoungGarbage(4 KiB). */
function youngCollections(flags: string[]): number {
  const script = `
    import { PerformanceObserver, constants } from "node:perf_hooks";
    const { YoungGarbage } = await import(${JSON.stringify(MODULE)});
    let minor = 0;
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++;
    });
    observer.observe({ entryTypes: ["gc"] });
    const garbage = new YoungGarbage(4096);
    for (let i = 0; i < 10; i++) garbage.add(1024);
    await new Promise((resolve) => setTimeout(resolve, 50));
    console.log(minor);
  `;
  const child = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", script], {
    encoding: "utf8",
  });
  if (child.status !== 0) throw new Error(child.stderr);
  return Number(child.stdout.trim());
}

describe("YoungGarbage", () => {
  it("runs a young collection after every so many bytes, where node exposes the collector", () => {
    // 10 KiB in 4 KiB steps: two collections (allocation may add a few of V8's own, never fewer).
    expect(youngCollections(["--expose-gc"])).toBeGreaterThanOrEqual(2);
  });

  it("does nothing without the collector", () => {
    expect(youngCollections([])).toBe(0);
  });
});
