import { type Profile, publicFields } from "@responsys-bridge/mapping";
import { profileKey, storedProfile } from "../sinks/profile-mapper.ts";
import type { Database } from "./database.ts";

export interface StoredProfile {
  key: string;
  profile: Profile;
}

/**
 * Finds the profile of an email or RIID: by its key under each identity field first, then by the
 * field's value inside profiles keyed by another identity (a user keyed by RIID who has an email).
 */
export async function findProfile(
  database: Database,
  identityFields: readonly string[],
  id: string,
): Promise<StoredProfile | undefined> {
  const wanted = id.trim();
  const values = [...new Set([wanted, wanted.toLowerCase()])];
  const keys = identityFields.flatMap((field) => values.map((value) => profileKey(field, value)));
  const byKey = await database.query<{ key: string; profile: unknown }>(
    // `= ANY` is an index lookup per key; an IN over a JSON array may scan every profile.
    "SELECT key, profile FROM profiles WHERE key = ANY($1::text[]) ORDER BY key LIMIT 1",
    [keys],
  );
  const found =
    byKey[0] ??
    (
      await database.query<{ key: string; profile: unknown }>(
        `SELECT key, profile FROM profiles
         WHERE EXISTS (SELECT 1 FROM json_array_elements_text($1::json) AS f
                       WHERE profile::jsonb ->> f IN (SELECT json_array_elements_text($2::json)))
         ORDER BY key LIMIT 1`,
        [JSON.stringify(identityFields), JSON.stringify(values)],
      )
    )[0];
  return found === undefined
    ? undefined
    : { key: found.key, profile: publicFields(storedProfile(found.profile)) };
}

/** Every profile in key order, a page at a time so memory stays flat however many there are. */
export async function* allProfiles(database: Database, pageSize = 1000): AsyncGenerator<StoredProfile> {
  let after = "";
  for (;;) {
    const page = await database.query<{ key: string; profile: unknown }>(
      "SELECT key, profile FROM profiles WHERE key > $1 ORDER BY key LIMIT $2",
      [after, pageSize],
    );
    for (const row of page) yield { key: row.key, profile: publicFields(storedProfile(row.profile)) };
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    after = last.key;
  }
}
