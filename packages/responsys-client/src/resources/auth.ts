import type { Session } from "../session.ts";
import type { StoredToken } from "../token-store.ts";

/** The login behind every call. Other resources log in on their own; these are for callers that want control. */
export class AuthResource {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  /** A valid token, logging in or refreshing only when needed (shared by concurrent callers). */
  token(): Promise<StoredToken> {
    return this.#session.current();
  }

  /** Logs in with user name and password now: `POST /rest/api/v1.3/auth/token`, `auth_type=password`. */
  login(): Promise<StoredToken> {
    return this.#session.login();
  }

  /** Exchanges the current token for a fresh one: `auth_type=token` with the token in `Authorization`. */
  refresh(): Promise<StoredToken> {
    return this.#session.refresh();
  }

  /** Forgets the token (here and in the token store); the next call logs in again. */
  invalidate(): Promise<void> {
    return this.#session.invalidate();
  }
}
