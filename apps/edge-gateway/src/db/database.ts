import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema.ts";

/** The gateway's D1 registry (authorizations and jobs) through drizzle. */
export function database(d1: D1Database) {
  return drizzle(d1, { schema });
}
export type Database = ReturnType<typeof database>;
