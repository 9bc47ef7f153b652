import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // The stack test starts wrangler dev (workerd) on a shared 2-core machine: allow it time.
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
