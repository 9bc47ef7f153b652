// A profile being folded: applyEvent and applyEvents read the stored profile into a Draft once,
// fold events into it, and build the resulting profile once. Field values sit in arrays by plan
// index, and the maps and sets the draft copied are its own, so later events of the same call
// update them in place instead of copying them again. The stored profile is never changed.

import {
  type CompiledMapping,
  compiledMapping,
  type EventContext,
  type FieldPlan,
  FoldRule,
  type JsonValue,
  parseMapping,
} from "./mapping.ts";
import {
  addMembers,
  compacted,
  compareIso,
  countInto,
  isRecord,
  keyTimes,
  mergeValue,
  mergeValuesPerKey,
  type Profile,
  recordOf,
  secondWins,
  UPDATED_KEY,
  unionMembers,
} from "./merge-rules.ts";
import { isTruthy } from "./values.ts";
import { keepShape } from "./warm-shapes.ts";

type MutableRecord = Record<string, JsonValue>;

/** Sorted, without repeats: a new list this caller owns. */
function newSet(members: string | readonly string[]): string[] {
  if (typeof members === "string") return [members];
  return [...new Set(members)].sort();
}

export class Draft {
  /** Field values by plan index; undefined where the profile has none. */
  private readonly values: (JsonValue | undefined)[];
  /** The `_updated` entries of timed fields, by their place in `compiled.timed`. */
  private readonly times: (JsonValue | undefined)[];
  /**
   * The maps and lists this draft made (the same objects as in `values`), by plan index: nobody
   * else holds them, so later events change them in place.
   */
  private readonly owned: (MutableRecord | string[] | undefined)[];
  private readonly storedTimes: JsonValue | undefined;
  /** Whether the stored profile has keys the mapping does not know (other than `_updated`). */
  private readonly foreignKeys: boolean;
  private changed = false;
  private timesChanged = false;

  private readonly compiled: CompiledMapping;
  private readonly stored: Profile;

  constructor(compiled: CompiledMapping, stored: Profile) {
    this.compiled = compiled;
    this.stored = stored;
    const count = compiled.plans.length;
    this.values = new Array<JsonValue | undefined>(count).fill(undefined);
    this.times = new Array<JsonValue | undefined>(compiled.timed.length).fill(undefined);
    this.owned = new Array<MutableRecord | string[] | undefined>(count).fill(undefined);
    let foreign = false;
    // One pass over the profile's own keys; profiles hold far fewer keys than big mappings have fields.
    for (const key in stored) {
      const index = compiled.indexOf.get(key);
      if (index !== undefined) this.values[index] = stored[key];
      else if (key !== UPDATED_KEY) foreign = true;
    }
    this.foreignKeys = foreign;
    this.storedTimes = stored[UPDATED_KEY];
    const times = this.storedTimes;
    if (isRecord(times)) {
      compiled.timed.forEach((index, slot) => {
        const name = compiled.plans[index]?.field.name;
        if (name !== undefined) this.times[slot] = times[name];
      });
    }
  }

  /** Folds one event into the draft: every field whose condition holds takes the event's share. */
  apply(ctx: EventContext): void {
    const { plans, unconditional, conditional, groups } = this.compiled;
    for (const i of unconditional) this.fold(i, ctx);
    for (const i of conditional) if (isTruthy(plans[i]?.when?.(ctx))) this.fold(i, ctx);
    for (const group of groups) {
      const value = group.read(ctx);
      if (typeof value === "string") {
        const hits = group.byText.get(value);
        if (hits !== undefined) for (const i of hits) this.fold(i, ctx);
        continue;
      }
      // Numbers and other values go through eq() itself, with its loose comparison.
      for (const i of group.all) if (isTruthy(plans[i]?.when?.(ctx))) this.fold(i, ctx);
    }
  }

  private fold(i: number, ctx: EventContext): void {
    const plan = this.compiled.plans[i];
    if (plan === undefined) return;
    switch (this.compiled.rules[i]) {
      case FoldRule.sumPerKey:
        this.count(plan, i, ctx);
        return;
      case FoldRule.union:
        this.unite(plan, i, ctx);
        return;
      case FoldRule.latest:
        this.replace(plan, i, ctx);
        return;
      case FoldRule.timePerKey:
        this.stamp(plan, i, ctx);
        return;
      case FoldRule.latestPerKey:
        this.replacePerKey(plan, i, ctx);
        return;
      default:
        this.combine(plan, i, ctx);
    }
  }

  /** sum, max, min: plain values, nothing to copy. */
  private combine(plan: FieldPlan, i: number, ctx: EventContext): void {
    const value = plan.share(ctx);
    if (value === undefined) return;
    const before = this.values[i];
    const after = before === undefined || before === null ? value : mergeValue(plan.field, before, value);
    this.set(i, before, after);
  }

  private set(i: number, before: JsonValue | undefined, after: JsonValue): void {
    if (after === before) return;
    this.values[i] = after;
    this.changed = true;
  }

  /** The stored or folded `_updated` entry of timed plan `i`. */
  private timeOf(i: number): JsonValue | undefined {
    return this.times[this.compiled.timeSlots[i] ?? -1];
  }

  private setTime(i: number, time: JsonValue | undefined): void {
    const slot = this.compiled.timeSlots[i] ?? -1;
    if (time === this.times[slot]) return;
    this.times[slot] = time;
    this.timesChanged = true;
  }

  /** The map of plan `i` when this draft made it. */
  private ownedRecord(i: number): MutableRecord | undefined {
    const owned = this.owned[i];
    return Array.isArray(owned) ? undefined : owned;
  }

