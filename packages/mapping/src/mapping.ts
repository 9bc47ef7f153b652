// A parsed mapping: each SELECT item becomes a field with a kind (how its value looks on the
// profile) and a merge rule (how two values combine), plus a compiled closure that gives one
// event's share of the field.
//
// How a field's kind is known: from the outermost function of its expression, as Lytics does
//   count(x)                    int                sum
//   set(x)                      []string           union (sorted)
//   valuect(x)                  map[string]intsum  sum per key
//   max(x) / min(x)             date when x is a time (epochms(), todate(…), now()), else number; max / min
//   map(k, v)                   map[string]time when v is a time, else map[string]value; latest per key
//   maptime(k[, v])             map[string]time    latest per key
//   any other expression        by its type: date, int, number, bool, []string (union), else string; latest
// An optional `KIND <kind>` clause may state the kind. On an aggregate it must agree with the
// inferred one (max/min may also say int or number or date); on a plain expression it chooses the
// conversion (e.g. `riid AS rs_user_id KIND string`).

import { BridgeError } from "@responsys-bridge/core";
import { compileExpr, formatExpr } from "./compile.ts";
import { eventTime } from "./event-time.ts";
import type { EvalContext, Evaluator, ValueType } from "./functions.ts";
import { lqlParseError } from "./lexer.ts";
import { isTimed } from "./merge-rules.ts";
import { type Expr, parseMappingSyntax, type SelectItem } from "./parser.ts";
import { isoFromMs, toTimeMs } from "./time.ts";
import { firstOf, isMissing, scalarText, textMembers, toNumber } from "./values.ts";
import { keepShape } from "./warm-shapes.ts";

export const FIELD_KINDS = [
  "int",
  "number",
  "string",
  "bool",
  "date",
  "[]string",
  "map[string]intsum",
  "map[string]time",
  "map[string]value",
] as const;
export type FieldKind = (typeof FIELD_KINDS)[number];

/** How two values of a field combine; see profile.ts. */
export type MergeRule = "sum" | "max" | "min" | "union" | "latest" | "sum_per_key" | "latest_per_key";

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** One field of a mapping, as the LQL describes it. */
export interface MappingField {
  readonly name: string;
  readonly kind: FieldKind;
  readonly merge: MergeRule;
  /** The value expression, normalised LQL text. */
  readonly expression: string;
  /** The IF condition, normalised LQL text. */
  readonly condition: string | undefined;
  readonly shortDesc: string | undefined;
  readonly longDesc: string | undefined;
}

/** A parsed, compiled mapping. Build one with parseMapping(); it is immutable. */
export interface Mapping {
  readonly stream: string;
  /** The identity fields of `INTO user BY a OR b`, in order of preference. */
  readonly by: readonly string[];
  readonly alias: string | undefined;
  readonly fields: readonly MappingField[];
  /**
   * The event fields its expressions and conditions read, and `_ts`, sorted: an event cut down to
   * these maps exactly as the whole event does (a dotted path `a.b` is listed as `a.b` and `a`).
   */
  readonly reads: readonly string[];
}

/**
 * The evaluation context of one event inside a mapping: its time is read once, and only when an
 * expression needs it (finding an event's identity usually does not), and its ISO form is made once.
 */
export class EventContext implements EvalContext {
  private time: number | undefined;
  private isoText: string | undefined;

  /**
   * `ts` is the event time when the caller has read it already (else it is read from `_ts` on
   * first use); `iso`, when given, is the event's own canonical text of `ts`, so it is not
   * printed again.
   */
  readonly event: Readonly<Record<string, unknown>>;

  constructor(event: Readonly<Record<string, unknown>>, ts?: number, iso?: string) {
    this.event = event;
    this.time = ts;
    this.isoText = iso;
  }

  /** Epoch ms of the event, NaN when it has no time; INVALID_EVENT_TIME for an unreadable `_ts`. */
  get ts(): number {
    if (this.time === undefined) this.time = eventTime(this.event);
    return this.time;
  }

  /** The event time as ISO 8601, or undefined when the event has no time. */
  get iso(): string | undefined {
    if (this.isoText === undefined && !Number.isNaN(this.ts)) this.isoText = isoFromMs(this.ts);
    return this.isoText;
  }

  /** ISO text of a time in ms, reusing the event's own when it is the event time. */
  isoOf(ms: number): string {
    return ms === this.ts ? (this.iso ?? isoFromMs(ms)) : isoFromMs(ms);
  }
}

keepShape(new EventContext({}, Number.NaN));

