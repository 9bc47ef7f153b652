import { vi } from "vitest";

// A small emulation of the Lytics segment scan API (shared/reference/lytics-formats.md §2) for the
// gateway's tests, which cannot reach Lytics. It answers `GET /api/segment/{slug}/scan` with
// `{ status, message, _next, total, data }`, pages by an opaque `_next` cursor that goes back as
// `start`, wants the raw token in Authorization, and can be told to fail the next requests.

export interface ScanFault {
  status: number;
  body?: string;
  retryAfterSeconds?: number;
}

export interface ScanRequestRecord {
  url: string;
  authorization: string | null;
  status: number;
}

function encodeCursor(offset: number): string {
  return btoa(`offset:${offset}`);
}

function decodeCursor(cursor: string): number | null {
  try {
    const match = /^offset:(\d+)$/.exec(atob(cursor));
    return match === null ? null : Number(match[1]);
  } catch {
    return null;
  }
}

export class LyticsScanEmulator {
  readonly requests: ScanRequestRecord[] = [];
  readonly #token: string;
  readonly #audiences: Map<string, Record<string, unknown>[]>;
  readonly #faults: ScanFault[] = [];
  readonly #planned = new Map<number, ScanFault>();

  constructor(options: { token: string; audiences: Record<string, Record<string, unknown>[]> }) {
    this.#token = options.token;
    this.#audiences = new Map(Object.entries(options.audiences));
  }

  /** The next requests fail like this, in order, one each. */
  failNext(...faults: ScanFault[]): void {
    this.#faults.push(...faults);
  }

  /** The `number`-th request from the start (1-based) fails like this. */
  failRequest(number: number, fault: ScanFault): void {
    this.#planned.set(number, fault);
  }

  /** Scan requests for one audience, in arrival order. */
  scansOf(audience: string): ScanRequestRecord[] {
    return this.requests.filter((request) =>
      new URL(request.url).pathname.endsWith(`/segment/${audience}/scan`),
    );
  }

  /** The fetch handler: give it where the gateway's scan fetch would go. */
  readonly fetch = async (request: Request): Promise<Response> => {
    const response = this.#answer(request, this.requests.length + 1);
    this.requests.push({
      url: request.url,
      authorization: request.headers.get("Authorization"),
      status: response.status,
    });
    return response;
  };

  #answer(request: Request, number: number): Response {
    const fault = this.#planned.get(number) ?? this.#faults.shift();
    if (fault !== undefined) {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (fault.retryAfterSeconds !== undefined) headers["Retry-After"] = String(fault.retryAfterSeconds);
      return new Response(fault.body ?? JSON.stringify({ status: fault.status, message: "fault" }), {
        status: fault.status,
        headers,
      });
    }
    const url = new URL(request.url);
    const match = /^(?:.*)\/api\/segment\/([^/]+)\/scan$/.exec(url.pathname);
    if (request.method !== "GET" || match === null)
      return Response.json({ status: 404, message: "not found" }, { status: 404 });
    if (request.headers.get("Authorization") !== this.#token) {
      return Response.json({ status: 401, message: "Unauthorized" }, { status: 401 });
    }
    const members = this.#audiences.get(decodeURIComponent(match[1] ?? ""));
    if (members === undefined)
      return Response.json({ status: 404, message: "segment not found" }, { status: 404 });
    const limit = Math.min(Math.max(Number(url.searchParams.get("limit") ?? 20) || 20, 1), 500);
    const start = url.searchParams.get("start");
    const offset = start === null || start === "" ? 0 : decodeCursor(start);
    if (offset === null) return Response.json({ status: 400, message: "invalid start" }, { status: 400 });
    const data = members.slice(offset, offset + limit);
    const next = offset + limit < members.length ? encodeCursor(offset + limit) : "";
    return Response.json({ status: 200, message: "success", _next: next, total: members.length, data });
  }
}

/**
 * Sends this isolate's outbound requests for `host` to the emulator, as an outbound service would
 * (the job queue objects run in the tests' isolate and use the global fetch); everything else
 * goes out as before. Returns the function that undoes it.
 */
export function routeLyticsHost(host: string, emulator: LyticsScanEmulator): () => void {
  const realFetch = globalThis.fetch;
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation((input, init) => {
    const request = new Request(input, init);
    return new URL(request.url).hostname === host ? emulator.fetch(request) : realFetch(input, init);
  });
  return () => spy.mockRestore();
}
