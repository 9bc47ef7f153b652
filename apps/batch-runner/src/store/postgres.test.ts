import { mkdtemp, readFile, rm } from "node:fs/promises";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isBridgeError } from "@responsys-bridge/core";
import { defaultResponsysMapping } from "@responsys-bridge/mapping";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImportJob } from "../jobs/import-activity.ts";
import { connectText, folderJob, writeConnectFile } from "../jobs/test-connect-files.ts";
import { silentLogger } from "../logging/logger.ts";
import { FolderSource } from "../sftp/folder-source.ts";
import { createProfileMapper } from "../sinks/profile-mapper.ts";
import { createStoreSink } from "../sinks/store-sink.ts";
import { CopyRows } from "./copy-rows.ts";
import {
  type Database,
  EVENT_COPY_COLUMNS,
  eventValues,
  openDatabase,
  type SqlTransaction,
} from "./database.ts";
import { FileStates, type FileVersion } from "./file-state.ts";
import { findProfile } from "./profiles.ts";
import { profileKeyCollation, writeAddedAndChanged } from "./test-database.ts";
import { startTestPostgres, type TestPostgres } from "./test-postgres.ts";

const T0 = new Date("2026-03-02T00:00:00Z");
const TTL = 60_000;
const at = (ms: number) => new Date(T0.getTime() + ms);

function version(n: number): FileVersion {
  return {
    path: `/download/12345_OPEN_2026030${n}_000000.txt`,
    name: `12345_OPEN_2026030${n}_000000.txt`,
    size: 100 + n,
    mtimeMs: 1_000 * n,
    accountId: "12345",
  };
}

