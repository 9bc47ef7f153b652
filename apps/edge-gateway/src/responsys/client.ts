import {
  type ApiFunction,
  type FetchLike,
  type Limiter,
  ResponsysClient,
  type StoredToken,
  type TokenStore,
} from "@responsys-bridge/responsys-client";
import type { GatewayConfig } from "../env.ts";
import { mayCarryCredentials } from "./endpoint.ts";

/**
 * The login URL the per-job clients are given. Their logins never leave the Worker: requests to
 * this origin are answered by the authorization's session object, which holds the real password.
 * `.invalid` cannot resolve, so nothing sent here by mistake reaches any host.
 */
const SESSION_LOGIN_ORIGIN = "https://authorization-session.invalid";
const LOGIN_PATH = "/rest/api/v1.3/auth/token";

export type ResponsysClientForOptions = {
  /** The fetch for data calls (tests). Logins always go through the session object. */
  fetch?: FetchLike;
  sleep?: (ms: number) => Promise<void>;
  /** Repeats of a failed call; admin requests keep this low so a person is not kept waiting. */
  maxRetries?: number;
  maxRetryDelayMs?: number;
};

/**
 * A Responsys client for a job (or picker) of one authorization. Its token store, its logins and
 * its pacing all go through that authorization's `AuthorizationSession` Durable Object, so every
 * job on an account shares one token and one per-API-function budget. Data calls only go to
 * Responsys hosts unless ALLOW_CUSTOM_ENDPOINTS.
 */
export function responsysClientFor(
  env: Env,
  authorizationId: string,
  config: GatewayConfig,
  options: ResponsysClientForOptions = {},
): ResponsysClient {
  const session = () => env.AUTHORIZATION_SESSION.get(env.AUTHORIZATION_SESSION.idFromName(authorizationId));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const dataFetch = options.fetch ?? ((input: string, init: RequestInit) => fetch(input, init));
  // The token this client last received, so the session knows which one it calls unusable.
  let lastToken: StoredToken | undefined;

  const tokenStore: TokenStore = {
    async get() {
      const token = await session().currentToken();
      if (token !== null) lastToken = token;
      return token ?? undefined;
    },
    async set(token) {
      lastToken = token;
      await session().offerToken(token);
    },
    async clear() {
      if (lastToken !== undefined) await session().dropToken(lastToken.authToken);
    },
  };

  const limiter: Limiter = {
    async acquire(apiFunction: ApiFunction) {
      // Logins happen inside the session object, which paces them itself.
      if (apiFunction === "login") return;
      for (let wait = await session().tryAcquire(apiFunction); wait > 0; ) {
        await sleep(wait);
        wait = await session().tryAcquire(apiFunction);
      }
    },
  };

  const login = async (init: RequestInit): Promise<Response> => {
    const headers = new Headers(init.headers);
    // A refresh names its token in Authorization; a password login replaces whatever this client had.
    const replacing = headers.get("Authorization") ?? lastToken?.authToken;
    const answer = await session().sessionToken({ replacing });
    if (!answer.ok) {
      if (answer.failure === "network") throw new TypeError(answer.message);
      return new Response(answer.body, {
        status: answer.status,
        headers: { "Content-Type": "application/json" },
      });
    }
    lastToken = answer.token;
    const body = {
      authToken: answer.token.authToken,
      endPoint: answer.token.endPoint,
      issuedAt: answer.token.issuedAt,
    };
    return Response.json(body);
  };

  const routedFetch: FetchLike = (input, init) => {
    const url = new URL(input);
    if (url.origin === SESSION_LOGIN_ORIGIN) {
      if (url.pathname !== LOGIN_PATH)
        return Promise.reject(new TypeError(`No session route for ${url.pathname}.`));
      return login(init);
    }
    if (!mayCarryCredentials(input, config.allowCustomEndpoints)) {
      return Promise.reject(new TypeError(`Refusing to send a Responsys token to ${url.origin}.`));
    }
    return dataFetch(input, init);
  };

  return new ResponsysClient({
    loginUrl: SESSION_LOGIN_ORIGIN,
    // Placeholders: the real user name and password stay in the session object.
    username: "held-by-authorization-session",
    password: "held-by-authorization-session",
    fetch: routedFetch,
    tokenStore,
    limiter,
    sleep,
    ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
    ...(options.maxRetryDelayMs === undefined ? {} : { maxRetryDelayMs: options.maxRetryDelayMs }),
  });
}
