import { describe, expect, it } from "vitest";
import { groupMembers, startChild } from "./child-process.ts";

describe("child processes in their own group", () => {
  it("passes on output lines, and stop() ends the child and everything it started", async () => {
    const lines: string[] = [];
    // A shell that starts two grandchildren and waits, like wrangler starting workerd.
    const child = startChild({
      command: "sh",
      args: ["-c", "sleep 60 & sleep 60 & echo started; wait"],
      cwd: process.cwd(),
      env: process.env,
      onLine: (line, stream) => lines.push(`${stream}: ${line}`),
    });
    await expect.poll(() => lines).toContain("stdout: started");
    expect((await groupMembers(child.pid)).length).toBe(3);
    await child.stop(2000);
    expect(await groupMembers(child.pid)).toEqual([]);
  });

  it("SIGKILLs a group that ignores SIGTERM once the grace time is over", async () => {
    const child = startChild({
      command: "sh",
      args: ["-c", "trap '' TERM; echo ready; while :; do sleep 1; done"],
      cwd: process.cwd(),
      env: process.env,
      onLine: () => {},
    });
    await expect.poll(async () => (await groupMembers(child.pid)).length).toBeGreaterThan(0);
    await child.stop(300);
    expect(await groupMembers(child.pid)).toEqual([]);
    expect(await child.exited).toBe(128);
  });
});