/** The event's share of one field, in profile form; undefined when the event writes nothing. */
export type Share = (ctx: EventContext) => JsonValue | undefined;

export interface FieldPlan {
  readonly field: MappingField;
  readonly when: Evaluator | undefined;
  readonly share: Share;
  /**
   * valuect only: the keys the event counts, without building the one-event map. applyEvent uses
   * it to skip a temporary object per event (integer keys such as hour of week make it large).
   */
  readonly countedKeys: Members | undefined;
  /** []string only: the members the event adds, unsorted (a set adds one member without a list). */
  readonly members: Members | undefined;
  /** map[string]time only: the key and the time the event writes, without a one-key object. */
  readonly timedEntry: TimedEntry | undefined;
}

/** Text members an event gives: one, several (maybe repeated), or undefined for none. */
export type Members = (ctx: EventContext) => string | readonly string[] | undefined;

export interface TimedEntry {
  readonly key: (ctx: EventContext) => string | undefined;
  /** ISO 8601 time. */
  readonly time: (ctx: EventContext) => string | undefined;
}

/**
 * Fields whose condition is `eq(<field>, "<text>")` (all the default mapping's counters and dates)
 * are grouped by that field, so an event reads it once and looks up the fields it feeds instead
 * of testing every condition.
 */
export interface ConditionGroup {
  readonly read: Evaluator;
  /** Plan indexes by the text the field must equal. */
  readonly byText: ReadonlyMap<string, readonly number[]>;
  /** Every plan index of the group, for values that are not text (tested one by one). */
  readonly all: readonly number[];
}

/**
 * How the draft folds a field, by plan index: the merge rule as a small integer (so folding an
 * event switches on a number, not on the rule's text), with map[string]time apart from
 * map[string]value because they keep their times differently.
 */
export const FoldRule = {
  sum: 0,
  max: 1,
  min: 2,
  union: 3,
  latest: 4,
  sumPerKey: 5,
  timePerKey: 6,
  latestPerKey: 7,
} as const;
export type FoldRule = (typeof FoldRule)[keyof typeof FoldRule];

function foldRuleOf(plan: FieldPlan): FoldRule {
  switch (plan.field.merge) {
    case "sum_per_key":
      return FoldRule.sumPerKey;
    case "latest_per_key":
      return plan.timedEntry === undefined ? FoldRule.latestPerKey : FoldRule.timePerKey;
    case "union":
      return FoldRule.union;
    case "latest":
      return FoldRule.latest;
    case "max":
      return FoldRule.max;
    case "min":
      return FoldRule.min;
    default:
      return FoldRule.sum;
  }
}

export interface CompiledMapping {
  readonly plans: readonly FieldPlan[];
  /** The fold rule of each plan, by plan index. */
  readonly rules: readonly FoldRule[];
  /** Plans without a groupable condition, tested on every event. */
  readonly ungrouped: readonly number[];
  /** The same, split: plans without any condition, and plans whose condition must be evaluated. */
  readonly unconditional: readonly number[];
  readonly conditional: readonly number[];
  readonly groups: readonly ConditionGroup[];
  /** The plans of the BY fields, in order. */
  readonly identities: readonly FieldPlan[];
  readonly fieldNames: ReadonlySet<string>;
  /** Plan index by field name. */
  readonly indexOf: ReadonlyMap<string, number>;
  /** The plans whose rule reads the event times kept in `_updated`, and their names. */
  readonly timed: readonly number[];
  readonly timedNames: ReadonlySet<string>;
  /** By plan index: the place of a timed plan in `timed`, or -1. */
  readonly timeSlots: readonly number[];
}

const compiledMappings = new WeakMap<Mapping, CompiledMapping>();
const mappingTexts = new WeakMap<Mapping, string>();

/** The equality test of a groupable condition: eq(field, "text") or eq("text", field). */
function equalityTest(condition: Expr | undefined): { field: string; text: string } | undefined {
  if (condition?.type !== "call" || condition.name !== "eq") return undefined;
  const [left, right] = condition.args;
  if (left?.type === "field" && right?.type === "string") return { field: left.name, text: right.value };
  if (left?.type === "string" && right?.type === "field") return { field: right.name, text: left.value };
  return undefined;
}

