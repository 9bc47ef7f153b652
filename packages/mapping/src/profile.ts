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
import { Draft } from "./draft.ts";
import { eventTime } from "./event-time.ts";
import {
  type CompiledMapping,
  compiledMapping,
  EventContext,
  type FieldPlan,
  type JsonValue,
  type Mapping,
} from "./mapping.ts";
import { canonicalProfile, keyTimes, mergeField, type Profile, timesOf, UPDATED_KEY } from "./merge-rules.ts";
import { parseCanonicalIso } from "./time.ts";
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

function assertEvent(event: unknown): asserts event is Readonly<Record<string, unknown>> {
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new BridgeError({
      code: "INVALID_EVENT",
      message: "an event must be a plain object",
      retryable: false,
    });
  }
}

function contextOf(event: Readonly<Record<string, unknown>>): EventContext {
  assertEvent(event);
  // Events usually carry their time in the canonical form: read it by hand and keep the text.
  const raw = event._ts;
  if (typeof raw === "string") {
    const ms = parseCanonicalIso(raw);
    if (ms !== undefined) return new EventContext(event, ms, raw);
  }
  return new EventContext(event, eventTime(event));
}

/** A context whose time is read only if an expression asks for it. */
function lazyContextOf(event: Readonly<Record<string, unknown>>): EventContext {
  assertEvent(event);
  return new EventContext(event);
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
  return applyEvents(profile, [event], mapping);
}

/**
 * The profile after several events of one user, in order. The same result as applying them one by
 * one with applyEvent(), and just as pure, but faster: the profile is read once, each map or set
 * is copied at most once and then updated in place, and the result is built once. Returns
 * `profile` itself when the events change nothing.
 */
export function applyEvents(
  profile: Profile,
  events: Iterable<Readonly<Record<string, unknown>>>,
  mapping: Mapping,
): Profile {
  assertProfile(profile, "the profile");
  const draft = new Draft(compiledMapping(mapping), profile);
  for (const event of events) draft.apply(contextOf(event));
  return draft.profile();
}

/** The identity an event belongs to: the first BY field it gives a value for, or undefined. */
export function identityOf(
  event: Readonly<Record<string, unknown>>,
  mapping: Mapping,
): { readonly field: string; readonly value: string } | undefined {
  const ctx = lazyContextOf(event);
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
