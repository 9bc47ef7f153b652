import { findAuthorization } from "../../db/authorizations.ts";
import type { Database } from "../../db/database.ts";
import type { AuthorizationRow } from "../../db/schema.ts";
import { apiError } from "../../http/errors.ts";

/** The authorization `id`, or 404 AUTHORIZATION_NOT_FOUND. */
export async function requireAuthorization(db: Database, id: string): Promise<AuthorizationRow> {
  const row = await findAuthorization(db, id);
  if (row === undefined) throw apiError("AUTHORIZATION_NOT_FOUND", `There is no authorization ${id}.`, 404);
  return row;
}
