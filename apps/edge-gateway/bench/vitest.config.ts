import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Runs bench/*.measure.ts inside workerd with the gateway's bindings plus the baseline object.
export default defineConfig(async () => {
  const migrations = await readD1Migrations(new URL("../src/db/migrations", import.meta.url).pathname);
  return {
    plugins: [
      cloudflareTest({
        main: "./bench/bench-worker.ts",
        wrangler: { configPath: "./wrangler.jsonc" },
        remoteBindings: false,
        miniflare: {
          durableObjects: { BASELINE: { className: "BaselineRecorder", useSQLite: true } },
          bindings: {
            ADMIN_TOKEN: "bench-admin-token-0123456789",
            SECRETS_KEY: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            ALLOW_CUSTOM_ENDPOINTS: "true",
            TEST_MIGRATIONS: migrations,
          },
        },
      }),
    ],
    test: {
      root: new URL("..", import.meta.url).pathname,
      include: ["bench/**/*.measure.ts"],
      globalSetup: ["./test/global-setup.ts"],
      setupFiles: ["./test/apply-migrations.ts"],
      testTimeout: 300_000,
    },
  };
});
