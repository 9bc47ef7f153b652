import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CopyRows } from "./copy-rows.ts";
import { type Database, EVENT_COPY_COLUMNS, eventValues, openDatabase } from "./database.ts";
import { FileStates } from "./file-state.ts";
import { openTestDatabase, profileKeyCollation, writeAddedAndChanged } from "./test-database.ts";

describe("eventValues", () => {
  it("gives an event's time as epoch ms, in the canonical form or any other Date.parse reads", () => {
    const row = { line: 2, profileKey: null, event: "OPEN", data: "[]" };
    for (const ts of [
      "2026-03-01T09:00:00.250Z",
      "2024-02-29T23:59:59.999Z",
      "2026-03-01T09:00:00Z",
      "2026-03-01T10:00:00+01:00",
    ]) {
      expect(eventValues(1, { ...row, ts })[4]).toBe(Date.parse(ts));
    }
    expect(eventValues(1, { ...row, ts: "not a time" })[4]).toBeNull();
    expect(eventValues(1, { ...row, ts: null })[4]).toBeNull();
  });
});

describe("PGlite store", () => {
  let database: Database;
  let cleanup: () => Promise<void>;
  let root: string;
  beforeEach(async () => {
    ({ database, cleanup, dir: root } = await openTestDatabase());
  }, 60_000);
  afterEach(async () => {
    await database.close().catch(() => {});
    await cleanup();
  });

  it("round-trips awkward event text through COPY", async () => {
    const files = new FileStates(database, "text");
    const outcome = await files.acquire(
      { path: "/d/f.txt", name: "f.txt", size: 1, mtimeMs: 1, accountId: null },
      "r",
      new Date(0),
      60_000,
    );
    if (!outcome.acquired) throw new Error("lease");
    const data = JSON.stringify({ note: 'tab\there, newline\nthere, cr\r, back\\slash, \\N, quote " and é' });
    const copy = new CopyRows(EVENT_COPY_COLUMNS, 16);
    copy.add(
      eventValues(outcome.lease.fileId, {
        line: 2,
        profileKey: "rs_user_id:1\t2",
        event: "OPEN",
        ts: "2026-03-01T09:00:00.000Z",
        data,
      }),
    );
    copy.add(
      eventValues(outcome.lease.fileId, { line: 3, profileKey: null, event: "CLICK", ts: null, data: "{}" }),
    );
    await database.transaction((tx) => tx.copyEvents(copy.bytes()));
    const rows = await database.query<{
      line: number;
      data: string;
      profile_key: string | null;
      ts: Date | null;
    }>("SELECT line, data, profile_key, ts FROM events ORDER BY line");
    expect(rows).toEqual([
      { line: 2, data, profile_key: "rs_user_id:1\t2", ts: new Date("2026-03-01T09:00:00.000Z") },
      { line: 3, data: "{}", profile_key: null, ts: null },
    ]);
  });

  it("inserts added profiles and upserts changed ones in one transaction", async () => {
    const at = new Date("2026-03-01T09:00:00.000Z");
    expect(await writeAddedAndChanged(database, "p", at)).toEqual([
      { key: "p:new", profile: '{"n":"é"}', updated_at: at },
      { key: "p:old", profile: '{"n":2}', updated_at: at },
    ]);
    // An added key that is stored after all breaks the primary key: the transaction fails whole.
    await expect(
      database.transaction((tx) =>
        tx.writeProfiles({ added: [{ key: "p:old", profile: "{}" }], changed: [] }, at),
      ),
    ).rejects.toThrow();
    expect(await database.query("SELECT profile FROM profiles WHERE key = 'p:old'")).toEqual([
      { profile: '{"n":2}' },
    ]);
  });

  it("keeps profile keys in byte order, whatever the database's own collation", async () => {
    expect(await profileKeyCollation(database)).toBe("C");
  });

  it("brings the profile keys of an earlier version's database to byte order, keeping its profiles", async () => {
    // The database as migration 3 left it, with a profile in it.
    await database.query('ALTER TABLE profiles ALTER COLUMN key TYPE text COLLATE "default"');
    await database.query("DELETE FROM runner_migrations WHERE id = 4");
    await database.transaction((tx) =>
      tx.writeProfiles({ added: [{ key: "k:é", profile: '{"n":1}' }], changed: [] }, new Date(0)),
    );
    expect(await profileKeyCollation(database)).toBeNull();
    await database.close();
    database = await openDatabase({ kind: "pglite", dir: join(root, "db") });
    expect(await profileKeyCollation(database)).toBe("C");
    expect(await database.query("SELECT key, profile FROM profiles")).toEqual([
      { key: "k:é", profile: '{"n":1}' },
    ]);
  });

  // Leases between live runners need PostgreSQL (postgres.test.ts); an embedded database has one
  // process, so a lease found in it was left by a runner that is gone.
  it("takes over a lease left in the embedded database at once, and never re-leases an imported file", async () => {
    const files = new FileStates(database, "job");
    const file = { path: "/d/f.txt", name: "f.txt", size: 1, mtimeMs: 1, accountId: "1" };
    const first = await files.acquire(file, "a", new Date(0), 60_000);
    expect(first.acquired).toBe(true);
    const second = await files.acquire(file, "b", new Date(500), 60_000);
    expect(second).toMatchObject({ acquired: true, record: { leaseHolder: "b", attempts: 2 } });
    if (!second.acquired || !first.acquired) return;
    // The old holder can no longer commit: its lease is gone.
    await expect(files.markImported(first.lease, new Date(600))).rejects.toMatchObject({
      code: "LEASE_LOST",
    });
    await files.markImported(second.lease, new Date(1_100));
    expect(await files.acquire(file, "a", new Date(9_000), 1_000)).toMatchObject({
      acquired: false,
      reason: "imported",
    });
    // A new version of the same path is a new file.
    expect((await files.acquire({ ...file, size: 2 }, "a", new Date(9_000), 1_000)).acquired).toBe(true);
  });

  it("refuses a second process on the same directory, and takes over a stale lock", async () => {
    const dir = join(root, "db");
    // Our own process holds it (the database opened in beforeEach): a second open is refused.
    await expect(openDatabase({ kind: "pglite", dir })).rejects.toMatchObject({ code: "DATABASE_LOCKED" });
    await database.close();
    // A lock left behind by a process that is gone does not block.
    await writeFile(join(dir, "runner.lock"), "999999999");
    database = await openDatabase({ kind: "pglite", dir });
    expect(await database.query("SELECT 1 AS one")).toEqual([{ one: 1 }]);
  });
});
