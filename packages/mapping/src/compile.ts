import { type EvalContext, type Evaluator, FUNCTIONS, type ValueType } from "./functions.ts";
import { lqlParseError } from "./lexer.ts";
import type { Expr } from "./parser.ts";

export interface Compiled {
  readonly evaluate: Evaluator;
  readonly type: ValueType;
}

/** Reads a field of the event: own properties only, then a dotted path into nested objects. */
function fieldReader(name: string): Evaluator {
  const path = name.includes(".") ? name.split(".") : undefined;
  return (ctx: EvalContext) => {
    const event = ctx.event;
    // Most misses are plain absent fields: only a value found needs the own-property check.
    const value = event[name];
    if (value === undefined) {
      if (path === undefined || Object.hasOwn(event, name)) return undefined;
    } else if (Object.hasOwn(event, name)) {
      return value;
    }
    return path === undefined ? undefined : readPath(event, path);
  };
}

function readPath(event: Readonly<Record<string, unknown>>, path: readonly string[]): unknown {
  let value: unknown = event;
  for (const step of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, step)) return undefined;
    value = Reflect.get(value, step);
  }
  return value;
}

/** Compiles an expression to a closure once, checking function names and argument counts. */
export function compileExpr(expr: Expr): Compiled {
  switch (expr.type) {
    case "string":
    case "number":
    case "bool": {
      const value = expr.value;
      const type: ValueType =
        expr.type === "string"
          ? "string"
          : expr.type === "bool"
            ? "bool"
            : Number.isInteger(value)
              ? "int"
              : "number";
      return { evaluate: () => value, type };
    }
    case "field":
      return { evaluate: fieldReader(expr.name), type: "any" };
    case "list": {
      const items = expr.items.map((item) => compileExpr(item).evaluate);
      return { evaluate: (ctx) => items.map((item) => item(ctx)), type: "list" };
    }
    case "call": {
      const def = FUNCTIONS[expr.name];
      if (def === undefined) throw lqlParseError(`unknown function ${expr.name}()`, expr.pos);
      const count = expr.args.length;
      if (count < def.minArgs || count > def.maxArgs) {
        const wanted =
          def.minArgs === def.maxArgs
            ? `${def.minArgs}`
            : def.maxArgs === Number.POSITIVE_INFINITY
              ? `at least ${def.minArgs}`
              : `${def.minArgs} to ${def.maxArgs}`;
        throw lqlParseError(`${expr.name}() takes ${wanted} argument(s), got ${count}`, expr.pos);
      }
      const args = expr.args.map(compileExpr);
      const types = args.map((arg) => arg.type);
      const type = typeof def.returns === "function" ? def.returns(types) : def.returns;
      return { evaluate: def.build(args.map((arg) => arg.evaluate)), type };
    }
  }
}

/** LQL text of an expression, normalised (used to describe mapping fields). */
export function formatExpr(expr: Expr): string {
  switch (expr.type) {
    case "string":
      return JSON.stringify(expr.value);
    case "number":
    case "bool":
      return String(expr.value);
    case "field":
      return /^[A-Za-z_][A-Za-z0-9_.]*$/.test(expr.name) ? expr.name : `\`${expr.name}\``;
    case "list":
      return `[${expr.items.map(formatExpr).join(", ")}]`;
    case "call":
      return `${expr.name}(${expr.args.map(formatExpr).join(", ")})`;
  }
}
