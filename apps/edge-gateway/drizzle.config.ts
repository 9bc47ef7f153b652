import { defineConfig } from "drizzle-kit";

// `npx drizzle-kit generate` writes numbered SQL files that `wrangler d1 migrations apply` reads.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./src/db/migrations",
});
