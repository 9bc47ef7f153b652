// Streams of large chunks (an SFTP download, a decryption) leave their buffers as garbage outside
// V8's heap, held by a few small objects. V8 collects as its heap fills, and these streams fill it
// slowly, so it frees the buffers only once ~64 MB of them have piled up; glibc then keeps the
// pages. Downloading a 250 MB file, the runner's RSS rose from ~125 to ~170 MB and stayed there;
// with a young collection every 4 MiB downloaded it stayed at ~110 MB, in the same time (measured).
// The collector is there when node runs with --expose-gc, as the launcher starts the runner
// (bin/node-settings.mjs); elsewhere (tests, an embedding app) this does nothing.
// Erasable TypeScript, nothing but globals: the PGP worker loads it too.

type Collector = (options: { type: "minor" | "major" }) => void;

function collector(): Collector | undefined {
  const gc: unknown = Reflect.get(globalThis, "gc");
  return typeof gc === "function" ? (options) => Reflect.apply(gc, globalThis, [options]) : undefined;
}

/** Runs a young collection after every `everyBytes` of a stream's chunks. */
export class YoungGarbage {
  readonly #everyBytes: number;
  readonly #collect = collector();
  #since = 0;

  constructor(everyBytes: number) {
    this.#everyBytes = everyBytes;
  }

  /** Counts a chunk that has become garbage (written out, handed on). */
  add(bytes: number): void {
    if (this.#collect === undefined) return;
    this.#since += bytes;
    if (this.#since < this.#everyBytes) return;
    this.#since = 0;
    this.#collect({ type: "minor" });
  }
}
