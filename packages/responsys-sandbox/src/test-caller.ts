import type { Sandbox } from "./sandbox.ts";

/** The origin tests use when calling a sandbox in-process through `app.fetch`. */
export const TEST_ORIGIN = "http://sandbox.local";

export interface CallResult {
  status: number;
  body: unknown;
}

/**
 * A minimal Responsys caller for the sandbox's own tests: logs in once with the default user and
 * sends JSON with the raw token, the way Responsys clients do. `fetcher` is the sandbox's
 * `app.fetch` or the global fetch against a served sandbox.
 */
export class TestCaller {
  readonly #fetch: (request: Request) => Promise<Response> | Response;
  readonly origin: string;
  token = "";

  constructor(fetcher: (request: Request) => Promise<Response> | Response, origin = TEST_ORIGIN) {
    this.#fetch = fetcher;
    this.origin = origin;
  }

  static inProcess(sandbox: Sandbox): TestCaller {
    return new TestCaller((request) => sandbox.app.fetch(request));
  }

  async login(userName = "sandbox", password = "sandbox"): Promise<CallResult> {
    const result = await this.form("/rest/api/v1.3/auth/token", {
      user_name: userName,
      password,
      auth_type: "password",
    });
    const body = result.body;
    if (result.status === 200 && typeof body === "object" && body !== null && "authToken" in body) {
      this.token = String(body.authToken);
    }
    return result;
  }

  async form(
    path: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<CallResult> {
    return this.send(
      new Request(`${this.origin}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(fields),
      }),
    );
  }

  /** A Responsys call with the current token; `/v1.3/…` paths are completed to `/rest/api/v1.3/…`. */
  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<CallResult> {
    const url = `${this.origin}${path.startsWith("/v1.3/") ? `/rest/api${path}` : path}`;
    return this.send(
      new Request(url, {
        method,
        headers: {
          authorization: this.token,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      }),
    );
  }

  async send(request: Request): Promise<CallResult> {
    const response = await this.#fetch(request);
    const text = await response.text();
    return { status: response.status, body: text === "" ? null : JSON.parse(text) };
  }
}

/** A list merge body with Responsys' usual rule, overridable per test. */
export function listMerge(
  fieldNames: string[],
  records: (string | null)[][],
  mergeRule: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    recordData: { fieldNames, records, mapTemplateName: null },
    mergeRule: {
      insertOnNoMatch: true,
      updateOnMatch: "REPLACE_ALL",
      matchColumnName1: "EMAIL_ADDRESS_",
      matchColumnName2: null,
      matchOperator: "NONE",
      defaultPermissionStatus: "OPTIN",
      ...mergeRule,
    },
  };
}

/** The first cell of each returned record of a merge answer: a RIID or a `MERGEFAILED: …` text. */
export function mergedRecords(body: unknown): string[] {
  const records = (body as { recordData: { records: string[][] } }).recordData.records;
  return records.map((record) => record[0] ?? "");
}

/** 2026-01-01T00:00:00Z, the pinned start of the tests' clocks. */
export const T0 = Date.UTC(2026, 0, 1);

/** A clock tests move by hand. */
export function testClock(start = T0) {
  let time = start;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}