function compileMapping(
  plans: readonly FieldPlan[],
  conditions: readonly (Expr | undefined)[],
  by: readonly string[],
): CompiledMapping {
  const ungrouped: number[] = [];
  const groups = new Map<string, { read: Evaluator; byText: Map<string, number[]>; all: number[] }>();
  conditions.forEach((condition, index) => {
    const test = equalityTest(condition);
    if (test === undefined || test.text === "") {
      ungrouped.push(index);
      return;
    }
    let group = groups.get(test.field);
    if (group === undefined) {
      group = {
        read: compileExpr({ type: "field", name: test.field, pos: { line: 1, column: 1 } }).evaluate,
        byText: new Map(),
        all: [],
      };
      groups.set(test.field, group);
    }
    group.all.push(index);
    const list = group.byText.get(test.text) ?? [];
    list.push(index);
    group.byText.set(test.text, list);
  });
  const identities = by
    .map((name) => plans.find((plan) => plan.field.name === name))
    .filter((plan) => plan !== undefined);
  const fieldNames = new Set(plans.map((plan) => plan.field.name));
  const indexOf = new Map(plans.map((plan, index) => [plan.field.name, index]));
  const timed = plans.flatMap((plan, index) => (isTimed(plan.field) ? [index] : []));
  return {
    plans,
    rules: plans.map(foldRuleOf),
    ungrouped,
    unconditional: ungrouped.filter((index) => plans[index]?.when === undefined),
    conditional: ungrouped.filter((index) => plans[index]?.when !== undefined),
    groups: [...groups.values()],
    identities,
    fieldNames,
    indexOf,
    timed,
    timedNames: new Set(timed.map((index) => plans[index]?.field.name ?? "")),
    timeSlots: plans.map((_, index) => timed.indexOf(index)),
  };
}

/** The compiled form of a mapping made by parseMapping(). */
export function compiledMapping(mapping: Mapping): CompiledMapping {
  const found = compiledMappings.get(mapping);
  if (found === undefined) {
    throw new BridgeError({
      code: "INVALID_MAPPING",
      message:
        "this mapping was not made by parseMapping(); parse the LQL text instead of building the object",
      retryable: false,
    });
  }
  return found;
}

function sortedMembers(value: unknown): string[] | undefined {
  const members = textMembers(value);
  if (members.length === 0) return undefined;
  if (members.length === 1) return members;
  return [...new Set(members)].sort();
}

/** The text members of a value as Members gives them: a scalar needs no list. */
function membersOf(value: unknown): string | readonly string[] | undefined {
  if (!Array.isArray(value)) return scalarText(value);
  const members = textMembers(value);
  return members.length === 0 ? undefined : members;
}

/** The share of epochms() as a date: the event time, undefined when the event has none. */
const eventIso = (ctx: EventContext): string | undefined => ctx.iso;

/** Whether an expression is epochms(), the event time. */
function isEventTime(expr: Expr | undefined): boolean {
  return expr?.type === "call" && expr.name === "epochms";
}

function timeIso(ctx: EventContext, value: unknown): string | undefined {
  const ms = toTimeMs(firstOf(value));
  return ms === undefined ? undefined : ctx.isoOf(ms);
}

function boolOf(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  const text = scalarText(value)?.toLowerCase();
  return text === "true" || text === "1" ? true : text === "false" || text === "0" ? false : undefined;
}

/** The share of a plain expression of the given kind: the value converted to that kind. */
function convertedShare(kind: FieldKind, value: Evaluator): Share {
  switch (kind) {
    case "string":
      return (ctx) => scalarText(firstOf(value(ctx)));
    case "int":
      return (ctx) => {
        const n = toNumber(firstOf(value(ctx)));
        return n === undefined ? undefined : Math.trunc(n);
      };
    case "number":
      return (ctx) => toNumber(firstOf(value(ctx)));
    case "bool":
      return (ctx) => boolOf(firstOf(value(ctx)));
    case "date":
      return (ctx) => timeIso(ctx, value(ctx));
    case "[]string":
      return (ctx) => sortedMembers(value(ctx));
    default:
      throw new Error(`no plain conversion to ${kind}`);
  }
}

interface Planned {
  readonly kind: FieldKind;
  readonly merge: MergeRule;
  readonly share: Share;
  readonly countedKeys?: Members;
  readonly members?: Members;
  readonly timedEntry?: TimedEntry;
}

const AGGREGATES = new Set(["count", "set", "valuect", "max", "min", "map", "maptime"]);

function kindOfType(type: ValueType): FieldKind {
  switch (type) {
    case "time":
      return "date";
    case "int":
    case "number":
    case "bool":
      return type;
    case "list":
      return "[]string";
    default:
      return "string";
  }
}

function argOf(expr: Expr & { type: "call" }, index: number): Expr {
  const arg = expr.args[index];
  if (arg === undefined) throw lqlParseError(`${expr.name}() needs argument ${index + 1}`, expr.pos);
  return arg;
}

