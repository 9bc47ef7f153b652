// npm run bench [-- --json]: events per second through the default responsys_events mapping, one
// core, profiles kept per identity as the batch runner does. Baseline, same run and same events:
// a hand-written loop that copies each profile and sets a few fields (the cheapest possible
// "mapping"), so `ratio` shows how close the LQL engine gets to plain object work.

import { applyEvent, defaultResponsysMapping, identityOf, type Profile } from "../src/index.ts";
import { eventMix } from "../test/fixtures/event-mix.ts";

const EVENTS = 200_000;
const USERS = 20_000;
const ROUNDS = 5;

const events = eventMix(EVENTS, USERS, 42);

function runMapping(): number {
  const profiles = new Map<string, Profile>();
  const started = performance.now();
  for (const event of events) {
    const identity = identityOf(event, defaultResponsysMapping);
    if (identity === undefined) continue;
    profiles.set(
      identity.value,
      applyEvent(profiles.get(identity.value) ?? {}, event, defaultResponsysMapping),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  if (profiles.size === 0) throw new Error("no profiles were made");
  return EVENTS / seconds;
}

function runBaseline(): number {
  const profiles = new Map<string, Record<string, unknown>>();
  const started = performance.now();
  for (const event of events) {
    const key = event.riid ?? "";
    const profile = profiles.get(key) ?? {};
    profiles.set(key, { ...profile, rs_user_id: key, last_event: event.event, last_active_ts: event._ts });
  }
  const seconds = (performance.now() - started) / 1000;
  if (profiles.size === 0) throw new Error("no profiles were made");
  return EVENTS / seconds;
}

function best(run: () => number): number {
  let top = 0;
  for (let round = 0; round < ROUNDS; round++) top = Math.max(top, run());
  return top;
}

const value = best(runMapping);
const baseline = best(runBaseline);
const result = {
  name: "mapping.events",
  unit: "events/s",
  value: Math.round(value),
  baseline: Math.round(baseline),
  ratio: Number((value / baseline).toFixed(3)),
  notes: `default responsys_events mapping (${defaultResponsysMapping.fields.length} fields), ${EVENTS} events, ${USERS} users, best of ${ROUNDS}; baseline: hand-written profile copy loop`,
};

if (process.argv.includes("--json")) {
  console.log(JSON.stringify(result));
} else {
  const fmt = (n: number) => n.toLocaleString("en-US");
  console.log("name            value               baseline            ratio");
  console.log(
    `${result.name.padEnd(16)}${`${fmt(result.value)} ${result.unit}`.padEnd(20)}${`${fmt(result.baseline)} ${result.unit}`.padEnd(20)}${result.ratio}`,
  );
}
