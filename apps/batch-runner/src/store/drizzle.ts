/**
 * drizzle-orm, loaded through its CommonJS build. Node 24 resolves every one of drizzle's few
 * hundred ESM modules against its 180 KB package.json and parses that file again each time: the
 * ESM import alone grew the runner by ~250 MB of RSS (measured), the CommonJS one by ~25 MB.
 * Everything in the runner takes drizzle from here, so only one copy is ever loaded.
 */
import { createRequire } from "node:module";
import type { PGlite } from "@electric-sql/pglite";
import type * as Drizzle from "drizzle-orm";
import type * as DrizzlePostgres from "drizzle-orm/node-postgres";
import type * as PgCore from "drizzle-orm/pg-core";
import type * as DrizzleProxy from "drizzle-orm/pg-proxy";
import type { PgRemoteDatabase } from "drizzle-orm/pg-proxy";

const load = createRequire(import.meta.url);

/** require() is untyped; these are the same modules the type imports describe. */
function required<T>(specifier: string): T {
  return load(specifier) as T;
}

export const { and, asc, eq, sql } = required<typeof Drizzle>("drizzle-orm");
export const { bigint, integer, pgTable, primaryKey, serial, text, timestamp, unique } =
  required<typeof PgCore>("drizzle-orm/pg-core");

/** drizzle over node-postgres. */
export const drizzlePostgres = (): typeof DrizzlePostgres.drizzle =>
  required<typeof DrizzlePostgres>("drizzle-orm/node-postgres").drizzle;

/**
 * drizzle over PGlite through drizzle's generic proxy driver. Neither of drizzle's own PGlite
 * drivers will do: the CommonJS one requires PGlite's CommonJS build, a second copy of PGlite
 * (~440 MB RSS), and importing the ESM one re-parses drizzle's package.json per module (a
 * ~470 MB RSS spike at start; both measured).
 */
export function drizzleOverPglite<TSchema extends Record<string, unknown>>(
  client: PGlite,
  schema: TSchema,
): PgRemoteDatabase<TSchema> {
  const { drizzle } = required<typeof DrizzleProxy>("drizzle-orm/pg-proxy");
  return drizzle(
    async (text, params, method) => {
      // "all" wants rows as arrays of values in column order; "execute" takes rows as they come.
      const result = await client.query(text, params, method === "all" ? { rowMode: "array" } : {});
      return { rows: result.rows };
    },
    { schema },
  );
}