/** Chooses kind and merge rule for an aggregate, and compiles its per-event share. */
function planAggregate(expr: Expr & { type: "call" }, stated: FieldKind | undefined): Planned {
  const whole = compileExpr(expr);
  switch (expr.name) {
    case "count": {
      const run = whole.evaluate;
      return { kind: "int", merge: "sum", share: (ctx) => (run(ctx) === undefined ? undefined : 1) };
    }
    case "set": {
      const arg = compileExpr(argOf(expr, 0)).evaluate;
      return {
        kind: "[]string",
        merge: "union",
        share: (ctx) => sortedMembers(arg(ctx)),
        members: (ctx) => membersOf(arg(ctx)),
      };
    }
    case "valuect": {
      const arg = compileExpr(argOf(expr, 0)).evaluate;
      const countedKeys: Members = (ctx) => membersOf(arg(ctx));
      const share: Share = (ctx) => {
        const keys = countedKeys(ctx);
        if (keys === undefined) return undefined;
        const counts: Record<string, number> = {};
        if (typeof keys === "string") counts[keys] = 1;
        else for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
        return counts;
      };
      return { kind: "map[string]intsum", merge: "sum_per_key", share, countedKeys };
    }
    case "max":
    case "min": {
      const arg = compileExpr(argOf(expr, 0));
      const merge = expr.name;
      const kind = stated ?? (arg.type === "time" ? "date" : "number");
      if (kind === "date") {
        // max(epochms()) / min(epochms()), most of the default mapping's dates: the event's own
        // time, whose ISO text the context already holds.
        if (isEventTime(argOf(expr, 0))) return { kind, merge, share: eventIso };
        const run = arg.evaluate;
        const pick = merge === "max" ? Math.max : Math.min;
        const share: Share = (ctx) => {
          const value = run(ctx);
          if (!Array.isArray(value)) return timeIso(ctx, value);
          let best: number | undefined;
          for (const item of value) {
            const ms = toTimeMs(item);
            if (ms !== undefined) best = best === undefined ? ms : pick(best, ms);
          }
          return best === undefined ? undefined : ctx.isoOf(best);
        };
        return { kind, merge, share };
      }
      const run = whole.evaluate;
      if (kind === "int") {
        return {
          kind,
          merge,
          share: (ctx) => {
            const n = run(ctx);
            return typeof n === "number" ? Math.trunc(n) : undefined;
          },
        };
      }
      return { kind: "number", merge, share: (ctx) => toNumber(run(ctx)) };
    }
    default: {
      // map(k, v) and maptime(k[, v]): one key per event.
      const key = compileExpr(argOf(expr, 0)).evaluate;
      const lower = expr.name === "maptime";
      const valueExpr = expr.args[1];
      const value = valueExpr === undefined ? undefined : compileExpr(valueExpr);
      const timed = lower || value?.type === "time" || stated === "map[string]time";
      const keyOf = (ctx: EventContext): string | undefined => {
        const k = scalarText(key(ctx));
        return lower ? k?.toLowerCase() : k;
      };
      if (timed) {
        const read = value?.evaluate;
        const timedEntry: TimedEntry = {
          key: keyOf,
          time: read === undefined || isEventTime(valueExpr) ? eventIso : (ctx) => timeIso(ctx, read(ctx)),
        };
        const share: Share = (ctx) => {
          const k = keyOf(ctx);
          const iso = timedEntry.time(ctx);
          return k === undefined || iso === undefined ? undefined : { [k]: iso };
        };
        return { kind: "map[string]time", merge: "latest_per_key", share, timedEntry };
      }
      const read = value?.evaluate ?? (() => undefined);
      const share: Share = (ctx) => {
        const k = keyOf(ctx);
        const v = read(ctx);
        if (k === undefined || isMissing(v)) return undefined;
        const stored = typeof v === "number" || typeof v === "boolean" ? v : scalarText(firstOf(v));
        return stored === undefined ? undefined : { [k]: stored };
      };
      return { kind: "map[string]value", merge: "latest_per_key", share };
    }
  }
}

/** Which stated kinds an aggregate accepts besides the one it infers. */
function statedKindFits(name: string, inferred: FieldKind, stated: FieldKind): boolean {
  if (stated === inferred) return true;
  if (name === "max" || name === "min") return stated === "int" || stated === "number" || stated === "date";
  return false;
}

function isFieldKind(text: string): text is FieldKind {
  return (FIELD_KINDS as readonly string[]).includes(text);
}

