import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";

export const runningStackInfoSchema = z.object({
  pid: z.number().int(),
  sandboxUrl: z.string(),
  gatewayUrl: z.string(),
  /** The stack's own control API (runner commands), for `npm run demo` from another terminal. */
  controlUrl: z.string().nullable(),
});
/** What a running stack publishes in its state folder. */
export type RunningStackInfo = z.infer<typeof runningStackInfoSchema>;

function runningFile(stateDir: string): string {
  return join(stateDir, "running.json");
}

/** The stack running on this state folder, if its process is alive. */
export async function findRunningStack(stateDir: string): Promise<RunningStackInfo | undefined> {
  const text = await readFile(runningFile(stateDir), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  let parsed: ReturnType<typeof runningStackInfoSchema.safeParse>;
  try {
    parsed = runningStackInfoSchema.safeParse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (!parsed.success || parsed.data.pid === process.pid || !isAlive(parsed.data.pid)) return undefined;
  return parsed.data;
}

/**
 * Claims the state folder for this process. Two stacks on one folder would open the same PGlite
 * directory and local D1 files from two processes, which corrupts them.
 */
export async function claimStateDir(stateDir: string): Promise<void> {
  const other = await findRunningStack(stateDir);
  if (other !== undefined) {
    throw new Error(
      `a local stack is already running on ${stateDir} (pid ${other.pid}, gateway ${other.gatewayUrl}). ` +
        "Use that one (npm run demo drives traffic through it), stop it with Ctrl-C, or pass --state <another folder>.",
    );
  }
  await publishRunningStack(stateDir, { pid: process.pid, sandboxUrl: "", gatewayUrl: "", controlUrl: null });
}

export async function publishRunningStack(stateDir: string, info: RunningStackInfo): Promise<void> {
  await writeFile(runningFile(stateDir), `${JSON.stringify(info, null, 2)}\n`);
}

/** Releases the claim, if this process holds it. */
export async function releaseStateDir(stateDir: string): Promise<void> {
  const text = await readFile(runningFile(stateDir), "utf8").catch(() => undefined);
  if (text === undefined) return;
  const parsed = runningStackInfoSchema.safeParse(JSON.parse(text));
  if (parsed.success && parsed.data.pid !== process.pid) return;
  await rm(runningFile(stateDir), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, owned by someone else.
    return typeof error === "object" && error !== null && "code" in error && error.code === "EPERM";
  }
}
