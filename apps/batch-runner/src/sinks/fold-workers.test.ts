import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseMapping } from "@responsys-bridge/mapping";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PartFiles } from "../connect-files/partition.ts";
import { InlineFolds } from "./fold-part.ts";
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
    const [inWorker, again] = await Promise.all([workers.fold(path, COLUMNS), workers.fold(path, COLUMNS)]);
    const inline = await new InlineFolds(mapper).fold(path, COLUMNS);
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
  });

  it("fail a part they cannot read with a message that names it, and go on with the next", async () => {
    workers = new FoldWorkers(mapping, 1);
    const missing = join(root, "gone", "part-0");
    await expect(workers.fold(missing, COLUMNS)).rejects.toMatchObject({
      code: "IMPORT_FAILED",
      message: expect.stringContaining(`cannot fold ${missing}: ENOENT`),
    });
    expect((await workers.fold(writePart("b", 3), COLUMNS)).keys).toEqual(["id:0", "id:1", "id:2"]);
  });

  it("fail the parts still waiting when they are stopped, and any asked for later", async () => {
    workers = new FoldWorkers(mapping, 1);
    const path = writePart("c", 2_000);
    const waiting = workers.fold(path, COLUMNS).catch((error: unknown) => error);
    await workers.close();
    expect(await waiting).toMatchObject({ code: "IMPORT_FAILED", message: expect.stringMatching(/stopped/) });
    await expect(workers.fold(path, COLUMNS)).rejects.toMatchObject({ code: "IMPORT_FAILED" });
  });
});