function planItem(item: SelectItem): Planned {
  let stated: FieldKind | undefined;
  if (item.kind !== undefined) {
    const text = item.kind.text;
    if (!isFieldKind(text)) {
      throw lqlParseError(`unknown KIND ${text} (known: ${FIELD_KINDS.join(", ")})`, item.kind.pos);
    }
    stated = text;
  }
  const expr = item.expr;
  if (expr.type === "call" && AGGREGATES.has(expr.name)) {
    // Arity and names are checked by compiling the whole call first.
    compileExpr(expr);
    const planned = planAggregate(expr, stated);
    if (stated !== undefined && item.kind !== undefined && !statedKindFits(expr.name, planned.kind, stated)) {
      throw lqlParseError(
        `KIND ${stated} does not fit ${expr.name}(), which makes ${planned.kind}`,
        item.kind.pos,
      );
    }
    return planned;
  }
  const compiled = compileExpr(expr);
  const kind = stated ?? kindOfType(compiled.type);
  if (kind.startsWith("map[")) {
    const pos = item.kind?.pos ?? expr.pos;
    throw lqlParseError(`KIND ${kind} needs map(), maptime() or valuect() as the expression`, pos);
  }
  const value = compiled.evaluate;
  return {
    kind,
    merge: kind === "[]string" ? "union" : "latest",
    share: convertedShare(kind, value),
    ...(kind === "[]string" ? { members: (ctx: EventContext) => membersOf(value(ctx)) } : {}),
  };
}

const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Adds the event fields an expression reads: a dotted path reads its own name, then its first step. */
function fieldsRead(expr: Expr, into: Set<string>): void {
  if (expr.type === "field") {
    into.add(expr.name);
    const dot = expr.name.indexOf(".");
    if (dot > 0) into.add(expr.name.slice(0, dot));
  } else if (expr.type === "list") {
    for (const item of expr.items) fieldsRead(item, into);
  } else if (expr.type === "call") {
    for (const arg of expr.args) fieldsRead(arg, into);
  }
}

/** Parses and compiles an LQL mapping; errors are BridgeError LQL_PARSE_ERROR with line and column. */
export function parseMapping(lql: string): Mapping {
  const syntax = parseMappingSyntax(lql);
  const compiled: FieldPlan[] = [];
  const seen = new Set<string>();
  for (const item of syntax.items) {
    if (!FIELD_NAME.test(item.field)) {
      throw lqlParseError(
        `field name ${JSON.stringify(item.field)} must start with a letter and hold only letters, digits and _ (names starting with _ are reserved)`,
        item.fieldPos,
      );
    }
    if (seen.has(item.field)) throw lqlParseError(`field ${item.field} is mapped twice`, item.fieldPos);
    seen.add(item.field);
    const planned = planItem(item);
    const when = item.condition === undefined ? undefined : compileExpr(item.condition).evaluate;
    const field: MappingField = Object.freeze({
      name: item.field,
      kind: planned.kind,
      merge: planned.merge,
      expression: formatExpr(item.expr),
      condition: item.condition === undefined ? undefined : formatExpr(item.condition),
      shortDesc: item.shortDesc,
      longDesc: item.longDesc,
    });
    compiled.push({
      field,
      when,
      share: planned.share,
      countedKeys: planned.countedKeys,
      members: planned.members,
      timedEntry: planned.timedEntry,
    });
  }
  for (const identity of syntax.by) {
    if (!seen.has(identity.field)) {
      throw lqlParseError(`BY names ${identity.field}, which no SELECT item produces`, identity.pos);
    }
  }
  const reads = new Set<string>(["_ts"]);
  for (const item of syntax.items) {
    fieldsRead(item.expr, reads);
    if (item.condition !== undefined) fieldsRead(item.condition, reads);
  }
  const mapping: Mapping = Object.freeze({
    stream: syntax.stream,
    by: Object.freeze(syntax.by.map((identity) => identity.field)),
    alias: syntax.alias,
    fields: Object.freeze(compiled.map((plan) => plan.field)),
    reads: Object.freeze([...reads].sort()),
  });
  compiledMappings.set(
    mapping,
    compileMapping(
      compiled,
      syntax.items.map((item) => item.condition),
      mapping.by,
    ),
  );
  mappingTexts.set(mapping, lql);
  return mapping;
}

/**
 * The LQL text a mapping was parsed from: what to hand another thread or process, which parses it
 * again (a parsed mapping's compiled form does not survive a structured clone).
 */
export function mappingText(mapping: Mapping): string {
  const text = mappingTexts.get(mapping);
  if (text === undefined) compiledMapping(mapping);
  return text ?? "";
}
