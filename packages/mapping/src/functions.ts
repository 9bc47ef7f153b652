// The LQL functions, each compiled once into a closure over its compiled arguments. A closure
// returns undefined where qlbridge answers "not ok": the field then gets nothing from the event.
// Semantics and sources: shared/reference/lytics-formats.md §4.

import { md5Hex, sha256Hex } from "@responsys-bridge/core";
import { parseEmailAddress } from "./email-address.ts";
import { parseWithGoLayout } from "./go-layout.ts";
import { memoized } from "./memo.ts";
import { lyticsHash } from "./siphash.ts";
import { civilDate, dayOfWeek, hourOfDay, parseDateMath, parseDateText, toTimeMs } from "./time.ts";
import { urlMain } from "./url-main.ts";
import {
  firstOf,
  isMissing,
  looseEquals,
  nonEmptyString,
  scalarText,
  textMembers,
  toNumber,
} from "./values.ts";

/** What an expression is evaluated against: the event and its time (epoch ms, NaN when unknown). */
export interface EvalContext {
  readonly event: Readonly<Record<string, unknown>>;
  readonly ts: number;
}

export type Evaluator = (ctx: EvalContext) => unknown;

/** The static type of an expression, used to choose a field's kind. `time` covers epochms(), a time in ms. */
export type ValueType = "string" | "int" | "number" | "bool" | "time" | "list" | "map" | "any";

export interface FunctionDef {
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly returns: ValueType | ((argTypes: readonly ValueType[]) => ValueType);
  readonly build: (args: readonly Evaluator[]) => Evaluator;
}

const NEVER: Evaluator = () => undefined;

/** The time a date function works on: its argument read as a time, or the event time. */
function timeSource(args: readonly Evaluator[]): (ctx: EvalContext) => number | undefined {
  const arg = args[0];
  if (arg === undefined) return (ctx) => (Number.isNaN(ctx.ts) ? undefined : ctx.ts);
  return (ctx) => toTimeMs(firstOf(arg(ctx)));
}

function dateFunction(part: (ms: number) => unknown): FunctionDef {
  return {
    minArgs: 0,
    maxArgs: 1,
    returns: "int",
    build: (args) => {
      // Without an argument (hourofday() and friends in valuect): the event time, read directly.
      if (args.length === 0) return (ctx) => (Number.isNaN(ctx.ts) ? undefined : part(ctx.ts));
      const time = timeSource(args);
      return (ctx) => {
        const ms = time(ctx);
        return ms === undefined ? undefined : part(ms);
      };
    },
  };
}

function stringFunction(apply: (text: string) => unknown): FunctionDef {
  return {
    minArgs: 1,
    maxArgs: 1,
    returns: "string",
    build:
      ([arg = NEVER]) =>
      (ctx) => {
        const text = nonEmptyString(firstOf(arg(ctx)));
        return text === undefined ? undefined : apply(text);
      },
  };
}

function extreme(pick: (a: number, b: number) => number): FunctionDef {
  return {
    minArgs: 1,
    maxArgs: 1,
    returns: ([type = "any"]) => (type === "time" ? "time" : "number"),
    // On one event the extreme is the value itself (of a list: its extreme member); profiles fold it.
    build:
      ([arg = NEVER]) =>
      (ctx) => {
        const value = arg(ctx);
        const items = Array.isArray(value) ? value : [value];
        let best: number | undefined;
        for (const item of items) {
          const n = toNumber(item);
          if (n !== undefined) best = best === undefined ? n : pick(best, n);
        }
        return best;
      },
  };
}

function hashOf(digest: (text: string) => string): FunctionDef {
  return stringFunction(digest);
}

const twoArgsPredicate = (test: (a: unknown, b: unknown) => boolean): FunctionDef => ({
  minArgs: 2,
  maxArgs: 2,
  returns: "bool",
  build:
    ([a = NEVER, b = NEVER]) =>
    (ctx) =>
      test(a(ctx), b(ctx)),
});

function contains(haystack: unknown, needle: unknown): boolean {
  const wanted = scalarText(needle);
  if (wanted === undefined) return false;
  if (Array.isArray(haystack)) return haystack.some((item) => scalarText(item) === wanted);
  const text = scalarText(haystack);
  return text?.includes(wanted) ?? false;
}

const cachedLyticsHash = memoized(lyticsHash);

const hourOfWeek = (ms: number): number => dayOfWeek(ms) * 24 + hourOfDay(ms);
const monthOfYear = (ms: number): number => civilDate(ms).month;
const yearMonth = (ms: number): string => {
  const { year, month } = civilDate(ms);
  return `${String(year % 100).padStart(2, "0")}${String(month).padStart(2, "0")}`;
};

