// Drives the Responsys sandbox over its HTTP control API (`/__sandbox/…`), so the same tests
// run in Node and inside workerd, where the sandbox object itself is out of reach.
import {
  defaultSeed,
  type FaultInput,
  type RecordedRequest,
  type SandboxSeedInput,
  type StateSnapshot,
} from "@responsys-bridge/responsys-sandbox";
import { inject } from "vitest";
import { ResponsysClient, type ResponsysClientOptions } from "../src/index.ts";

export interface SandboxControl {
  url: string;
  reset(): Promise<void>;
  fault(fault: FaultInput): Promise<void>;
  requests(filter?: { api?: string; path?: string; method?: string }): Promise<RecordedRequest[]>;
  configure(patch: { tokenLifetimeMs?: number; rateLimits?: Record<string, number> }): Promise<void>;
  advanceClock(ms: number): Promise<void>;
  expireTokens(): Promise<void>;
  state(): Promise<StateSnapshot>;
  seed(seed: SandboxSeedInput): Promise<void>;
}

/** The sandbox started by the global setup. */
export function sandbox(): SandboxControl {
  const url = inject("sandboxUrl");
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`sandbox ${method} ${path} answered ${response.status}: ${text}`);
    return controlAnswer<T>(text);
  };
  return {
    url,
    // A seed loaded by a test stays the sandbox's seed across resets, so put the default back.
    reset: async () => {
      await call("POST", "/seed", defaultSeed);
      await call("POST", "/reset");
    },
    fault: async (fault) => {
      await call("POST", "/faults", fault);
    },
    requests: async (filter = {}) => {
      const query = new URLSearchParams(Object.entries(filter).filter(([, value]) => value !== undefined));
      return (await call<{ requests: RecordedRequest[] }>("GET", `/requests?${query}`)).requests;
    },
    configure: async (patch) => {
      await call("PUT", "/config", patch);
    },
    advanceClock: async (ms) => {
      await call("POST", "/clock", { advanceMs: Math.round(ms) });
    },
    expireTokens: async () => {
      await call("POST", "/tokens/expire");
    },
    state: () => call<StateSnapshot>("GET", "/state"),
    seed: async (seed) => {
      await call("POST", "/seed", seed);
    },
  };
}

/** A client on the sandbox whose waits are recorded and move the sandbox clock instead of sleeping. */
export function sandboxClient(control: SandboxControl, options: Partial<ResponsysClientOptions> = {}) {
  const sleeps: number[] = [];
  const sent: { url: string; body: string | undefined; headers: Headers }[] = [];
  const client = new ResponsysClient({
    loginUrl: control.url,
    username: "sandbox",
    password: "sandbox",
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      await control.advanceClock(ms);
    },
    // Passes every request through to the real fetch, keeping the exact bytes sent.
    fetch: (input, init) => {
      sent.push({
        url: input,
        body: typeof init.body === "string" ? init.body : undefined,
        headers: new Headers(init.headers),
      });
      return fetch(input, init);
    },
    ...options,
  });
  return { client, sleeps, sent };
}

/** Merges members into CONTACTS_LIST so triggers have someone to send to. */
export async function seedMembers(client: ResponsysClient, emails: string[]): Promise<string[]> {
  const results = await client.lists.mergeMembers("CONTACTS_LIST", {
    fieldNames: ["EMAIL_ADDRESS_", "FIRST_NAME"],
    records: emails.map((email, index) => [email, `Member ${index}`]),
    mergeRule: {
      insertOnNoMatch: true,
      matchColumnName1: "EMAIL_ADDRESS_",
      defaultPermissionStatus: "OPTIN",
    },
  });
  return results.map((result) => {
    if (!result.ok) throw new Error(`seeding failed: ${result.error}`);
    return result.riid;
  });
}

// The control API is the sandbox package's own, typed by the types imported above; its answers
// are trusted to match them, which is why this one cast is acceptable in test support code.
function controlAnswer<T>(text: string): T {
  return JSON.parse(text) as T;
}
