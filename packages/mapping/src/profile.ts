// Profiles and their merge rules. A profile is a plain JSON object, field name → value; a new one
// is {}. Dates are ISO 8601 UTC with milliseconds, sets sorted arrays, maps objects.
//
// Fields whose rule is "latest" need the time of the event that wrote them. Those times live in
// one reserved key, `_updated` (field → ISO time; for a map[string]value field, key → ISO time),
// which never clashes with a mapped field because field names cannot start with "_". Consumers
// that show or export fields use publicFields().
//
// Every rule is commutative and associative, so the result does not depend on the order events
// arrive in. Two values of a "latest" field with the same time are ordered by their text, so even
// ties do not depend on order. Replaying an event twice changes only the counters (sum rules).

import { BridgeError } from "@responsys-bridge/core";
import { eventTime } from "./event-time.ts";
import {
  type CompiledMapping,
  compiledMapping,
  EventContext,
  type FieldPlan,
  type JsonValue,
  type Mapping,
  type MappingField,
} from "./mapping.ts";
import { isTruthy } from "./values.ts";

export type Profile = { readonly [field: string]: JsonValue };
type JsonRecord = { readonly [key: string]: JsonValue };

/** The reserved profile key holding the event time behind each "latest" value. */
export const UPDATED_KEY = "_updated";

function isRecord(value: JsonValue | undefined): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isStringList(value: JsonValue | undefined): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function invalid(field: MappingField, value: JsonValue, why: string): BridgeError {
  return new BridgeError({
    code: "INVALID_PROFILE",
    message: `profile field ${field.name} holds ${JSON.stringify(value)}, but the mapping makes it ${field.kind} (${why})`,
    retryable: false,
    details: { field: field.name, kind: field.kind },
  });
}

function numberOf(field: MappingField, value: JsonValue): number {
  if (typeof value !== "number") throw invalid(field, value, "expected a number");
  return value;
}

function timeOf(field: MappingField, value: JsonValue): number {
  const ms = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(field, value, "expected an ISO 8601 date");
  return ms;
}

