import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

// How the runner's Node process is started: the CLI shim and the import benchmark both use this.
//
// Measured on a 1,000,000-row import: with V8's defaults the heap grows to 300–500 MB of mostly
// garbage before a full collection, because each chunk's rows and profiles live just long enough
// to be promoted. A smaller young generation and a finite old-space limit make V8 collect sooner:
// peak RSS ~220 MB instead of ~540 MB. 512 MB stays far above what a chunk needs, so it is a
// ceiling, not a squeeze. Worker threads (PGP) free their heaps on exit, but glibc keeps freed
// pages in per-thread arenas; with one arena for all threads the main thread reuses what the PGP
// worker freed (peak RSS of a 1M-row import into PGlite: 288–302 MB with one, 316–336 with two).
//
// WebAssembly (PGlite, the embedded database, is the runner's only module) is compiled by V8's
// baseline compiler only: its optimising tier needed ~450 MB more for a moment while PGlite's code
// got hot (peak RSS of a 1M-row import into PGlite: 805 MB with it, measured), for ~15% more
// import time. Without PGlite the flag changes nothing.
//
// --expose-gc lets the runner ask for a young collection while it streams large chunks (SFTP
// download, decryption; src/young-garbage.ts): their buffers live outside V8's heap, and V8 let
// ~64 MB of them pile up before freeing them (measured: ~170 against ~110 MB of RSS while
// downloading a 250 MB file).
//
// --no-allocation-site-pretenuring: V8 watches how many objects of each allocating site outlive a
// young collection, and from a high share on allocates that site's objects in the old generation
// directly. Parsing a file makes short-lived objects at a high rate; presumably a collection at an
// unlucky moment found one site's objects alive, V8 pretenured it for the rest of the import, and
// the old generation filled with garbage: a full collection every ~90 ms instead of every ~1 s, and a
// rows phase of 5.5–7.2 s instead of 3.7–4.0 s, in about half the runs of the 1M-row PostgreSQL
// import (measured: 10 of 10 runs fast without it; PGlite the same in time and peak RSS).
//
// A user's own NODE_OPTIONS setting of the same flag wins.
export const RUNNER_V8_FLAGS = [
  "--max-semi-space-size=8",
  "--max-old-space-size=512",
  "--liftoff-only",
  "--expose-gc",
  "--no-allocation-site-pretenuring",
];
//
// NODE_COMPILE_CACHE keeps the code Node compiled, types stripped, for the next start (Node checks
// each file's content before it uses the cache): `--help` in ~0.45 s instead of ~0.6 s (measured).
// The folder is the one Node itself picks for `module.enableCompileCache()`.
export const RUNNER_ENV = {
  MALLOC_ARENA_MAX: "1",
  NODE_COMPILE_CACHE: join(tmpdir(), "node-compile-cache"),
};

/**
 * Whether a Node of this version runs TypeScript by stripping its types (on by default since
 * 22.18 and 23.6). The runner's source keeps to erasable syntax for it: starting through tsx instead
 * took longer on every command (measured: `--help` 0.85 s, against ~0.6 s stripped by Node and
 * ~0.45 s with the compile cache below).
 */
export function stripsTypes(version) {
  const [major = 0, minor = 0] = version.replace(/^v/, "").split(".").map(Number);
  return major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
}

/** The flags that load the runner's TypeScript on a Node of this version: none, or tsx's loader. */
export function typeScriptLoaderFlags(version) {
  if (stripsTypes(version)) return [];
  return ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href];
}

/** The flags to pass to node, leaving out any the environment's NODE_OPTIONS already sets (or negates). */
export function runnerNodeFlags(env = process.env) {
  const own = env.NODE_OPTIONS ?? "";
  return RUNNER_V8_FLAGS.filter((flag) => {
    // Either form of a switch counts: --no-x and --x.
    const name = flag.split("=")[0].replace(/^--(no-)?/, "");
    return !own.includes(`--${name}`) && !own.includes(`--no-${name}`);
  });
}

/** The environment to start the runner with: the caller's, plus our defaults it does not set. */
export function runnerEnv(env = process.env) {
  return { ...RUNNER_ENV, ...env };
}