export const FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  // Aggregates: on one event they give the event's contribution; the mapping folds them into profiles.
  count: {
    minArgs: 0,
    maxArgs: 1,
    returns: "int",
    build: ([arg]) => (arg === undefined ? () => 1 : (ctx) => (isMissing(arg(ctx)) ? undefined : 1)),
  },
  set: {
    minArgs: 1,
    maxArgs: 1,
    returns: "list",
    build:
      ([arg = NEVER]) =>
      (ctx) => {
        const members = [...new Set(textMembers(arg(ctx)))].sort();
        return members.length === 0 ? undefined : members;
      },
  },
  valuect: {
    minArgs: 1,
    maxArgs: 1,
    returns: "map",
    build:
      ([arg = NEVER]) =>
      (ctx) => {
        const members = textMembers(arg(ctx));
        if (members.length === 0) return undefined;
        const counts: Record<string, number> = {};
        for (const member of members) counts[member] = (counts[member] ?? 0) + 1;
        return counts;
      },
  },
  max: extreme(Math.max),
  min: extreme(Math.min),
  map: {
    minArgs: 2,
    maxArgs: 2,
    returns: "map",
    build:
      ([key = NEVER, value = NEVER]) =>
      (ctx) => {
        const k = scalarText(key(ctx));
        const v = value(ctx);
        if (k === undefined || isMissing(v)) return undefined;
        return { [k]: v };
      },
  },
  maptime: {
    minArgs: 1,
    maxArgs: 2,
    returns: "map",
    build: ([key = NEVER, value]) => {
      const time = timeSource(value === undefined ? [] : [value]);
      return (ctx) => {
        const k = scalarText(key(ctx));
        const ms = time(ctx);
        if (k === undefined || ms === undefined) return undefined;
        // Unlike map(), qlbridge's maptime lower-cases its key.
        return { [k.toLowerCase()]: new Date(ms) };
      };
    },
  },

  // Time.
  epochms: {
    minArgs: 0,
    maxArgs: 0,
    returns: "time",
    build: () => (ctx) => (Number.isNaN(ctx.ts) ? undefined : ctx.ts),
  },
  now: {
    minArgs: 0,
    maxArgs: 0,
    returns: "time",
    build: () => (ctx) => (Number.isNaN(ctx.ts) ? undefined : new Date(ctx.ts)),
  },
  todate: {
    minArgs: 1,
    maxArgs: 2,
    returns: "time",
    build: ([first = NEVER, second]) => {
      if (second !== undefined) {
        return (ctx) => {
          const layout = nonEmptyString(first(ctx));
          const text = nonEmptyString(firstOf(second(ctx)));
          const ms = layout === undefined || text === undefined ? undefined : parseWithGoLayout(layout, text);
          return ms === undefined ? undefined : new Date(ms);
        };
      }
      return (ctx) => {
        const value = firstOf(first(ctx));
        let ms: number | undefined;
        if (typeof value === "string") {
          ms = value.startsWith("now")
            ? Number.isNaN(ctx.ts)
              ? undefined
              : parseDateMath(value, ctx.ts)
            : parseDateText(value);
        } else {
          ms = toTimeMs(value);
        }
        return ms === undefined ? undefined : new Date(ms);
      };
    },
  },
  hourofday: dateFunction(hourOfDay),
  hourofweek: dateFunction(hourOfWeek),
  dayofweek: dateFunction(dayOfWeek),
  monthofyear: dateFunction(monthOfYear),
  mm: dateFunction(monthOfYear),
  yymm: { ...dateFunction(yearMonth), returns: "string" },
  totimestamp: dateFunction((ms) => Math.floor(ms / 1000)),

  // Text.
  email: stringFunction(
    memoized((text) => {
      const address = parseEmailAddress(text);
      return address === undefined ? undefined : `${address.local}@${address.domain}`.toLowerCase();
    }),
  ),
  emaildomain: stringFunction(memoized((text) => parseEmailAddress(text.toLowerCase())?.domain)),
  urlmain: stringFunction(memoized(urlMain)),
  tolower: {
    minArgs: 1,
    maxArgs: 1,
    returns: "string",
    build:
      ([arg = NEVER]) =>
      (ctx) =>
        scalarText(firstOf(arg(ctx)))?.toLowerCase(),
  },
  split: {
    minArgs: 2,
    maxArgs: 2,
    returns: "list",
    build:
      ([text = NEVER, separator = NEVER]) =>
      (ctx) => {
        const t = nonEmptyString(text(ctx));
        const s = scalarText(separator(ctx));
        return t === undefined || s === undefined ? undefined : t.split(s);
      },
  },
  hash: hashOf(cachedLyticsHash),
  "hash.sip": hashOf(cachedLyticsHash),
  "hash.md5": hashOf(md5Hex),
  "hash.sha256": hashOf(sha256Hex),

  // Numbers.
  toint: {
    minArgs: 1,
    maxArgs: 1,
    returns: "int",
    build:
      ([arg = NEVER]) =>
      (ctx) => {
        const value = firstOf(arg(ctx));
        // A time converts to epoch milliseconds (qlbridge's TimeValue.Int).
        const n = value instanceof Date ? toTimeMs(value) : toNumber(value);
        return n === undefined ? undefined : Math.trunc(n);
      },
  },
  unsign: {
    minArgs: 1,
    maxArgs: 1,
    returns: "string",
    build:
      ([arg = NEVER]) =>
      (ctx) => {
        const text = scalarText(arg(ctx));
        if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
        return BigInt.asUintN(64, BigInt(text)).toString();
      },
  },

  // Logic.
  oneof: {
    minArgs: 1,
    maxArgs: Number.POSITIVE_INFINITY,
    returns: ([type = "any"]) => type,
    build: (args) => (ctx) => {
      for (const arg of args) {
        const value = arg(ctx);
        if (!isMissing(value)) return value;
      }
      return undefined;
    },
  },
  eq: twoArgsPredicate(looseEquals),
  contains: twoArgsPredicate(contains),
  exists: {
    minArgs: 1,
    maxArgs: 1,
    returns: "bool",
    build:
      ([arg = NEVER]) =>
      (ctx) =>
        !isMissing(arg(ctx)),
  },
};
