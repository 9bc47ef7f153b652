import { existsSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDir } from "../../test/support/temp-dir.ts";
import { Spool } from "./spool.ts";

describe("Spool", () => {
  const root = useTempDir("spool-");

  it("keeps each write on disk until it is taken once, and counts what waits", async () => {
    const dir = join(root(), "f.plain.spool");
    const spool = new Spool(dir);
    const rows = spool.put(new Uint8Array([1, 2, 3]));
    const text = spool.put("é\tx\n");
    expect(spool.waitingBytes).toBe(3 + 5);
    expect((await readdir(dir)).length).toBe(2);
    expect([...(await spool.take(rows))]).toEqual([1, 2, 3]);
    expect((await spool.take(text)).toString("utf8")).toBe("é\tx\n");
    expect(spool.waitingBytes).toBe(0);
    expect(await readdir(dir)).toEqual([]);
    spool.put("left over");
    spool.remove();
    expect(existsSync(dir)).toBe(false);
  });

  it("starts empty, whatever an earlier attempt left", async () => {
    const dir = join(root(), "g.plain.spool");
    new Spool(dir).put("from a killed run");
    const spool = new Spool(dir);
    expect(await readdir(dir)).toEqual([]);
    expect(spool.waitingBytes).toBe(0);
  });
});
