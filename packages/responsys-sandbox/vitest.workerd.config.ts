import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// The sandbox must run inside workerd too (no node:* in src). One end-to-end file proves it
// there; every rule is covered by the Node run, and loading each file into workerd is slow.
export default defineConfig({
  plugins: [cloudflareTest({ miniflare: { compatibilityDate: "2026-11-01" } })],
  test: { include: ["src/runtime-neutral.test.ts"] },
});
