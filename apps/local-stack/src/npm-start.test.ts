import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const REPO_ROOT = resolve(import.meta.dirname, "..", "..", "..");

/** Pids of the processes whose command line names `text` (the stack's children name its state folder). */
async function processesNaming(text: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (commandLine.includes(text)) found.push(Number(entry));
  }
  return found;
}

/** The promise's value, or false once `ms` have passed (so the test can still clean up). */
function within(promise: Promise<true>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// A supervisor (docker with npm as its first process, `timeout`, systemd with KillMode=process)
// signals only the process it started. npm passes SIGTERM on to its script's shell, and a shell
// waiting for a command dies of it without passing it on: the npm scripts `exec` their command.
describe("npm start", () => {
  it("stops every part of the stack when SIGTERM reaches npm alone", { timeout: 240_000 }, async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "npm-start-"));
    const npm = spawn("npm", ["start", "--", "--state", stateDir, "--no-schedule"], {
      cwd: REPO_ROOT,
      env: { ...process.env, SANDBOX_PORT: "0", GATEWAY_PORT: "0", SFTP_PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    // Every process that holds npm's output (the stack's own process too) has ended.
    const closed = Promise.all(
      [npm.stdout, npm.stderr].map((stream) => new Promise((done) => stream.once("close", done))),
    );
    try {
      const running = new Promise<void>((isRunning, failed) => {
        const read = (chunk: Buffer) => {
          output += chunk.toString("utf8");
          if (output.includes("[stack] running")) isRunning();
        };
        npm.stdout.on("data", read);
        npm.stderr.on("data", read);
        npm.once("exit", (code) =>
          failed(new Error(`npm start exited (${code}) before the stack ran:\n${output}`)),
        );
      });
      expect(
        await within(
          running.then(() => true),
          150_000,
        ),
        `not running:\n${output}`,
      ).toBe(true);
      expect(await processesNaming(stateDir)).not.toEqual([]);

      npm.kill("SIGTERM");
      expect(
        await within(
          closed.then(() => true),
          60_000,
        ),
        `still running a minute after SIGTERM:\n${output}`,
      ).toBe(true);
      // The stack waits for its children before it says so.
      expect(output).toContain("[stack] SIGTERM: stopping every part");
      expect(output).toContain("[stack] stopped");
      expect(await processesNaming(stateDir)).toEqual([]);
    } finally {
      for (const pid of await processesNaming(stateDir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Gone already.
        }
      }
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
