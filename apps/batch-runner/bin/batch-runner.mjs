#!/usr/bin/env node
// Runs src/cli.ts (TypeScript, consumed as source like the rest of the repo) under the repo's
// pinned Node 24, whatever `node` started this shim: `npx batch-runner` and `npm run runner --`
// put the pinned node first on PATH, a bare invocation may not. Node 24 strips the types itself;
// tsx is only for an older Node that cannot.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runnerEnv, runnerNodeFlags, typeScriptLoaderFlags } from "./node-settings.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const cli = join(here, "..", "src", "cli.ts");

/** The Node to run and its version. */
function pinnedNode() {
  try {
    const manifest = require.resolve("node/package.json");
    const binary = join(dirname(manifest), "bin", "node");
    if (existsSync(binary)) return { binary, version: require(manifest).version };
  } catch {
    // No `node` package: fall back to the running Node if it is new enough.
  }
  const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
  if (major > 22 || (major === 22 && minor >= 12))
    return { binary: process.execPath, version: process.versions.node };
  console.error(
    `batch-runner needs Node >= 22.12 (running ${process.versions.node}); run \`npm install\` at the repo root to get the pinned Node 24.`,
  );
  process.exit(2);
}

const node = pinnedNode();
const child = spawn(
  node.binary,
  [...runnerNodeFlags(), ...typeScriptLoaderFlags(node.version), cli, ...process.argv.slice(2)],
  {
    stdio: "inherit",
    env: runnerEnv(),
  },
);
// A process manager signals only this shim: pass the signal on so the runner checkpoints and exits.
for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
// Under npm (`npx batch-runner`, `npm run runner`) this shim's parent is the shell npm runs the
// command in. npm passes a SIGTERM only to that shell, which dies of it without passing it on:
// the shim is left with another parent and no signal. Losing that shell while the runner works
// happens no other way, so it stops the runner as a SIGTERM would.
if (process.env.npm_command !== undefined) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    child.kill("SIGTERM");
  }, 250);
  child.on("exit", () => clearInterval(watch));
}
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal === null ? 1 : 128 + 2));
});
