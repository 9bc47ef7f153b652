import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  // Read in Node, applied inside workerd by test/apply-migrations.ts before each test file.
  const migrations = await readD1Migrations(new URL("./src/db/migrations", import.meta.url).pathname);
  return {
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.jsonc" },
        remoteBindings: false,
        miniflare: {
          bindings: {
            // Test-only secrets: tests read them back from `env`.
            ADMIN_TOKEN: "test-admin-token-0123456789",
            SECRETS_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            // The sandbox listens on http://127.0.0.1, which only custom endpoints allow.
            ALLOW_CUSTOM_ENDPOINTS: "true",
            TEST_MIGRATIONS: migrations,
          },
        },
      }),
    ],
    test: {
      include: ["src/**/*.test.ts", "test/**/*.test.ts"],
      // workerd tests share two cores with other suites in CI; 5 s is too tight for the busiest files.
      testTimeout: 20_000,
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
    },
  };
});
