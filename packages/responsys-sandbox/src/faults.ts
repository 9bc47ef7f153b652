import { z } from "zod";

/** Which Responsys requests a fault applies to; every given criterion must hold. */
export const faultMatchSchema = z
  .object({
    /** HTTP method, any case. */
    method: z.string().min(1).optional(),
    /** A substring of the URL path, e.g. `/members` or `Welcome_Series`. */
    path: z.string().min(1).optional(),
    /** An API function name as `/rest/api/ratelimit` reports it, e.g. `Merge List Recipients`. */
    api: z.string().min(1).optional(),
  })
  .strict();

const timesSchema = z.number().int().positive().default(1);

export const faultSchema = z.discriminatedUnion("kind", [
  /** Answers a 5xx with Responsys' envelope (`UNEXPECTED_EXCEPTION` unless told otherwise). */
  z
    .object({
      kind: z.literal("server_error"),
      match: faultMatchSchema.default({}),
      times: timesSchema,
      status: z.number().int().min(500).max(599).default(503),
      errorCode: z.string().min(1).default("UNEXPECTED_EXCEPTION"),
    })
    .strict(),
  /** Waits `latencyMs`, then handles the request normally. */
  z
    .object({
      kind: z.literal("latency"),
      match: faultMatchSchema.default({}),
      times: timesSchema,
      latencyMs: z.number().int().nonnegative().max(120_000),
    })
    .strict(),
  /** Drops the connection before anything is processed: no state change, no answer. */
  z
    .object({ kind: z.literal("drop_before"), match: faultMatchSchema.default({}), times: timesSchema })
    .strict(),
  /** Processes the request (state changes), then drops the connection instead of answering. */
  z
    .object({ kind: z.literal("drop_after"), match: faultMatchSchema.default({}), times: timesSchema })
    .strict(),
  /**
   * Answers INTERNAL_CAPACITY_LIMIT_EXCEEDED (reference §5.1). Its HTTP status is not documented;
   * 401, the status of the other limit error (API_LIMIT_EXCEEDED), is the default.
   */
  z
    .object({
      kind: z.literal("capacity_limit"),
      match: faultMatchSchema.default({}),
      times: timesSchema,
      status: z.number().int().min(400).max(599).default(401),
    })
    .strict(),
]);
export type Fault = z.infer<typeof faultSchema>;
export type FaultInput = z.input<typeof faultSchema>;

/** An armed fault and how many more requests it will hit. */
export type ArmedFault = Fault & { id: number; remaining: number };

export interface RequestFacts {
  method: string;
  path: string;
  api: string | undefined;
}

/** The faults waiting for requests, consumed in the order they were added. */
export class FaultBook {
  #faults: ArmedFault[] = [];
  #nextId = 1;

  add(fault: Fault): ArmedFault {
    const armed = { ...fault, id: this.#nextId++, remaining: fault.times };
    this.#faults.push(armed);
    return armed;
  }

  list(): ArmedFault[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.#faults = [];
  }

  /** The first fault matching the request, with one use taken from it; undefined when none does. */
  take(request: RequestFacts): ArmedFault | undefined {
    const fault = this.#faults.find((candidate) => matches(candidate, request));
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((candidate) => candidate !== fault);
    return { ...fault };
  }
}

function matches(fault: ArmedFault, request: RequestFacts): boolean {
  const { method, path, api } = fault.match;
  if (method !== undefined && method.toUpperCase() !== request.method.toUpperCase()) return false;
  if (path !== undefined && !request.path.includes(path)) return false;
  if (api !== undefined && api !== request.api) return false;
  return true;
}
