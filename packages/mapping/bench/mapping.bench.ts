// npm run bench [-- --json] [-- --forks N]: events per second through the default responsys_events
// mapping on one core.
//
// Headline (`value`): the path of the batch runner's store sink. identityOf for every event in file
// order, as rows arrive; events grouped per user; then one applyEvents per user over that user's
// events laid out side by side in memory, as the sink has them: it parses a user's events from its
// part file together, just before folding them. The notes add two other paths over the same events:
// - scattered: the same steps over one array in file order, so the fold visits each user's events
//   across the whole array and nearly every event and each of its strings is a cache miss. It is the
//   worst case for the CPU caches (~1.5x slower here), and was the headline until December 2026;
// - one by one (identityOf, then applyEvent on the user's current profile for every event), which
//   must copy the profile and each counted map per event to stay pure, so it is several times slower.
//
// Baseline, same process and same events: a hand-written loop that copies each user's profile and
// sets three fields, the cheapest possible "mapping"; `ratio` = value / baseline.
//
// Everything is timed in CPU time of the measuring process (process.cpuUsage), not wall time: "on
// one core" should not depend on what else the machine runs. Within a process each figure is the
// best of several rounds, and when node runs with --expose-gc (npm run bench does) the heap is
// collected before each round, so a round is not charged for the garbage of the one before.
// npm run bench also passes --single-threaded-gc: V8's concurrent and parallel collector threads
// would otherwise add CPU time of other cores to a figure meant for one core.
//
// The measurement runs in several fresh processes, one after another, and each figure is the
// median over them. On the development VM a whole process now and then runs ~1.5x slower than
// the others, every round of it, and so does a plain Python loop: the speed of the machine, not
// of the code. A median over processes is not moved by one such process, where the figure of a
// single process is (as JMH forks its JVMs for the same reason). Every process's figure is in
// the notes.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { applyEvent, applyEvents, defaultResponsysMapping, identityOf, type Profile } from "../src/index.ts";
import { eventMix, type MixedEvent } from "../test/fixtures/event-mix.ts";

const EVENTS = 200_000;
const USERS = 20_000;
const ROUNDS = 5;
const ONE_BY_ONE_ROUNDS = 2;
const DEFAULT_FORKS = 5;
/** Marks a measuring process, and the line it prints its result on. */
const FORK_FLAG = "--measure-fork";
const ONE_BY_ONE_FLAG = "--one-by-one";

// Only a measuring process needs the events.
const events: MixedEvent[] = process.argv.includes(FORK_FLAG) ? eventMix(EVENTS, USERS, 42) : [];
const laidOut = laidOutByUser(events);

/** The events by user (identityOf), each user's in file order. */
function groupByUser(list: readonly MixedEvent[]): Map<string, MixedEvent[]> {
  const byUser = new Map<string, MixedEvent[]>();
  for (const event of list) {
    const identity = identityOf(event, defaultResponsysMapping);
    if (identity === undefined) continue;
    const group = byUser.get(identity.value);
    if (group === undefined) byUser.set(identity.value, [event]);
    else group.push(event);
  }
  return byUser;
}

/**
 * Each user's events as fresh objects, made user after user so that they lie together in memory,
 * as JSON.parse leaves them when the store sink reads a user's events from its part.
 */
function laidOutByUser(list: readonly MixedEvent[]): Map<string, MixedEvent[]> {
  const out = new Map<string, MixedEvent[]>();
  for (const [key, group] of groupByUser(list)) {
    out.set(
      key,
      group.map((event) => JSON.parse(JSON.stringify(event)) as MixedEvent),
    );
  }
  return out;
}

interface Timing {
  cpuRate: number;
  wallRate: number;
}

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** globalThis.gc when node was started with --expose-gc. */
function collector(): (() => void) | undefined {
  const gc: unknown = Reflect.get(globalThis, "gc");
  return typeof gc === "function" ? () => Reflect.apply(gc, globalThis, []) : undefined;
}

/** Whether the garbage collector runs on this thread only (--single-threaded-gc). */
function singleThreadedGc(): boolean {
  return process.execArgv.includes("--single-threaded-gc");
}

function timed(run: () => number): Timing {
  collector()?.();
  const cpuStart = cpuMs();
  const wallStart = performance.now();
  const profiles = run();
  const cpu = cpuMs() - cpuStart;
  const wall = performance.now() - wallStart;
  if (profiles === 0) throw new Error("no profiles were made");
  return { cpuRate: (EVENTS / cpu) * 1000, wallRate: (EVENTS / wall) * 1000 };
}

function runMapping(): number {
  const profiles = new Map<string, Profile>();
  for (const event of events) {
    const identity = identityOf(event, defaultResponsysMapping);
    if (identity === undefined) continue;
    profiles.set(
      identity.value,
      applyEvent(profiles.get(identity.value) ?? {}, event, defaultResponsysMapping),
    );
  }
  return profiles.size;
}

/** identityOf per event in file order, the events grouped per user, one applyEvents per user. */
function runGrouped(foldInput: (key: string, list: MixedEvent[]) => MixedEvent[]): number {
  const profiles = new Map<string, Profile>();
  for (const [key, list] of groupByUser(events)) {
    profiles.set(key, applyEvents({}, foldInput(key, list), defaultResponsysMapping));
  }
  return profiles.size;
}

