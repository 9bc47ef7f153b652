import { defineConfig } from "vitest/config";

// Node run: the same test files as the workerd run (vitest.workerd.config.ts). One sandbox
// serves every file over real HTTP; files run one after another because they share it.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    globalSetup: ["./test/sandbox-global-setup.ts"],
    fileParallelism: false,
    // The files share nothing but the sandbox (reset before each test); one module graph for
    // all of them saves loading it per file (~4x faster inside workerd).
    isolate: false,
    provide: { expectedRuntime: "node" },
  },
});
