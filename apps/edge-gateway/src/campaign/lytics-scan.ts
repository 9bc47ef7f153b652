import { type UserData, userDataSchema } from "@responsys-bridge/core";
import { z } from "zod";

// Backfill from Lytics: `GET {apiUrl}/api/segment/{audience}/scan?limit=100&start=<_next>` with
// the raw API token in Authorization (shared/reference/lytics-formats.md §2). The answer is
// `{ status, message, _next, total, data: [users] }`; paging ends when `_next` is empty.

/** Users per scan page; the Lytics Go client uses 100 as well. */
export const SCAN_PAGE_SIZE = 100;
const SCAN_TIMEOUT_MS = 30_000;

/** The fetch a scan page goes through (the global one in the Worker; any handler in unit tests). */
export type ScanFetch = (request: Request) => Promise<Response>;

export interface LyticsAccess {
  apiUrl: string;
  apiToken: string;
}

const scanPageSchema = z.looseObject({
  _next: z.string().nullish(),
  total: z.number().nullish(),
  data: z.array(z.unknown()).nullish(),
});

export type ScanPage =
  | {
      ok: true;
      /** Users that read as profiles; `skipped` counts entries that were not objects. */
      users: UserData[];
      skipped: number;
      /** The cursor of the next page, or null on the last one. */
      next: string | null;
      total: number | null;
    }
  | { ok: false; code: string; message: string; retryable: boolean; retryAfterMs: number | null };

/** The URL of one scan page. `apiUrl` may carry a path prefix (a proxy); its query is dropped. */
export function scanUrl(access: LyticsAccess, audience: string, cursor: string): string {
  const base = new URL(access.apiUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  const url = new URL(`${base.origin}${prefix}/api/segment/${encodeURIComponent(audience)}/scan`);
  url.searchParams.set("limit", String(SCAN_PAGE_SIZE));
  if (cursor !== "") url.searchParams.set("start", cursor);
  return url.toString();
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** Fetches and reads one page of the audience scan. Every outcome is a value. */
export async function fetchScanPage(
  fetch: ScanFetch,
  access: LyticsAccess,
  audience: string,
  cursor: string,
): Promise<ScanPage> {
  // A timer cleared once the body is in, rather than AbortSignal.timeout: a pending timer keeps the
  // Durable Object busy (and awake) for its whole duration.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error("the scan request timed out")), SCAN_TIMEOUT_MS);
  let response: Response;
  let text: string;
  try {
    response = await fetch(
      new Request(scanUrl(access, audience, cursor), {
        headers: { Authorization: access.apiToken, Accept: "application/json" },
        signal: abort.signal,
      }),
    );
    text = await response.text();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      code: "LYTICS_UNREACHABLE",
      message: `Lytics could not be reached: ${message}.`,
      retryable: true,
      retryAfterMs: null,
    };
  } finally {
    clearTimeout(timer);
  }
  if (!response.ok) {
    const status = response.status;
    // Reading is safe to repeat: throttling and outages wait; a refused token or an unknown
    // audience need a person.
    const retryable = status === 408 || status === 429 || status >= 500;
    return {
      ok: false,
      code:
        status === 401 || status === 403
          ? "LYTICS_UNAUTHORIZED"
          : status === 404
            ? "LYTICS_AUDIENCE_NOT_FOUND"
            : `LYTICS_HTTP_${status}`,
      message: `Lytics answered ${status} to the scan of audience ${audience}: ${text.slice(0, 200) || response.statusText}.`,
      retryable,
      retryAfterMs: retryAfterMs(response.headers.get("Retry-After")),
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      ok: false,
      code: "LYTICS_UNEXPECTED_RESPONSE",
      message: "Lytics answered the scan with something that is not JSON.",
      retryable: true,
      retryAfterMs: null,
    };
  }
  const parsed = scanPageSchema.safeParse(body);
  if (!parsed.success) {
    return {
      ok: false,
      code: "LYTICS_UNEXPECTED_RESPONSE",
      message: "Lytics answered the scan without a data array.",
      retryable: true,
      retryAfterMs: null,
    };
  }
  const users: UserData[] = [];
  let skipped = 0;
  for (const item of parsed.data.data ?? []) {
    // The scan itself says who is a member; a profile's own audience fields are not needed and a
    // malformed one must not cost the user.
    const profile = typeof item === "object" && item !== null && !Array.isArray(item) ? { ...item } : item;
    if (typeof profile === "object" && profile !== null) {
      Reflect.deleteProperty(profile, "segment_events");
      Reflect.deleteProperty(profile, "_segments");
    }
    const user = userDataSchema.safeParse(profile);
    if (user.success) users.push(user.data);
    else skipped += 1;
  }
  const next = parsed.data._next ?? "";
  return { ok: true, users, skipped, next: next === "" ? null : next, total: parsed.data.total ?? null };
}
