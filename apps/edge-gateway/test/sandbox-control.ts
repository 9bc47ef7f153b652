import { inject } from "vitest";

export type RecordedRequest = {
  id: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  api: string | null;
  status: number | null;
};

/**
 * Requests the shared sandbox recorded. Other test files use the same sandbox at the same time,
 * so callers narrow the result down to what they made (their own token, their own user name).
 */
export async function recordedRequests(filter: { path?: string } = {}): Promise<RecordedRequest[]> {
  const query = filter.path === undefined ? "" : `?path=${encodeURIComponent(filter.path)}`;
  const response = await fetch(`${inject("sandboxUrl")}/__sandbox/requests${query}`);
  const body = (await response.json()) as { requests: RecordedRequest[] };
  return body.requests;
}

/** The `Authorization` header of a recorded request, whatever its case. */
export function authorizationHeader(request: RecordedRequest): string | undefined {
  const entry = Object.entries(request.headers).find(([name]) => name.toLowerCase() === "authorization");
  return entry?.[1];
}
