// npm run bench [-- --json]: events per second through the default responsys_events mapping on
// one core.
//
// Headline (`value`): the grouped path, as a sink folds a chunk: identityOf for every event,
// events grouped per user, then one applyEvents per user. The notes add the one-by-one path
// (identityOf, then applyEvent on the user's current profile for every event), which must copy
// the profile and each counted map per event to stay pure, so it is several times slower.
//
// Baseline, same run and same events: a hand-written loop that copies each user's profile and sets
// three fields, the cheapest possible "mapping"; `ratio` = value / baseline.
//
// Everything is timed in CPU time of this process (process.cpuUsage), not wall time: "on one core"
// should not depend on what else the machine runs. Each figure is the best of several rounds, and
// when node runs with --expose-gc (npm run bench does) the heap is collected before each round, so
// a round is not charged for the garbage of the one before. Wall-clock figures are in `notes`.
// npm run bench also passes --single-threaded-gc: V8's concurrent and parallel collector threads
// would otherwise add CPU time of other cores to a figure meant for one core.
import { applyEvent, applyEvents, defaultResponsysMapping, identityOf, type Profile } from "../src/index.ts";
import { eventMix } from "../test/fixtures/event-mix.ts";

const EVENTS = 200_000;
const USERS = 20_000;
const ROUNDS = 5;
const ONE_BY_ONE_ROUNDS = 3;

const events = eventMix(EVENTS, USERS, 42);

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

// The same events folded per user with applyEvents, as a sink can when it groups a chunk by user.
function runGrouped(): number {
  const byUser = new Map<string, Record<string, string>[]>();
  for (const event of events) {
    const identity = identityOf(event, defaultResponsysMapping);
    if (identity === undefined) continue;
    const list = byUser.get(identity.value);
    if (list === undefined) byUser.set(identity.value, [event]);
    else list.push(event);
  }
  const profiles = new Map<string, Profile>();
  for (const [key, list] of byUser) profiles.set(key, applyEvents({}, list, defaultResponsysMapping));
  return profiles.size;
}

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

const grouped = best(runGrouped, ROUNDS);
const oneByOne = best(runMapping, ONE_BY_ONE_ROUNDS);
const baseline = best(runBaseline, ROUNDS);
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const result = {
  name: "mapping.events",
  unit: "events/s",
  value: Math.round(grouped.cpuRate),
  baseline: Math.round(baseline.cpuRate),
  ratio: Number((grouped.cpuRate / baseline.cpuRate).toFixed(4)),
  notes:
    `default responsys_events mapping (${defaultResponsysMapping.fields.length} fields), ${fmt(EVENTS)} events over ${fmt(USERS)} users, ` +
    `CPU time, best of ${ROUNDS}${collector() === undefined ? "" : ", heap collected before each round"}${singleThreadedGc() ? ", single-threaded GC" : ""}; ` +
    "value: identityOf per event, events grouped per user, one applyEvents per user; " +
    `one applyEvent per event instead (best of ${ONE_BY_ONE_ROUNDS}): ${fmt(oneByOne.cpuRate)} events/s; ` +
    `wall clock ${fmt(grouped.wallRate)} grouped, ${fmt(oneByOne.wallRate)} one by one, ${fmt(baseline.wallRate)} baseline events/s; ` +
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
