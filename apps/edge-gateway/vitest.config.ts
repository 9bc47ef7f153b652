import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
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
        },
      },
    }),
  ],
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
