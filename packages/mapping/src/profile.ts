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
} from "./mapping.ts";
import {
  addCounts,
  canonicalProfile,
  countInto,
  isTimed,
  keyTimes,
  mergeField,
  type Profile,
  recordOf,
  timesOf,
  UPDATED_KEY,
} from "./merge-rules.ts";
import { isTruthy } from "./values.ts";

export { type Profile, UPDATED_KEY };

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
