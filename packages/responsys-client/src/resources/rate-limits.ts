import { z } from "zod";
import {
  type ApiFunction,
  apiFunctionByName,
  apiFunctionsByRoute,
  DEFAULT_RATE_LIMITS,
} from "../api-functions.ts";
import { type Requester, unexpectedAnswer } from "../api-request.ts";
import { listIn, wireRateLimitSchema } from "../wire.ts";

/** One throttling limit of the account (REF Throttling.html). */
export interface RateLimit {
  /** Responsys' system name of the API. */
  api: string | undefined;
  /** Requests allowed per minute. */
  limit: number;
  verb: string | undefined;
  resourcePath: string | undefined;
  description: string | undefined;
  /** The client's API functions this limit applies to (empty when none of ours). */
  apiFunctions: ApiFunction[];
}

/** The account's throttling limits: `GET /rest/api/ratelimit` (no v1.3; that path is a 404). */
export class RateLimitsResource {
  readonly #client: Requester;

  constructor(client: Requester) {
    this.#client = client;
  }

  /** Reads the account's per-function limits, each tagged with the client's API functions it covers. */
  async get(): Promise<RateLimit[]> {
    return this.#client.request({
      apiFunction: "getRateLimits",
      method: "GET",
      path: "/rest/api/ratelimit",
      mode: "idempotent",
      schema: z.unknown(),
      map: (body) => {
        const parsed = z.array(wireRateLimitSchema).safeParse(rateLimitEntries(body));
        if (!parsed.success)
          throw unexpectedAnswer("getRateLimits", "idempotent", "expected a list of rate limits");
        return parsed.data.map((entry) => ({
          api: entry.api ?? undefined,
          limit: entry.limit,
          verb: entry.verb ?? undefined,
          resourcePath: entry.resource_path ?? undefined,
          description: entry.description ?? undefined,
          apiFunctions: apiFunctionsOf(entry.api, entry.description, entry.verb, entry.resource_path),
        }));
      },
    });
  }
}

/**
 * Requests per minute for every API function: the account's limits where `rateLimits` has one,
 * the documented defaults (`DEFAULT_RATE_LIMITS`) elsewhere. A limit of 0 is ignored.
 */
export function limitsPerMinute(rateLimits: readonly RateLimit[] | undefined): Record<ApiFunction, number> {
  const limits: Record<ApiFunction, number> = { ...DEFAULT_RATE_LIMITS };
  for (const entry of rateLimits ?? []) {
    if (entry.limit <= 0) continue;
    for (const fn of entry.apiFunctions) limits[fn] = entry.limit;
  }
  return limits;
}

// The body is documented only as "a list" of entries: accept a bare array, an object holding
// the array under any key, or an object of entries keyed by API name.
function rateLimitEntries(body: unknown): unknown[] | undefined {
  const direct = listIn(body, ["rateLimits", "ratelimits", "limits", "items", "apis"]);
  if (direct !== undefined) return direct;
  if (typeof body !== "object" || body === null) return undefined;
  const values = Object.values(body);
  const nested = values.find(Array.isArray);
  if (nested !== undefined) return nested;
  if (values.length > 0 && values.every((value) => typeof value === "object" && value !== null)) {
    return Object.entries(body).map(([api, value]) => ({ api, ...value }));
  }
  return undefined;
}

function apiFunctionsOf(
  api: string | null | undefined,
  description: string | null | undefined,
  verb: string | null | undefined,
  resourcePath: string | null | undefined,
): ApiFunction[] {
  const byName = apiFunctionByName(api ?? "") ?? apiFunctionByName(description ?? "");
  if (byName !== undefined) return [byName];
  if (verb && resourcePath) return apiFunctionsByRoute(verb, resourcePath);
  return [];
}
