import type { z } from "zod";
import type { ApiFunction } from "./api-functions.ts";
import { ResponsysError } from "./errors.ts";
import type { DeliveryMode } from "./retry.ts";

/** One call to a Responsys data endpoint, as a resource describes it to the client. */
export interface ApiRequest<Wire, Result> {
  apiFunction: ApiFunction;
  method: "GET" | "POST";
  /** Path from the endPoint's root, already encoded (see `path`). */
  path: string;
  query?: Record<string, string | number>;
  /** Sent as JSON with every non-ASCII character escaped. */
  body?: unknown;
  mode: DeliveryMode;
  /** Shape the 2xx answer must have. */
  schema: z.ZodType<Wire>;
  /** Turns the wire answer into the domain result; may throw `unexpectedAnswer`. */
  map: (wire: Wire) => Result;
}

/** What resources need from the client: one method that runs a request to completion. */
export interface Requester {
  request<Wire, Result>(request: ApiRequest<Wire, Result>): Promise<Result>;
}

/**
 * The error for a 2xx answer the client cannot use. For a trigger the email may have gone out
 * (Responsys answered success), so it is reported as ambiguous rather than as a plain failure.
 */
export function unexpectedAnswer(
  apiFunction: ApiFunction,
  mode: DeliveryMode,
  problem: string,
): ResponsysError {
  return new ResponsysError({
    kind: mode === "trigger" ? "ambiguous" : "unexpected",
    apiFunction,
    message:
      `Responsys ${apiFunction} answered with an unexpected body: ${problem}.` +
      (mode === "trigger" ? " The emails may have been sent, so the call is not retried." : ""),
  });
}
