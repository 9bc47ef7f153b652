import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";

/** A fresh temporary folder for each test of the calling suite, removed after it; call the result for its path. */
export function useTempDir(prefix: string): () => string {
  let root: string | undefined;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
    root = undefined;
  });
  return () => {
    if (root === undefined) throw new Error("useTempDir: the folder exists only inside a test");
    return root;
  };
}
