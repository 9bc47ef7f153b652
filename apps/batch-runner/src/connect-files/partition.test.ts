import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  openPartsBudget,
  PartFiles,
  PartReader,
  type PartRecord,
  partBufferBytes,
  partCount,
  partOfKey,
} from "./partition.ts";

const openDescriptors = () => readdirSync("/proc/self/fd").length;

describe("part files", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "parts-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  // 4 parts write through 64 KiB buffers, 600 parts through 13 KiB ones (see partBufferBytes);
  // records longer than the buffer go straight to the file. Past its budget of open files, each
  // part is opened for each write.
  it.each([
    [4, undefined],
    [600, undefined],
    [600, 16],
  ])(
    "keeps every event of a user in one part, in the order added, whatever its key or size (%i parts, open at once: %s)",
    (partTotal, maxOpen) => {
      const keys = [
        "rs_user_id:1",
        'email:a"b@x.com',
        "email:tab\there",
        "email:é@ü.de",
        "rs_user_id:\\N",
        "k:😀",
      ];
      const big = JSON.stringify({ note: "x".repeat(300_000) });
      const records: PartRecord[] = [];
      for (let line = 2; line < 2_000; line++) {
        const key = keys[line % keys.length] ?? "";
        const text = line % 97 === 0 ? "y".repeat(1_200 + line) : `row ${line}\n\t"é"`;
        const json = line === 500 ? big : JSON.stringify({ line, text });
        records.push({ line, key, json });
      }
      const before = openDescriptors();
      const parts = new PartFiles(join(root, "p"), partTotal, 0, maxOpen);
      // Within the budget every part stays open; past it, none does between writes.
      expect(openDescriptors() - before).toBe(maxOpen === undefined ? partTotal : 0);
      for (const record of records) parts.add(record);
      expect(openDescriptors() - before).toBe(maxOpen === undefined ? partTotal : 0);
      parts.finish();
      expect(openDescriptors()).toBe(before);

      const seen = new Map<string, Array<{ line: number; json: string }>>();
      // One reader for every part: a part read into the buffer of a larger one is decoded to its own end.
      const reader = new PartReader();
      for (let index = 0; index < partTotal; index++) {
        for (const [key, events] of reader.read(parts.pathOf(index))) {
          expect(seen.has(key)).toBe(false);
          expect(partOfKey(key, partTotal)).toBe(index);
          seen.set(key, events);
        }
      }
      for (const key of keys) {
        const expected = records.filter((r) => r.key === key).map(({ line, json }) => ({ line, json }));
        expect(seen.get(key)).toEqual(expected);
      }
      parts.remove();
    },
  );

  it("drops records of parts already committed, and removes its folder", async () => {
    const dir = join(root, "p");
    const parts = new PartFiles(dir, 3, 2);
    const key = ["a", "b", "c", "d", "e", "f"].find((k) => partOfKey(k, 3) === 2) ?? "";
    const other = ["a", "b", "c", "d", "e", "f"].find((k) => partOfKey(k, 3) !== 2) ?? "";
    parts.add({ line: 2, key, json: "{}" });
    parts.add({ line: 3, key: other, json: "{}" });
    parts.finish();
    expect(new PartReader().read(parts.pathOf(2))).toEqual(new Map([[key, [{ line: 2, json: "{}" }]]]));
    expect(await readdir(dir)).toEqual(["part-2"]);
    parts.remove();
    await expect(readdir(dir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("leaves room under the process's limit on open files", () => {
    const limits = (soft: string, hard: string) =>
      `Limit                     Soft Limit           Hard Limit           Units     \n` +
      `Max processes             95263                95263                processes \n` +
      `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     \n`;
    expect(openPartsBudget(limits("1024", "4096"))).toBe(768);
    expect(openPartsBudget(limits("1048576", "1048576"))).toBe(1_048_320);
    expect(openPartsBudget(limits("unlimited", "unlimited"))).toBe(Number.POSITIVE_INFINITY);
    expect(openPartsBudget(limits("100", "100"))).toBe(1);
    // Unreadable (not Linux) or unexpected: the usual default of 1,024.
    expect(openPartsBudget(undefined)).toBe(768);
    expect(openPartsBudget("Max open files  lots")).toBe(768);
  });

  it("writes a file of more parts than the process may open (prlimit), where keeping them open failed with EMFILE", async () => {
    const script = `
      import { PartFiles, PartReader } from ${JSON.stringify(new URL("./partition.ts", import.meta.url).href)};
      const parts = new PartFiles(${JSON.stringify(join(root, "p"))}, 600, 0);
      for (let line = 2; line < 20000; line++) parts.add({ line, key: "user" + (line % 3000), json: "[" + line + "]" });
      parts.finish();
      let events = 0;
      const reader = new PartReader();
      for (let index = 0; index < 600; index++)
        for (const list of reader.read(parts.pathOf(index)).values()) events += list.length;
      console.log(events);
    `;
    // A hard limit of 300: Node cannot raise its soft limit past it, and 600 parts do not fit.
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        "prlimit",
        ["--nofile=300:300", process.execPath, "--input-type=module", "-e", script],
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    expect(output.trim()).toBe("19998");
  });

  it("shares about 1 MiB of write buffers among a few parts, gives many at least 16 KiB up to 8 MiB in all", () => {
    expect(partBufferBytes(1)).toBe(64 * 1024);
    expect(partBufferBytes(16)).toBe(64 * 1024);
    expect(partBufferBytes(40)).toBe(25 * 1024);
    for (const parts of [17, 40, 64]) expect(partBufferBytes(parts) * parts).toBeLessThanOrEqual(1024 * 1024);
    expect(partBufferBytes(140)).toBe(16 * 1024);
    expect(partBufferBytes(512)).toBe(16 * 1024);
    expect(partBufferBytes(700)).toBe(11 * 1024);
    expect(partBufferBytes(4096)).toBe(4 * 1024);
    for (const parts of [65, 140, 512, 700, 2048])
      expect(partBufferBytes(parts) * parts).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it("sizes parts from the plaintext and spreads keys evenly", () => {
    expect(partCount(0, 1024)).toBe(1);
    expect(partCount(10 * 1024 + 1, 1024)).toBe(11);
    expect(partCount(1e15, 1)).toBe(4096);
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) {
      const index = partOfKey(`rs_user_id:${100_000_000 + i * 7}`, 16);
      counts[index] = (counts[index] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
    // FNV-1a, stable across versions (resumed files rely on it): 2694636559 for this key,
    // computed independently of this code.
    expect(partOfKey("email:a@b.c", 1_000_003)).toBe(2_694_636_559 % 1_000_003);
  });
});
