import { BridgeError } from "@responsys-bridge/core";
import { compileExpr } from "./compile.ts";
import { eventTime } from "./event-time.ts";
import type { Evaluator } from "./functions.ts";
import { parseExpression } from "./parser.ts";

export interface EvaluateOptions {
  /** The message time for epochms(), hourofday() and friends; defaults to the event's `_ts`. */
  readonly timestamp?: Date;
}

// Callers often evaluate the same few expressions over many events; compile each once.
const MAX_CACHED = 512;
const cache = new Map<string, Evaluator>();

/** Compiles one LQL expression (cached); throws LQL_PARSE_ERROR with line and column. */
export function compileExpression(expr: string): Evaluator {
  let compiled = cache.get(expr);
  if (compiled === undefined) {
    compiled = compileExpr(parseExpression(expr)).evaluate;
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(expr, compiled);
  }
  return compiled;
}

/**
 * Evaluates one LQL expression on one event. Returns undefined where LQL writes nothing (a nil
 * input, a failed parse of an email, URL or date). Times come back as Date, hash() as a signed
 * 64-bit decimal string, and aggregates (count, set, valuect, max, min) as the event's own share.
 */
export function evaluate(
  expr: string,
  event: Readonly<Record<string, unknown>>,
  options?: EvaluateOptions,
): unknown {
  const run = compileExpression(expr);
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw new BridgeError({
      code: "INVALID_EVENT",
      message: "an event must be a plain object",
      retryable: false,
    });
  }
  const ts = options?.timestamp === undefined ? eventTime(event) : options.timestamp.getTime();
  return run({ event, ts });
}
