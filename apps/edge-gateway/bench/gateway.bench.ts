// npm run bench [-- --json]: the gateway figures of SPEC §8, measured inside workerd by
// bench/gateway.measure.ts (through the vitest plugin, against the Responsys sandbox).
import { spawnSync } from "node:child_process";
import { dirname } from "node:path";

interface BenchResult {
  name: string;
  unit: string;
  value: number;
  baseline: number;
  ratio: number;
  notes: string;
}

// The package folder: this file lives in bench/.
const root = dirname(import.meta.dirname);
const run = spawnSync("npx", ["vitest", "run", "--config", "bench/vitest.config.ts"], {
  cwd: root,
  encoding: "utf8",
  env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  maxBuffer: 64 * 1024 * 1024,
});
const output = `${run.stdout}\n${run.stderr}`;
// Vitest may colour the line's prefix: the JSON starts at the marker, wherever it is.
const MARKER = "BENCH {";
const results: BenchResult[] = output
  .split("\n")
  .filter((line) => line.includes(MARKER))
  .map((line) => JSON.parse(line.slice(line.indexOf(MARKER) + "BENCH ".length)) as BenchResult);

if (run.status !== 0 || results.length === 0) {
  process.stderr.write(output);
  process.stderr.write(
    `\ngateway benchmarks failed (exit ${run.status}, signal ${run.signal}${run.error ? `, ${run.error.message}` : ""})\n`,
  );
  process.exit(1);
}

if (process.argv.includes("--json")) {
  for (const result of results) process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  console.table(
    results.map(({ name, unit, value, baseline, ratio }) => ({ name, unit, value, baseline, ratio })),
  );
  for (const result of results) console.log(`${result.name}: ${result.notes}`);
}
