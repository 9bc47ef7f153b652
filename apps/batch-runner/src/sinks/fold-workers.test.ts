import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMapping } from "@responsys-bridge/mapping";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartFiles } from "../connect-files/partition.ts";
import { readBinaryCopy } from "../store/test-copy.ts";
import { InlineFolds, type PartToFold } from "./fold-part.ts";
import { FoldWorkers } from "./fold-workers.ts";
import { createProfileMapper } from "./profile-mapper.ts";

// Not the default mapping: the workers must fold by the job's own mapping, which crosses to them as text.
const mapping = parseMapping(`
  SELECT
    id AS id,
    count(event) AS opens IF eq(event, "OPEN"),
    max(epochms()) AS last_seen,
    set(tag) AS tags
  FROM test_events INTO user BY id
`);
const mapper = createProfileMapper(mapping);
// The values of each part record, in order (as the store sink writes them: see EventColumns).
const COLUMNS = ["id", "event", "tag", "_ts"];
const partOf = (path: string, after = 0): PartToFold => ({
  path,
  columns: COLUMNS,
  events: { fileId: 7, after },
});

describe("fold workers", () => {
  let root: string;
  let workers: FoldWorkers | undefined;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "fold-workers-"));
  });
  afterEach(async () => {
    await workers?.close();
    workers = undefined;
    await rm(root, { recursive: true, force: true });
  });

  /** A part file of `users` users, each with three events; user 2's last two have no readable time. */
  function writePart(name: string, users: number): string {
    const parts = new PartFiles(join(root, name), 1, 0);
    for (let line = 2; line < 2 + users * 3; line++) {
      const user = (line - 2) % users;
      const ts =
        user === 2 && line >= 2 + users
          ? "not a date"
          : new Date(Date.UTC(2026, 0, 1, 0, line)).toISOString();
      const values = [String(user), line % 2 === 0 ? "OPEN" : "CLICK", `t${line % 3}`, ts];
      parts.add({ line, key: `id:${user}`, json: JSON.stringify(values) });
    }
    parts.finish();
    return parts.pathOf(0);
  }

  it("fold a part by the job's mapping exactly as the main thread does, bad rows included", async () => {
    const path = writePart("a", 50);
    workers = new FoldWorkers(mapping, 2);
    const [inWorker, again] = await Promise.all([workers.fold(partOf(path)), workers.fold(partOf(path))]);
    const inline = await new InlineFolds(mapper).fold(partOf(path));
    expect(inWorker).toEqual(inline);
    expect(again).toEqual(inline);
    expect(inWorker.keys).toHaveLength(50);
    expect(inWorker.keys).toEqual([...inWorker.keys].sort());
    // User 0's events: lines 2, 52 and 102, all opens, tagged t2, t1 and t0.
    const first = JSON.parse(inWorker.shares[inWorker.keys.indexOf("id:0")] ?? "{}");
    expect(first).toMatchObject({ id: "0", opens: 3, tags: ["t0", "t1", "t2"] });
    expect(inWorker.failed).toEqual([
      { line: 54, reason: expect.stringMatching(/^mapping: .*not a date/) },
      { line: 104, reason: expect.stringMatching(/^mapping: .*not a date/) },
    ]);
    // A user_events row per user: its events in line order, less those the fold could not read.
    const rows = new Map(
      readBinaryCopy(inWorker.eventRows, ["int4", "text", "text"]).map(([fileId, key, data]) => {
        expect(fileId).toBe(7);
        return [key, JSON.parse(String(data))];
      }),
    );
    expect(rows.size).toBe(50);
    expect(rows.get("id:0")).toEqual([
      [2, "0", "OPEN", "t2", new Date(Date.UTC(2026, 0, 1, 0, 2)).toISOString()],
      [52, "0", "OPEN", "t1", new Date(Date.UTC(2026, 0, 1, 0, 52)).toISOString()],
      [102, "0", "OPEN", "t0", new Date(Date.UTC(2026, 0, 1, 0, 102)).toISOString()],
    ]);
    expect(rows.get("id:2")?.map((event: unknown[]) => event[0])).toEqual([4]);
    // Events an older runner wrote by line (up to line 60 here) are not written again.
    const resumed = await workers.fold(partOf(path, 60));
    expect(resumed.shares).toEqual(inWorker.shares);
    const after = new Map(
      readBinaryCopy(resumed.eventRows, ["int4", "text", "text"]).map(([, key, data]) => [
        key,
        JSON.parse(String(data)),
      ]),
    );
    expect(after.get("id:0")?.map((event: unknown[]) => event[0])).toEqual([102]);
    expect(after.has("id:2")).toBe(false);
    expect(after.size).toBe(50 - 1);
    // Not by user: the same profiles and bad rows, no rows of events.
    const byEvent = await workers.fold({ path, columns: COLUMNS });
    expect(byEvent).toEqual({ ...inWorker, eventRows: new Uint8Array(0) });
  });

  it("write a part's event rows into the memory of an earlier part's, when given it", async () => {
    const path = writePart("spare", 50);
    workers = new FoldWorkers(mapping, 1);
    const fresh = await new InlineFolds(mapper).fold(partOf(path));
    const spare = new ArrayBuffer(1024 * 1024);
    const inline = await new InlineFolds(mapper).fold(partOf(path), spare);
    expect(inline.eventRows.buffer).toBe(spare);
    expect(inline.eventRows).toEqual(fresh.eventRows);
    // Handed to the worker, not copied: gone from this thread.
    const handed = new ArrayBuffer(1024 * 1024);
    const inWorker = await workers.fold(partOf(path), handed);
    expect(handed.byteLength).toBe(0);
    expect(inWorker.eventRows.buffer.byteLength).toBe(1024 * 1024);
    expect(inWorker.eventRows).toEqual(fresh.eventRows);
  });

  it("fail a part they cannot read with a message that names it, and go on with the next", async () => {
    workers = new FoldWorkers(mapping, 1);
    const missing = join(root, "gone", "part-0");
    await expect(workers.fold(partOf(missing))).rejects.toMatchObject({
      code: "IMPORT_FAILED",
      message: expect.stringContaining(`cannot fold ${missing}: ENOENT`),
    });
    expect((await workers.fold(partOf(writePart("b", 3)))).keys).toEqual(["id:0", "id:1", "id:2"]);
  });

  it("fail the parts still waiting when they are stopped, and any asked for later", async () => {
    workers = new FoldWorkers(mapping, 1);
    const path = writePart("c", 2_000);
    const waiting = workers.fold(partOf(path)).catch((error: unknown) => error);
    await workers.close();
    expect(await waiting).toMatchObject({ code: "IMPORT_FAILED", message: expect.stringMatching(/stopped/) });
    await expect(workers.fold(partOf(path))).rejects.toMatchObject({ code: "IMPORT_FAILED" });
  });
});