/** Orders two ISO times; canonical 24-character forms compare as text, without parsing. */
function compareIso(field: MappingField, a: JsonValue, b: JsonValue): number {
  if (typeof a === "string" && typeof b === "string" && a.length === 24 && b.length === 24) {
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return timeOf(field, a) - timeOf(field, b);
}

function recordOf(field: MappingField, value: JsonValue): JsonRecord {
  if (!isRecord(value)) throw invalid(field, value, "expected an object");
  return value;
}

/** Sorted union; returns `a` itself when `b` adds nothing, so unchanged sets are not copied. */
function union(field: MappingField, a: JsonValue, b: JsonValue): JsonValue {
  if (!isStringList(b)) throw invalid(field, b, "expected a list of strings");
  // The stored list is checked in full only when it is copied; a lookup needs just an array.
  if (!Array.isArray(a)) throw invalid(field, a, "expected a list of strings");
  const stored: readonly JsonValue[] = a;
  const missing = b.filter((item) => !sortedHas(stored, item));
  if (missing.length === 0) return a;
  if (!isStringList(a)) throw invalid(field, a, "expected a list of strings");
  return [...a, ...missing].sort();
}

function sortedHas(list: readonly JsonValue[], item: string): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const probe = list[mid] ?? "";
    if (probe === item) return true;
    if (probe < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** Which of two timed values is later: event time first, then the text of the value for ties. */
function secondWins(
  field: MappingField,
  a: JsonValue,
  at: JsonValue | undefined,
  b: JsonValue,
  bt: JsonValue | undefined,
): boolean {
  if (at !== undefined && bt !== undefined) {
    const order = compareIso(field, bt, at);
    if (order !== 0) return order > 0;
  } else if (at !== undefined || bt !== undefined) {
    // A dated value beats an undated one.
    return bt !== undefined;
  }
  return String(b) > String(a);
}

/**
 * Combines two present values of a field whose rule needs no times. Returns `a` itself when `b`
 * changes nothing, so callers can skip copying.
 */
function mergeValue(field: MappingField, a: JsonValue, b: JsonValue): JsonValue {
  switch (field.merge) {
    case "sum":
      return numberOf(field, a) + numberOf(field, b);
    case "max":
    case "min": {
      const order = field.kind === "date" ? compareIso(field, b, a) : numberOf(field, b) - numberOf(field, a);
      return (field.merge === "max" ? order > 0 : order < 0) ? b : a;
    }
    case "union":
      return union(field, a, b);
    case "sum_per_key": {
      const sums: Record<string, JsonValue> = { ...recordOf(field, a) };
      for (const [key, n] of Object.entries(recordOf(field, b))) {
        const current = sums[key];
        sums[key] = (current === undefined ? 0 : numberOf(field, current)) + numberOf(field, n);
      }
      return sums;
    }
    default: {
      // map[string]time: per key, the later time.
      const left = recordOf(field, a);
      let merged: Record<string, JsonValue> | undefined;
      for (const [key, time] of Object.entries(recordOf(field, b))) {
        const current = left[key];
        if (current !== undefined && compareIso(field, time, current) <= 0) continue;
        merged ??= { ...left };
        merged[key] = time;
      }
      return merged ?? left;
    }
  }
}

/** Whether a field's rule reads the event times kept in `_updated`. */
function isTimed(field: MappingField): boolean {
  return field.merge === "latest" || field.kind === "map[string]value";
}

/** map[string]value: per key, the value with the later time; returns the merged values and times. */
function mergeValuesPerKey(
  field: MappingField,
  a: JsonValue,
  at: JsonValue | undefined,
  b: JsonValue,
  bt: JsonValue | undefined,
): { value: JsonValue; time: JsonValue | undefined } {
  const left = recordOf(field, a);
  const leftTimes = isRecord(at) ? at : {};
  const rightTimes = isRecord(bt) ? bt : {};
  const values: Record<string, JsonValue> = { ...left };
  const times: Record<string, JsonValue> = { ...leftTimes };
  for (const [key, value] of Object.entries(recordOf(field, b))) {
    const current = left[key];
    const time = rightTimes[key];
    if (current === undefined || secondWins(field, current, leftTimes[key], value, time)) {
      values[key] = value;
      if (time === undefined) delete times[key];
      else times[key] = time;
    }
  }
  return { value: values, time: Object.keys(times).length === 0 ? undefined : times };
}

/**
 * The merged value of one field from `a` (with its `_updated` entry `at`) and `b` (with `bt`).
 * Returns `a` itself when `b` changes nothing. A changed time is written through `ownTimes`, which
 * hands out the result's `_updated` record, copied on first use.
 */
function mergeField(
  field: MappingField,
  a: JsonValue | undefined,
  at: JsonValue | undefined,
  b: JsonValue,
  bt: JsonValue | undefined,
  ownTimes: () => Record<string, JsonValue>,
): JsonValue {
  if (!isTimed(field)) return a === undefined || a === null ? b : mergeValue(field, a, b);
  let value: JsonValue;
  let time: JsonValue | undefined;
  if (a === undefined || a === null) {
    value = b;
    time = bt;
  } else if (field.merge === "latest") {
    if (!secondWins(field, a, at, b, bt)) return a;
    value = b;
    time = bt;
  } else {
    ({ value, time } = mergeValuesPerKey(field, a, at, b, bt));
  }
  if (time !== at) {
    const times = ownTimes();
    if (time === undefined) delete times[field.name];
    else times[field.name] = time;
  }
  return value;
}

/**
 * A new profile with the fields in the mapping's order, then any other keys of `base`. Keeping one
 * key order matters for speed: objects built in many different orders defeat the JS engine's
 * shape caches and fall back to slow dictionary objects (measured: ~50x slower to copy).
 */
function canonicalProfile(
  plans: readonly FieldPlan[],
  base: Profile,
  values: readonly (JsonValue | undefined)[],
  times: Record<string, JsonValue> | undefined,
): Profile {
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i];
    if (plan === undefined) continue;
    const name = plan.field.name;
    const value = values[i] ?? base[name];
    if (value !== undefined) out[name] = value;
  }
  for (const key in base) {
    const value = base[key];
    if (value !== undefined && !(key in out)) out[key] = value;
  }
  if (times !== undefined) out[UPDATED_KEY] = times;
  return out;
}

function timesOf(profile: Profile): JsonRecord {
  const times = profile[UPDATED_KEY];
  return isRecord(times) ? times : {};
}

function assertProfile(profile: unknown, name: string): asserts profile is Profile {
  if (typeof profile !== "object" || profile === null || Array.isArray(profile)) {
    throw new BridgeError({
      code: "INVALID_PROFILE",
      message: `${name} must be a JSON object`,
      retryable: false,
    });
  }
}

/**
 * Merges two profiles of the same user field by field under the mapping's rules (sums add, sets
 * unite, dates take max/min, maps merge per key, latest values follow their event times). Pure;
 * keys the mapping does not know are kept, from `a` when both have them.
 */
