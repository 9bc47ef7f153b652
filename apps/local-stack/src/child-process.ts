import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";

/** Where a child's output goes, one line at a time. */
export type LineSink = (line: string, stream: "stdout" | "stderr") => void;

export interface ChildOptions {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  onLine: LineSink;
}

/** A child process that leads its own process group, so stopping it stops everything it spawned. */
export interface ManagedChild {
  /** The child's pid, which is also its process group id. */
  readonly pid: number;
  /** Resolves with the exit code (or 128 + signal number style code) once the leader exits. */
  readonly exited: Promise<number>;
  /** SIGTERM to the whole group, SIGKILL after `graceMs`; resolves when no member is left. */
  stop(graceMs?: number): Promise<void>;
}

// wrangler starts node, which starts workerd: signalling the leader alone leaves workerd behind,
// and Ctrl-C in a terminal must not reach the children before the stack stops them in order.
/** Spawns `command` detached (its own process group), piping its output lines to `onLine`. */
export function startChild(options: ChildOptions): ManagedChild {
  const child: ChildProcess = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.command}`);
  liveGroups.add(pid);
  registerExitHook();
  for (const stream of ["stdout", "stderr"] as const) {
    const readable = child[stream];
    if (readable === null) continue;
    createInterface({ input: readable, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
      options.onLine(line, stream),
    );
  }
  const exited = new Promise<number>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    child.once("error", () => resolve(127));
  });
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 8000) => {
    stopping ??= stopGroup(pid, exited, graceMs).finally(() => liveGroups.delete(pid));
    return stopping;
  };
  return { pid, exited, stop };
}

// Groups not stopped yet. If the stack exits without stopping them (a crash, process.exit), the
// exit hook kills them: detached children would otherwise outlive it.
const liveGroups = new Set<number>();
let exitHookRegistered = false;

function registerExitHook(): void {
  if (exitHookRegistered) return;
  exitHookRegistered = true;
  process.on("exit", () => {
    for (const pgid of liveGroups) signalGroup(pgid, "SIGKILL");
  });
}

async function stopGroup(pgid: number, exited: Promise<number>, graceMs: number): Promise<void> {
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && (await groupMembers(pgid)).length > 0) await pause(100);
  if ((await groupMembers(pgid)).length > 0) signalGroup(pgid, "SIGKILL");
  await exited;
  while ((await groupMembers(pgid)).length > 0) await pause(50);
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Live (non-zombie) pids whose process group is `pgid`, read from /proc. A zombie is finished:
 * in a container whose init does not reap orphans, it would otherwise look alive to kill(0).
 */
export async function groupMembers(pgid: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    return signalProbe(pgid) ? [pgid] : [];
  }
  const members: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => undefined);
    if (stat === undefined) continue;
    // Fields after the parenthesised command name: state, ppid, pgrp, …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] !== "Z" && Number(fields[2]) === pgid) members.push(Number(entry));
  }
  return members;
}

function signalProbe(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
