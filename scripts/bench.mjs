// Runs every workspace's `bench` script one after another (they share two cores, so never in
// parallel) and passes the arguments through. With --json each bench prints only JSON lines on
// stdout, so this keeps npm's and turbo's banners out of the way: `npm run bench -- --json`
// stays machine-readable.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const workspaces = ["packages/mapping", "apps/edge-gateway", "apps/batch-runner"];
const args = process.argv.slice(2);
let failed = 0;
for (const workspace of workspaces) {
  const manifest = JSON.parse(readFileSync(new URL(`../${workspace}/package.json`, import.meta.url), "utf8"));
  if (!manifest.scripts?.bench) continue;
  if (!args.includes("--json")) console.log(`\n## ${manifest.name}`);
  const result = spawnSync("npm", ["run", "--silent", "bench", "-w", workspace, "--", ...args], {
    stdio: "inherit",
  });
  if (result.status !== 0) {
    failed++;
    console.error(`bench failed in ${workspace} (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed === 0 ? 0 : 1);
