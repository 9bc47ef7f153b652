// CPU time as Linux accounts it (/proc), for the import benchmark's notes: which threads of the
// runner, and how much of the PostgreSQL server, each phase of an import kept busy. On a machine
// with few cores that says what a phase waits for; wall time alone does not.
import { readdirSync, readFileSync } from "node:fs";

// USER_HZ: 100 on every Linux build in use.
const TICKS_PER_SECOND = 100;

/** CPU seconds of a stretch of the import, by where they went. */
export interface CpuSplit {
  /** The runner's main thread. */
  main: number;
  /** Its worker threads (PGP, fold workers). */
  workers: number;
  /** V8's helper threads: garbage collection, and compiling in the background. */
  v8: number;
  /** The rest of the process: libuv's pool (zlib, file I/O) and Node's own threads. */
  other: number;
  /** The PostgreSQL server's processes, when the import writes to one the bench started. */
  server?: number;
}

type ThreadKind = "main" | "workers" | "v8" | "other";
type ThreadTicks = Map<string, { kind: ThreadKind; ticks: number }>;

/** Each live thread of this process, by id: its kind and CPU ticks; undefined without /proc. */
function threadTicks(): ThreadTicks | undefined {
  let threads: string[];
  try {
    threads = readdirSync("/proc/self/task");
  } catch {
    return undefined;
  }
  const out: ThreadTicks = new Map();
  for (const thread of threads) {
    const fields = statFields(`/proc/self/task/${thread}/stat`);
    // A thread that ended since the listing is counted as one that ended (see PhaseCpu.end).
    if (fields === undefined) continue;
    out.set(thread, { kind: kindOf(thread, fields.name), ticks: fields.ticks });
  }
  return out;
}

function kindOf(thread: string, name: string): ThreadKind {
  if (thread === String(process.pid)) return "main";
  if (name === "WorkerThread") return "workers";
  if (name.startsWith("V8")) return "v8";
  return "other";
}

/** The name and the user + system ticks of a /proc stat file (with its children's when asked). */
function statFields(
  file: string,
  withChildren = false,
): { name: string; parent: string; ticks: number } | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  // The name, in parentheses, may hold spaces: fields are counted after it. After the name:
  // state (0), ppid (1) … utime (11), stime (12), cutime (13), cstime (14).
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const ticks =
    Number(fields[11]) + Number(fields[12]) + (withChildren ? Number(fields[13]) + Number(fields[14]) : 0);
  return { name: text.slice(text.indexOf("(") + 1, text.lastIndexOf(")")), parent: fields[1] ?? "", ticks };
}

/**
 * CPU seconds a PostgreSQL server has used so far: the postmaster (with the children it has
 * reaped) and its live children (backends, WAL writer, checkpointer). 0 without /proc.
 */
export function serverCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const own = statFields(`/proc/${pid}/stat`, true);
  if (own === undefined) return 0;
  let ticks = own.ticks;
  let ids: string[] = [];
  try {
    ids = readdirSync("/proc");
  } catch {
    return 0;
  }
  for (const id of ids) {
    if (!/^\d+$/.test(id)) continue;
    const child = statFields(`/proc/${id}/stat`);
    if (child?.parent === String(pid)) ticks += child.ticks;
  }
  return ticks / TICKS_PER_SECOND;
}

/**
 * Splits the CPU time of an import by phase: `end(phase)` closes each phase as the next begins.
 * The first phase starts with the process (its start and module loading); the server's, from here.
 */
export class PhaseCpu {
  readonly #serverPid: number | undefined;
  #threads: ThreadTicks = new Map();
  #process = 0;
  #server: number;
  readonly phases: Record<string, CpuSplit> = {};

  constructor(serverPid?: number) {
    this.#serverPid = serverPid;
    this.#server = serverCpuSeconds(serverPid);
  }

  /** Adds the CPU time since the previous call (or the start) to `phase`. */
  end(phase: string): void {
    const threads = threadTicks();
    // Without /proc there is nothing to split by.
    if (threads === undefined) return;
    const total = processSeconds();
    const split: CpuSplit = this.phases[phase] ?? { main: 0, workers: 0, v8: 0, other: 0 };
    let threadSeconds = 0;
    for (const [id, now] of threads) {
      const seconds = (now.ticks - (this.#threads.get(id)?.ticks ?? 0)) / TICKS_PER_SECOND;
      split[now.kind] += seconds;
      threadSeconds += seconds;
    }
    // What the live threads do not account for was used by threads that ended since (the
    // process's own figure keeps it): in the runner only worker threads end (a PGP worker after its
    // file, the unlock worker, the fold workers after the profiles).
    split.workers += Math.max(0, total - this.#process - threadSeconds);
    if (this.#serverPid !== undefined) {
      const server = serverCpuSeconds(this.#serverPid);
      split.server = (split.server ?? 0) + server - this.#server;
      this.#server = server;
    }
    this.phases[phase] = split;
    this.#threads = threads;
    this.#process = total;
  }
}

function processSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