export function mergeProfiles(a: Profile, b: Profile, mapping: Mapping): Profile {
  assertProfile(a, "the first profile");
  assertProfile(b, "the second profile");
  const compiled = compiledMapping(mapping);
  const plans = compiled.plans;
  const timesA = timesOf(a);
  const timesB = timesOf(b);
  let times: Record<string, JsonValue> | undefined;
  const ownTimes = (): Record<string, JsonValue> => {
    times ??= { ...timesA };
    return times;
  };
  const values: (JsonValue | undefined)[] = [];
  let changed = false;
  let added = false;
  for (let i = 0; i < plans.length; i++) {
    const field = plans[i]?.field;
    if (field === undefined) continue;
    const value = b[field.name];
    if (value === undefined || value === null) continue;
    const before = a[field.name];
    const after = mergeField(field, before, timesA[field.name], value, timesB[field.name], ownTimes);
    if (after === before) continue;
    values[i] = after;
    changed = true;
    if (before === undefined || before === null) added = true;
  }
  // Keys the mapping does not know come from `a`, else from `b`.
  let extras = false;
  for (const key in b) {
    if (key !== UPDATED_KEY && !compiled.fieldNames.has(key) && !(key in a)) {
      extras = true;
      break;
    }
  }
  if (!changed && !extras && times === undefined) return a;
  if (added || extras || (times !== undefined && !(UPDATED_KEY in a))) {
    return canonicalProfile(plans, extras ? { ...b, ...a } : a, values, times);
  }
  const out: Record<string, JsonValue> = { ...a };
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const name = plans[i]?.field.name;
    if (value !== undefined && name !== undefined) out[name] = value;
  }
  if (times !== undefined) out[UPDATED_KEY] = times;
  return out;
}

function contextOf(event: Readonly<Record<string, unknown>>): EventContext {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new BridgeError({
      code: "INVALID_EVENT",
      message: "an event must be a plain object",
      retryable: false,
    });
  }
  return new EventContext(event, eventTime(event));
}

function applies(plan: FieldPlan, ctx: EventContext): boolean {
  return plan.when === undefined || isTruthy(plan.when(ctx));
}

/** Indexes of the plans whose condition holds for the event. */
function activePlans(compiled: CompiledMapping, ctx: EventContext): number[] {
  const active: number[] = [];
  const plans = compiled.plans;
  for (const i of compiled.ungrouped) {
    const plan = plans[i];
    if (plan !== undefined && applies(plan, ctx)) active.push(i);
  }
  for (const group of compiled.groups) {
    const value = group.read(ctx);
    if (typeof value === "string") {
      const hits = group.byText.get(value);
      if (hits !== undefined) for (const i of hits) active.push(i);
      continue;
    }
    // Numbers and other values go through eq() itself, with its loose comparison.
    for (const i of group.all) {
      const plan = plans[i];
      if (plan !== undefined && applies(plan, ctx)) active.push(i);
    }
  }
  return active;
}

/**
 * One event's share of a profile: every field it writes, as a one-event profile. Folding shares
 * with mergeProfiles() is what applyEvent() does.
 */
export function eventProfile(event: Readonly<Record<string, unknown>>, mapping: Mapping): Profile {
  const ctx = contextOf(event);
  const compiled = compiledMapping(mapping);
  const share: Record<string, JsonValue> = {};
  let times: Record<string, JsonValue> | undefined;
  for (const i of activePlans(compiled, ctx).sort((a, b) => a - b)) {
    const plan = compiled.plans[i];
    if (plan === undefined) continue;
    const value = plan.share(ctx);
    if (value === undefined) continue;
    share[plan.field.name] = value;
    const iso = ctx.iso;
    if (iso === undefined) continue;
    if (plan.field.merge === "latest") {
      times ??= {};
      times[plan.field.name] = iso;
    } else if (plan.field.kind === "map[string]value") {
      times ??= {};
      times[plan.field.name] = keyTimes(value, iso);
    }
  }
  if (times !== undefined) share[UPDATED_KEY] = times;
  return share;
}

/** The profile after one more event. Pure: `profile` is not changed; the event's time is its `_ts`. */
export function applyEvent(
  profile: Profile,
  event: Readonly<Record<string, unknown>>,
  mapping: Mapping,
): Profile {
  assertProfile(profile, "the profile");
  const ctx = contextOf(event);
  const compiled = compiledMapping(mapping);
  const plans = compiled.plans;
  // Same result as mergeProfiles(profile, eventProfile(event)), without building the share first.
  const timesBefore = timesOf(profile);
  let times: Record<string, JsonValue> | undefined;
  const ownTimes = (): Record<string, JsonValue> => {
    times ??= { ...timesBefore };
    return times;
  };
  const values: (JsonValue | undefined)[] = [];
  let changed = false;
  let added = false;
  for (const i of activePlans(compiled, ctx)) {
    const plan = plans[i];
    if (plan === undefined) continue;
    const field = plan.field;
    const before = profile[field.name];
    if (plan.countedKeys !== undefined && before !== undefined && before !== null) {
      const keys = plan.countedKeys(ctx);
      if (keys === undefined) continue;
      values[i] = addCounts(field, before, keys);
      changed = true;
      continue;
    }
    const value = plan.share(ctx);
    if (value === undefined) continue;
    let time: JsonValue | undefined;
    if (ctx.iso !== undefined && isTimed(field))
      time = field.merge === "latest" ? ctx.iso : keyTimes(value, ctx.iso);
    const after = mergeField(field, before, timesBefore[field.name], value, time, ownTimes);
    if (after === before) continue;
    values[i] = after;
    changed = true;
    if (before === undefined) added = true;
  }
  if (!changed && times === undefined) return profile;
  if (added || (times !== undefined && !(UPDATED_KEY in profile)))
    return canonicalProfile(plans, profile, values, times);
  // Only existing keys change: a clone keeps the shape, which is the fast path.
  const out: Record<string, JsonValue> = { ...profile };
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const name = plans[i]?.field.name;
    if (value !== undefined && name !== undefined) out[name] = value;
  }
  if (times !== undefined) out[UPDATED_KEY] = times;
  return out;
}