/** The store sink's path: each user's events folded from where they lie together. */
const runAsSink = () => runGrouped((key, list) => laidOut.get(key) ?? list);
/** The events folded where they lie in the file-order array. */
const runScattered = () => runGrouped((_key, list) => list);

function runBaseline(): number {
  const profiles = new Map<string, Record<string, unknown>>();
  for (const event of events) {
    const key = event.riid ?? "";
    const profile = profiles.get(key) ?? {};
    profiles.set(key, { ...profile, rs_user_id: key, last_event: event.event, last_active_ts: event._ts });
  }
  return profiles.size;
}

function best(run: () => number, rounds: number): Timing {
  let top: Timing = { cpuRate: 0, wallRate: 0 };
  for (let round = 0; round < rounds; round++) {
    const timing = timed(run);
    if (timing.cpuRate > top.cpuRate) top = timing;
  }
  return top;
}

interface ForkResult {
  grouped: Timing;
  scattered: Timing;
  /** Measured by the first process only: it is a note, and slow. */
  oneByOne: Timing | undefined;
  baseline: Timing;
}

function measureHere(): ForkResult {
  return {
    grouped: best(runAsSink, ROUNDS),
    scattered: best(runScattered, ROUNDS),
    oneByOne: process.argv.includes(ONE_BY_ONE_FLAG) ? best(runMapping, ONE_BY_ONE_ROUNDS) : undefined,
    baseline: best(runBaseline, ROUNDS),
  };
}

/** Runs the measurement in a fresh node with this one's flags (--expose-gc, tsx, …). */
function measureInFork(withOneByOne: boolean): ForkResult {
  const script = fileURLToPath(import.meta.url);
  const flags = withOneByOne ? [FORK_FLAG, ONE_BY_ONE_FLAG] : [FORK_FLAG];
  const child = spawnSync(process.execPath, [...process.execArgv, script, ...flags], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (child.status !== 0)
    throw new Error(`a measuring process failed (exit ${child.status ?? child.signal})`);
  const line = child.stdout.split("\n").find((text) => text.startsWith(FORK_FLAG));
  if (line === undefined) throw new Error(`a measuring process printed no result: ${child.stdout}`);
  return JSON.parse(line.slice(FORK_FLAG.length)) as ForkResult;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function forkCount(): number {
  const at = process.argv.indexOf("--forks");
  if (at === -1) return DEFAULT_FORKS;
  const count = Number(process.argv[at + 1]);
  if (!Number.isInteger(count) || count < 1) throw new Error("--forks takes a whole number of at least 1");
  return count;
}

if (process.argv.includes(FORK_FLAG)) {
  console.log(`${FORK_FLAG}${JSON.stringify(measureHere())}`);
} else {
  const forks: ForkResult[] = [];
  const count = forkCount();
  for (let fork = 0; fork < count; fork++) {
    if (!process.argv.includes("--json"))
      process.stderr.write(`measuring in process ${fork + 1} of ${count}…\n`);
    forks.push(measureInFork(fork === 0));
  }
  const grouped = median(forks.map((fork) => fork.grouped.cpuRate));
  const scattered = median(forks.map((fork) => fork.scattered.cpuRate));
  const oneByOne = forks[0]?.oneByOne?.cpuRate ?? 0;
  const baseline = median(forks.map((fork) => fork.baseline.cpuRate));
  const groupedWall = median(forks.map((fork) => fork.grouped.wallRate));
  const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
  const result = {
    name: "mapping.events",
    unit: "events/s",
    value: Math.round(grouped),
    baseline: Math.round(baseline),
    ratio: Number((grouped / baseline).toFixed(4)),
    notes:
      `default responsys_events mapping (${defaultResponsysMapping.fields.length} fields), ${fmt(EVENTS)} events over ${fmt(USERS)} users, ` +
      `CPU time, median over ${count} processes of the best of ${ROUNDS} rounds${collector() === undefined ? "" : ", heap collected before each round"}${singleThreadedGc() ? ", single-threaded GC" : ""}; ` +
      `each process: ${forks.map((fork) => fmt(fork.grouped.cpuRate)).join(", ")}; ` +
      "value: identityOf per event in file order, events grouped per user, one applyEvents per user over its events laid out together (as the store sink parses them from its part); " +
      `scattered (each user's events folded where they lie in the file-order array): ${fmt(scattered)} events/s, each process: ${forks.map((fork) => fmt(fork.scattered.cpuRate)).join(", ")}; ` +
      `one applyEvent per event instead (first process, best of ${ONE_BY_ONE_ROUNDS}): ${fmt(oneByOne)} events/s; ` +
      `wall clock ${fmt(groupedWall)} grouped events/s; ` +
      "baseline: hand-written profile copy loop",
  };

  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`${"name".padEnd(16)}${"value".padEnd(24)}${"baseline".padEnd(24)}ratio`);
    console.log(
      `${result.name.padEnd(16)}${`${fmt(result.value)} ${result.unit}`.padEnd(24)}${`${fmt(result.baseline)} ${result.unit}`.padEnd(24)}${result.ratio}`,
    );
    console.log(result.notes);
  }
}