describe("several runners on one PostgreSQL database", () => {
  let server: TestPostgres;
  const opened: Database[] = [];
  // Each runner is its own connection pool, as separate processes would be.
  const runner = async () => {
    const database = await openDatabase({ kind: "postgres", url: server.url });
    opened.push(database);
    return database;
  };

  beforeAll(async () => {
    server = await startTestPostgres();
  }, 120_000);

  afterAll(async () => {
    for (const database of opened) await database.close();
    await server?.stop();
  });

  it("gives each file's lease to exactly one of two racing runners", async () => {
    const [a, b] = await Promise.all([runner(), runner()]);
    const filesA = new FileStates(a, "race");
    const filesB = new FileStates(b, "race");
    const versions = Array.from({ length: 8 }, (_, i) => version(i + 1));
    const outcomes = await Promise.all(
      versions.flatMap((v) => [
        filesA.acquire(v, "runner-a", T0, TTL),
        filesB.acquire(v, "runner-b", T0, TTL),
      ]),
    );
    for (let i = 0; i < versions.length; i++) {
      const pair = [outcomes[2 * i], outcomes[2 * i + 1]];
      expect(pair.filter((o) => o?.acquired)).toHaveLength(1);
      expect(pair.find((o) => !o?.acquired)).toMatchObject({ acquired: false, reason: "leased" });
    }
    expect(await filesA.list()).toHaveLength(8);
  });

  it("lets another runner take over an expired lease, and the old holder can no longer commit", async () => {
    const [a, b] = await Promise.all([runner(), runner()]);
    const filesA = new FileStates(a, "takeover");
    const filesB = new FileStates(b, "takeover");
    const file = version(1);
    const first = await filesA.acquire(file, "runner-a", T0, TTL);
    if (!first.acquired) throw new Error("runner-a should get the lease");
    await a.transaction((tx) =>
      filesA.commitChunk(
        tx,
        first.lease,
        { checkpointLine: 11, rows: 10, events: 10, rejected: 0, rejectedRows: [] },
        at(1_000),
        TTL,
      ),
    );
    // Still held (renewed by the commit until 61 s): runner-b must wait.
    expect(await filesB.acquire(file, "runner-b", at(50_000), TTL)).toMatchObject({
      acquired: false,
      reason: "leased",
    });

    // runner-a dies; its lease expires; runner-b takes over and resumes after the checkpoint.
    const second = await filesB.acquire(file, "runner-b", at(62_000), TTL);
    expect(second).toMatchObject({ acquired: true, lease: { holder: "runner-b", checkpointLine: 11 } });
    if (!second.acquired) return;

    // The old holder wakes up: nothing it does reaches the database.
    const late = await a
      .transaction((tx) =>
        filesA.commitChunk(
          tx,
          first.lease,
          {
            checkpointLine: 21,
            rows: 10,
            events: 10,
            rejected: 0,
            rejectedRows: [{ line: 15, reason: "x" }],
          },
          at(63_000),
          TTL,
        ),
      )
      .catch((error: unknown) => error);
    expect(isBridgeError(late, "LEASE_LOST")).toBe(true);
    await expect(filesA.markImported(first.lease, at(63_000))).rejects.toMatchObject({ code: "LEASE_LOST" });
    expect(await filesA.renew(first.lease, at(63_000), TTL)).toBe(false);
    expect(await a.query("SELECT * FROM rejected_rows")).toEqual([]);

    await filesB.markImported(second.lease, at(64_000));
    const [record] = await filesB.list();
    expect(record).toMatchObject({
      state: "imported",
      checkpointLine: 11,
      rows: 10,
      attempts: 2,
      leaseHolder: null,
    });
    expect(await filesA.acquire(file, "runner-a", at(200_000), TTL)).toMatchObject({
      acquired: false,
      reason: "imported",
    });
  });

  it("imports a folder once when two runners run the job at the same time", async () => {
    const root = await mkdtemp(join(tmpdir(), "two-runners-"));
    try {
      const folder = join(root, "download");
      const start = new Date("2026-03-01T09:00:00Z");
      for (let i = 1; i <= 6; i++) {
        await writeConnectFile(
          folder,
          `12345_OPEN_2026030${i}_000000.txt`,
          connectText({ rows: 50, users: 7, start }),
        );
      }
      const mapper = createProfileMapper(defaultResponsysMapping);
      const job = { ...folderJob, id: "shared" };
      const runJob = async (holder: string) => {
        const database = await runner();
        const files = new FileStates(database, job.id);
        return runImportJob({
          job,
          source: new FolderSource(root),
          files,
          sink: createStoreSink({ database, files, mapper, now: () => T0, leaseTtlMs: TTL }),
          stagingDir: join(root, `staging-${holder}`),
          now: () => T0,
          logger: silentLogger,
          holder,
          chunkSize: 20,
        });
      };
      const [a, b] = await Promise.all([runJob("runner-a"), runJob("runner-b")]);
      expect(a.files.imported + b.files.imported).toBe(6);
      expect(a.files.failed + b.files.failed).toBe(0);
      expect(a.events + b.events).toBe(300);

      const check = await runner();
      const [{ count }] = (await check.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM event_data",
      )) as [{ count: number }];
      expect(count).toBe(300);
      // User 0 has rows 0, 7, …, 49 of each file: 8 opens × 6 files, none lost to a concurrent update.
      const profile = await findProfile(check, mapper.identityFields, "1000");
      expect(profile?.profile).toMatchObject({ email_open_ct: 48 });
      const totals = await check.query<{ total: number }>(
        "SELECT sum((profile::jsonb->>'email_open_ct')::int)::int AS total FROM profiles",
      );
      expect(totals[0]?.total).toBe(300);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 60_000);

  // The server ends the runner's connection in the middle of a transaction (as a restart or a
  // network cut would): the file fails alone, and the next run finishes it with nothing lost or
  // counted twice.
  it.each([
    // Cut in the third batch of 50 rows: two were committed, with their events when events go a
    // row each (by user, they go with their users' parts). Cut in the second part: every row and
    // the first part were.
    ["a rows", "a row each", "copyEvents", 3, false],
    ["a profiles", "a row each", "writeProfiles", 2, false],
    ["a rows", "by user", "copyEvents", 3, true],
    ["a profiles", "by user", "writeProfiles", 2, true],
  ] as const)(
    "survives losing its connection in %s transaction, events %s",
    async (phase, _layout, method, call, eventsByUser) => {
      const root = await mkdtemp(join(tmpdir(), "cut-"));
      try {
        const start = new Date("2026-03-01T09:00:00Z");
        const rows = 400;
        const users = 40;
        await writeConnectFile(
          join(root, "download"),
          "12345_OPEN_20260310_000000.txt",
          connectText({ rows, users, start }),
        );
        const mapper = createProfileMapper(defaultResponsysMapping);
        const database = await runner();
        const opensOf = async (from: Database) => {
          const found = await findProfile(from, mapper.identityFields, "1000");
          const opens = (found?.profile as { email_open_ct?: number } | undefined)?.email_open_ct;
          return opens ?? 0;
        };
        const opensBefore = await opensOf(database);
        const jobId = `cut-${method}-${eventsByUser ? "by-user" : "row-each"}`;
        const files = new FileStates(database, jobId);
        let calls = 0;
        // The same database, but the chosen call first has the server end this very connection.
        const cutting: Database = {
          ...database,
          transaction: (work, options) =>
            database.transaction(
              (tx) =>
                work({
                  ...tx,
                  [method]: async (...args: Parameters<SqlTransaction[typeof method]>) => {
                    if (++calls === call) await tx.query("SELECT pg_terminate_backend(pg_backend_pid())");
                    return (tx[method] as (...a: typeof args) => Promise<void>)(...args);
                  },
                }),
              options,
            ),
        };
        const run = (target: Database) =>
          runImportJob({
            job: { ...folderJob, id: jobId },
            source: new FolderSource(root),
            files,
            sink: createStoreSink({
              database: target,
              files,
              mapper,
              now: () => T0,
              leaseTtlMs: TTL,
              eventsByUser,
            }),
            stagingDir: join(root, "staging"),
            now: () => T0,
            logger: silentLogger,
            holder: "runner-a",
            chunkSize: 50,
            partBytes: 4096,
          });

        const cut = await run(cutting);
        expect(cut.files).toMatchObject({ imported: 0, failed: 1 });
        expect(cut.errors[0]).toMatchObject({
          code: "DATABASE_UNAVAILABLE",
          message: expect.stringMatching(/^lost the connection to PostgreSQL at .*: terminating connection/),
        });
        expect(calls).toBeGreaterThanOrEqual(call);

        const eventsOfJob = async () => {
          const [counts] = await database.query<{ events: number; users: number }>(
            "SELECT count(*)::int AS events, count(DISTINCT profile_key)::int AS users FROM event_data d JOIN import_files f ON f.id = d.file_id WHERE f.job_id = $1",
            [jobId],
          );
          return counts ?? { events: 0, users: 0 };
        };
        const committed = await eventsOfJob();
        if (!eventsByUser) {
          expect(committed.events).toBe(phase === "a rows" ? 100 : rows);
        } else {
          // A committed part holds all ten events of each of its users; no part, no events.
          expect(committed.events).toBe(committed.users * (rows / users));
          expect(committed.users).toBeLessThan(phase === "a rows" ? 1 : users);
          if (phase === "a profiles") expect(committed.users).toBeGreaterThan(0);
        }

        const again = await run(database);
        expect(again.files).toMatchObject({ imported: 1, failed: 0 });
        expect(await eventsOfJob()).toEqual({ events: rows, users });
        const [state] = await database.query<{ events: number; rows: number }>(
          "SELECT events, rows FROM import_files WHERE job_id = $1",
          [jobId],
        );
        expect(state).toEqual({ events: rows, rows });
        // Each of the 40 users opened 10 times in this file, whatever was committed before the cut.
        // (Profiles belong to no job: earlier tests' files counted opens of the same users.)
        expect(await opensOf(database)).toBe(opensBefore + rows / users);
      } finally {
        await rm(root, { recursive: true, force: true });
      }
    },
    60_000,
  );

  it("keeps its connections under TCP keepalive, so a vanished server cannot hang a run", async () => {
    const database = await runner();
    await database.query("SELECT 1");
    // /proc/net/tcp: a connection's `tr` field is 02 while its keepalive timer runs (Linux).
    const port = Number(new URL(server.url).port).toString(16).toUpperCase().padStart(4, "0");
    const table = [await readFile("/proc/net/tcp", "utf8"), await readFile("/proc/net/tcp6", "utf8")];
    const timers = table
      .flatMap((text) => text.split("\n").slice(1))
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields[2]?.endsWith(`:${port}`) && fields[3] === "01")
      .map((fields) => fields[5]?.split(":")[0]);
    expect(timers.length).toBeGreaterThan(0);
    expect(new Set(timers)).toEqual(new Set(["02"]));
  });

  it("gives up on a server that takes the connection and never answers, with a clear error", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const url = `postgres://runner:secret@127.0.0.1:${port}/runner`;
      await expect(openDatabase({ kind: "postgres", url }, { connectTimeoutMs: 300 })).rejects.toMatchObject({
        code: "DATABASE_UNAVAILABLE",
        message: expect.stringMatching(
          new RegExp(
            `^cannot connect to PostgreSQL at postgres://runner:\\*\\*\\*@127\\.0\\.0\\.1:${port}/runner: .*timeout`,
          ),
        ),
      });
      expect(sockets.length).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("round-trips awkward event text through the bulk insert", async () => {
    const database = await runner();
    const files = new FileStates(database, "text");
    const outcome = await files.acquire(version(9), "r", T0, TTL);
    if (!outcome.acquired) throw new Error("lease");
    const data = JSON.stringify({ note: 'tab\there, newline\nthere, back\\slash, quote " and é' });
    const copy = new CopyRows(EVENT_COPY_COLUMNS, 16);
    copy.add(eventValues(outcome.lease.fileId, { line: 2, profileKey: null, event: "OPEN", ts: null, data }));
    await database.transaction((tx) => tx.copyEvents(copy.bytes()));
    const rows = await database.query<{ data: string; profile_key: string | null }>(
      "SELECT data, profile_key FROM events WHERE file_id = $1",
      [outcome.lease.fileId],
    );
    expect(rows).toEqual([{ data, profile_key: null }]);
  });

  it("inserts added profiles and upserts changed ones in one transaction", async () => {
    const at = new Date("2026-03-01T09:00:00.000Z");
    expect(await writeAddedAndChanged(await runner(), "written", at)).toEqual([
      { key: "written:new", profile: '{"n":"é"}', updated_at: at },
      { key: "written:old", profile: '{"n":2}', updated_at: at },
    ]);
  });

  it("keeps profile keys in byte order, whatever the server's default collation", async () => {
    expect(await profileKeyCollation(await runner())).toBe("C");
  });

  it("commits without the WAL flush only when asked, and keeps the profile stage across rolled-back work", async () => {
    // The test server turns synchronous_commit off for speed; new sessions of this role get it on.
    const admin = await runner();
    await admin.query("ALTER ROLE CURRENT_USER SET synchronous_commit = on");
    const database = await runner().finally(() =>
      admin.query("ALTER ROLE CURRENT_USER RESET synchronous_commit"),
    );
    const setting = (tx: { query: Database["query"] }) =>
      tx.query<{ synchronous_commit: string }>("SHOW synchronous_commit");
    expect(await database.transaction(setting)).toEqual([{ synchronous_commit: "on" }]);
    expect(await database.transaction(setting, { asynchronousCommit: true })).toEqual([
      { synchronous_commit: "off" },
    ]);
    // The setting is the transaction's own: the connection goes back to the pool as it was.
    expect(await database.query("SHOW synchronous_commit")).toEqual([{ synchronous_commit: "on" }]);

    const profile = (n: number) => ({ key: "stage:1", profile: JSON.stringify({ n }) });
    // The first upsert of a connection makes its stage; this transaction then fails, so the stage
    // is rolled back with it and must be made again.
    await expect(
      database.transaction(async (tx) => {
        await tx.writeProfiles({ added: [], changed: [profile(1)] }, T0);
        throw new Error("abandoned");
      }),
    ).rejects.toThrow("abandoned");
    for (const n of [2, 3]) {
      await database.transaction((tx) => tx.writeProfiles({ added: [], changed: [profile(n)] }, T0));
    }
    const rows = await database.query<{ profile: unknown }>("SELECT profile FROM profiles WHERE key = $1", [
      "stage:1",
    ]);
    expect(rows.map((row) => row.profile)).toEqual([JSON.stringify({ n: 3 })]);
  });
});