/**
 * The profile after several events of one user, in order. The same result as applying them one by
 * one with applyEvent(), and just as pure, but faster: it copies the profile and each counted map
 * once and then updates its own copies in place.
 */
export function applyEvents(
  profile: Profile,
  events: Iterable<Readonly<Record<string, unknown>>>,
  mapping: Mapping,
): Profile {
  assertProfile(profile, "the profile");
  const compiled = compiledMapping(mapping);
  const plans = compiled.plans;
  const out: Record<string, JsonValue> = { ...profile };
  // Counted maps this call made itself, so they may be changed in place.
  const ownedCounts = new Map<JsonValue, Record<string, JsonValue>>();
  let times: Record<string, JsonValue> | undefined;
  const ownTimes = (): Record<string, JsonValue> => {
    times ??= { ...timesOf(profile) };
    return times;
  };
  let added = false;
  for (const event of events) {
    const ctx = contextOf(event);
    const timesNow = times ?? timesOf(profile);
    for (const i of activePlans(compiled, ctx)) {
      const plan = plans[i];
      if (plan === undefined) continue;
      const field = plan.field;
      const name = field.name;
      const before = out[name];
      if (plan.countedKeys !== undefined && before !== undefined && before !== null) {
        const keys = plan.countedKeys(ctx);
        if (keys === undefined) continue;
        let counts = ownedCounts.get(before);
        if (counts === undefined) {
          counts = { ...recordOf(field, before) };
          ownedCounts.set(counts, counts);
          out[name] = counts;
        }
        countInto(field, counts, keys);
        continue;
      }
      const value = plan.share(ctx);
      if (value === undefined) continue;
      let time: JsonValue | undefined;
      if (ctx.iso !== undefined && isTimed(field))
        time = field.merge === "latest" ? ctx.iso : keyTimes(value, ctx.iso);
      const after = mergeField(field, before, timesNow[name], value, time, ownTimes);
      if (after === before) continue;
      if (before === undefined) added = true;
      out[name] = after;
    }
  }
  if (times !== undefined) out[UPDATED_KEY] = times;
  return added ? canonicalProfile(plans, out, [], undefined) : out;
}

function countInto(
  field: MappingField,
  counts: Record<string, JsonValue>,
  keys: string | readonly string[],
): void {
  for (const key of typeof keys === "string" ? [keys] : keys) {
    const current = counts[key];
    counts[key] = (current === undefined ? 0 : numberOf(field, current)) + 1;
  }
}

/** A copy of a map[string]intsum with one more count for each key. */
function addCounts(field: MappingField, stored: JsonValue, keys: string | readonly string[]): JsonValue {
  const counts: Record<string, JsonValue> = { ...recordOf(field, stored) };
  countInto(field, counts, keys);
  return counts;
}

function keyTimes(value: JsonValue, iso: string): JsonValue {
  const times: Record<string, JsonValue> = {};
  if (isRecord(value)) for (const key of Object.keys(value)) times[key] = iso;
  return times;
}

/** The identity an event belongs to: the first BY field it gives a value for, or undefined. */
export function identityOf(
  event: Readonly<Record<string, unknown>>,
  mapping: Mapping,
): { readonly field: string; readonly value: string } | undefined {
  const ctx = contextOf(event);
  for (const plan of compiledMapping(mapping).identities) {
    if (!applies(plan, ctx)) continue;
    const value = plan.share(ctx);
    const field = plan.field.name;
    if (typeof value === "string" && value !== "") return { field, value };
    if (typeof value === "number" || typeof value === "boolean") return { field, value: String(value) };
  }
  return undefined;
}

/** The profile without its bookkeeping (`_updated`): what exports and displays show. */
export function publicFields(profile: Profile): Profile {
  if (!(UPDATED_KEY in profile)) return profile;
  const { [UPDATED_KEY]: _bookkeeping, ...fields } = profile;
  return fields;
}