  /** The list of plan `i` when this draft made it. */
  private ownedList(i: number): string[] | undefined {
    const owned = this.owned[i];
    return Array.isArray(owned) ? owned : undefined;
  }

  /** map[string]intsum: one more count per key. */
  private count(plan: FieldPlan, i: number, ctx: EventContext): void {
    const keys = plan.countedKeys?.(ctx);
    if (keys === undefined) return;
    const before = this.values[i];
    const counts =
      this.ownedRecord(i) ??
      this.ownRecord(i, before === undefined || before === null ? {} : { ...recordOf(plan.field, before) });
    countInto(plan.field, counts, keys);
    this.changed = true;
  }

  /** []string: the sorted union. */
  private unite(plan: FieldPlan, i: number, ctx: EventContext): void {
    const members = plan.members?.(ctx);
    if (members === undefined) return;
    const before = this.values[i];
    if (before === undefined || before === null) {
      this.ownList(i, newSet(members));
      this.changed = true;
      return;
    }
    const owned = this.ownedList(i);
    if (owned !== undefined) {
      const length = owned.length;
      addMembers(owned, members);
      if (owned.length !== length) this.changed = true;
      return;
    }
    const after = unionMembers(plan.field, before, members);
    if (after === undefined) return;
    this.ownList(i, after);
    this.changed = true;
  }

  /** A "latest" field: the value of the later event. */
  private replace(plan: FieldPlan, i: number, ctx: EventContext): void {
    const value = plan.share(ctx);
    if (value === undefined) return;
    const time = ctx.iso;
    const before = this.values[i];
    if (
      before !== undefined &&
      before !== null &&
      !secondWins(plan.field, before, this.timeOf(i), value, time)
    )
      return;
    this.set(i, before, value);
    this.setTime(i, time);
  }

  /** map[string]time: per key, the later time. */
  private stamp(plan: FieldPlan, i: number, ctx: EventContext): void {
    const entry = plan.timedEntry;
    const key = entry?.key(ctx);
    const time = key === undefined ? undefined : entry?.time(ctx);
    if (key === undefined || time === undefined) return;
    const before = this.values[i];
    if (before === undefined || before === null) {
      this.ownRecord(i, { [key]: time });
      this.changed = true;
      return;
    }
    const stored = recordOf(plan.field, before);
    const current = stored[key];
    if (current !== undefined && compareIso(plan.field, time, current) <= 0) return;
    const times = this.ownedRecord(i) ?? this.ownRecord(i, { ...stored });
    times[key] = time;
    this.changed = true;
  }

  /** map[string]value: per key, the value of the later event (rare; copies as applyEvent does). */
  private replacePerKey(plan: FieldPlan, i: number, ctx: EventContext): void {
    const value = plan.share(ctx);
    if (value === undefined) return;
    const iso = ctx.iso;
    const time = iso === undefined ? undefined : keyTimes(value, iso);
    const before = this.values[i];
    if (before === undefined || before === null) {
      this.set(i, before, value);
      this.setTime(i, time);
      return;
    }
    const merged = mergeValuesPerKey(plan.field, before, this.timeOf(i), value, time);
    this.set(i, before, merged.value);
    this.setTime(i, merged.time);
  }

  private ownRecord(i: number, value: MutableRecord): MutableRecord {
    this.values[i] = value;
    this.owned[i] = value;
    return value;
  }

  private ownList(i: number, value: string[]): string[] {
    this.values[i] = value;
    this.owned[i] = value;
    return value;
  }

  /**
   * The folded profile: mapped fields in mapping order (one key order keeps V8's object shapes
   * shared), then keys the mapping does not know, then `_updated`. The stored profile itself when
   * nothing changed.
   */
  profile(): Profile {
    if (!this.changed && !this.timesChanged) return this.stored;
    const { plans } = this.compiled;
    const out: MutableRecord = {};
    for (let i = 0; i < plans.length; i++) {
      const value = this.values[i];
      const name = plans[i]?.field.name;
      if (value === undefined || name === undefined) continue;
      const list = this.ownedList(i);
      // A set that grew in place has spare room (V8 grows arrays by half); an exact copy is what
      // the kept profile should hold.
      out[name] = list !== undefined && list.length > 1 ? list.slice() : value;
    }
    if (this.foreignKeys) {
      for (const key in this.stored) {
        const value = this.stored[key];
        if (key !== UPDATED_KEY && value !== undefined && !(key in out)) out[key] = value;
      }
    }
    if (this.timesChanged) out[UPDATED_KEY] = this.updated();
    else if (this.storedTimes !== undefined) out[UPDATED_KEY] = this.storedTimes;
    return compacted(out);
  }

  /** The new `_updated`: the timed fields' entries, then entries the mapping does not write. */
  private updated(): MutableRecord {
    const { plans, timed, timedNames } = this.compiled;
    const out: MutableRecord = {};
    timed.forEach((i, slot) => {
      const time = this.times[slot];
      const name = plans[i]?.field.name;
      if (time !== undefined && name !== undefined) out[name] = time;
    });
    const stored = this.storedTimes;
    if (isRecord(stored)) {
      for (const key in stored) {
        const time = stored[key];
        if (time !== undefined && !timedNames.has(key)) out[key] = time;
      }
    }
    return out;
  }
}

// A draft lives for one applyEvents call; see warm-shapes.ts for why one is kept.
keepShape(new Draft(compiledMapping(parseMapping("SELECT id AS id FROM events INTO user BY id")), {}));
