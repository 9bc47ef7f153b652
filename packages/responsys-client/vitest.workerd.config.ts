import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The same test files as the Node run, executed inside workerd. The sandbox cannot run there
// (it listens on a socket), so the global setup starts it in Node and hands its URL over
// through `provide`/`inject`; the tests reach it over real HTTP from the Workers runtime.
export default defineConfig({
  plugins: [
    cloudflareTest({
      miniflare: { compatibilityDate: "2026-11-01", compatibilityFlags: ["nodejs_compat"] },
    }),
  ],
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["./test/sandbox-global-setup.ts"],
    fileParallelism: false,
    // The files share nothing but the sandbox (reset before each test); one module graph for
    // all of them saves loading it per file (~4x faster inside workerd).
    isolate: false,
    provide: { expectedRuntime: "workerd" },
  },
});
