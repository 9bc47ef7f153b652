import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // These tests import real files into PGlite and PostgreSQL, some twice over (kill and
    // resume against an uninterrupted reference). On a loaded two-core CI machine one such
    // test can take far longer than vitest's 5 s default without anything being wrong.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
