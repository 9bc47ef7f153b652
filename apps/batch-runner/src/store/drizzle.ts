/**
 * drizzle-orm, loaded through its CommonJS build. Node 24 resolves every one of drizzle's few
 * hundred ESM modules against its 180 KB package.json and parses that file again each time: the
 * ESM import alone grew the runner by ~250 MB of RSS (measured), the CommonJS one by ~25 MB.
 * Everything in the runner takes drizzle from here, so only one copy is ever loaded.
 */
import { createRequire } from "node:module";
import type * as Drizzle from "drizzle-orm";
import type * as DrizzlePostgres from "drizzle-orm/node-postgres";
import type * as PgCore from "drizzle-orm/pg-core";
import type * as DrizzlePglite from "drizzle-orm/pglite";

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
 * drizzle over PGlite, loaded only when the embedded database is used, and as ESM: the CommonJS
 * build requires PGlite's CommonJS build, a second copy of PGlite that cost ~440 MB RSS (measured).
 * Two drizzle copies work together: drizzle tells its objects apart by global symbols.
 */
export async function drizzlePglite(): Promise<typeof DrizzlePglite.drizzle> {
  return (await import("drizzle-orm/pglite")).drizzle;
}
