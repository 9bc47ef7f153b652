import { mkdir, mkdtemp, readdir, rm, stat, statfs, truncate, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultResponsysMapping } from "@responsys-bridge/mapping";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Logger, silentLogger } from "../logging/logger.ts";
import type { ImportProgress } from "../logging/progress.ts";
import { FolderSource } from "../sftp/folder-source.ts";
import { createLyticsSink } from "../sinks/lytics-sink.ts";
import { createProfileMapper } from "../sinks/profile-mapper.ts";
import type { ChunkWrite, UserSink } from "../sinks/sink.ts";
import { createStoreSink } from "../sinks/store-sink.ts";
import type { Database } from "../store/database.ts";
import { FileStates } from "../store/file-state.ts";
import { allProfiles, findProfile } from "../store/profiles.ts";
import { openTestDatabase } from "../store/test-database.ts";
import { FileTurns } from "./file-turns.ts";
import { type ImportJobDeps, runImportJob } from "./import-activity.ts";
import { listFiles } from "./inspect.ts";
import { connectText, folderJob, writeConnectFile } from "./test-connect-files.ts";

const NOW = new Date("2026-03-02T00:00:00Z");
const START = new Date("2026-03-01T09:00:00Z");
const mapper = createProfileMapper(defaultResponsysMapping);

const job = { ...folderJob, id: "events", accountIds: ["12345"] };

interface Env {
  root: string;
  folder: string;
  database: Database;
  files: FileStates;
  cleanup(): Promise<void>;
}

async function makeEnv(): Promise<Env> {
  const root = await mkdtemp(join(tmpdir(), "import-job-"));
  const { database, cleanup } = await openTestDatabase();
  return {
    root,
    folder: join(root, "sftp", "download"),
    database,
    files: new FileStates(database, job.id),
    cleanup: async () => {
      await cleanup();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function storeSink(env: Env, foldWorkers?: number): UserSink {
  return createStoreSink({
    database: env.database,
    files: env.files,
    mapper,
    now: () => NOW,
    leaseTtlMs: 60_000,
    ...(foldWorkers === undefined ? {} : { foldWorkers }),
  });
}

function deps(env: Env, overrides: Partial<ImportJobDeps> = {}): ImportJobDeps {
  const sink = storeSink(env);
  return {
    job,
    source: new FolderSource(join(env.root, "sftp")),
    files: env.files,
    sink,
    stagingDir: join(env.root, "staging"),
    now: () => NOW,
    logger: silentLogger,
    holder: "runner-a",
    chunkSize: 7,
    // Tiny parts, so a small file is imported by user in several parts (the first file: 10).
    partBytes: 512,
    ...overrides,
  };
}

/** The sink with each write of one stage wrapped: rows (event batches) or profiles (parts). */
function wrapWrites(sink: UserSink, stage: string, wrap: (write: ChunkWrite) => ChunkWrite): UserSink {
  if (stage !== "rows") return { ...sink, preparePart: async (part) => wrap(await sink.preparePart(part)) };
  return {
    ...sink,
    startRows: (file) => {
      const batch = sink.startRows(file);
      return {
        add: (chunk, keep) => batch.add(chunk, keep),
        get rows() {
          return batch.rows;
        },
        finish: () => {
          const write = batch.finish();
          return write === undefined ? undefined : wrap(write);
        },
      };
    },
  };
}

/** The sink, and a signal that asks for a shutdown once it has written its third chunk of `stage`. */
function stopAfterThird(sink: UserSink, stage: string): { sink: UserSink; signal: AbortSignal } {
  const controller = new AbortController();
  let writes = 0;
  const stopping =
    (write: ChunkWrite): ChunkWrite =>
    async (lease, signal) => {
      const written = await write(lease, signal);
      if (++writes === 3) controller.abort();
      return written;
    };
  return { sink: wrapWrites(sink, stage, stopping), signal: controller.signal };
}

async function exportAll(database: Database) {
  const out: Array<{ key: string; profile: unknown }> = [];
  for await (const entry of allProfiles(database)) out.push(entry);
  return out;
}

async function writeStandardFolder(folder: string) {
  await writeConnectFile(
    folder,
    "12345_OPEN_20260301_091500.txt",
    connectText({ rows: 40, users: 6, start: START, badColumnCountAt: [3], badDateAt: [10] }),
  );
  await writeConnectFile(
    folder,
    "12345_CLICK_20260301_101500.zip",
    connectText({ rows: 25, users: 4, start: START }),
  );
  await writeConnectFile(
    folder,
    "999_OPEN_20260301_091500.txt",
    connectText({ rows: 5, users: 2, start: START }),
  );
  await writeFile(join(folder, "readme.md"), "not a Connect file");
}

describe("runImportJob", () => {
  let env: Env;
  // The first PGlite template takes seconds to build (initdb in WebAssembly); later copies are quick.
  beforeEach(async () => {
    env = await makeEnv();
  }, 60_000);
  afterEach(async () => {
    await env.cleanup();
  });

  it("imports one file at a time across jobs that share the process's turns", async () => {
    await writeStandardFolder(env.folder);
    const turns = new FileTurns();
    const lines: string[] = [];
    const recorder = (jobId: string, base: Record<string, unknown> = {}): Logger => ({
      ...silentLogger,
      info: (msg, fields) => {
        const file = fields?.file ?? base.file;
        lines.push(`${jobId} ${msg}${file === undefined ? "" : ` ${String(file)}`}`);
      },
      child: (fields) => recorder(jobId, { ...base, ...fields }),
    });
    const other = { ...job, id: "events-again" };
    const otherFiles = new FileStates(env.database, other.id);
    const [first, second] = await Promise.all([
      runImportJob(deps(env, { turns, logger: recorder("a") })),
      runImportJob(
        deps(env, {
          job: other,
          files: otherFiles,
          sink: createStoreSink({
            database: env.database,
            files: otherFiles,
            mapper,
            now: () => NOW,
            leaseTtlMs: 60_000,
          }),
          stagingDir: join(env.root, "staging-again"),
          turns,
          logger: recorder("b"),
        }),
      ),
    ]);
    expect(first.files).toMatchObject({ imported: 2, failed: 0 });
    expect(second.files).toMatchObject({ imported: 2, failed: 0 });
    // Every file's import ends before the next one starts, whichever job it belongs to.
    const imports = lines.filter((line) => / file (started|imported) /.test(line));
    expect(imports).toHaveLength(8);
    for (let at = 0; at < imports.length; at += 2) {
      expect(imports[at]).toMatch(/ file started /);
      expect(imports[at + 1]).toBe((imports[at] ?? "").replace("file started", "file imported"));
    }
    expect(lines.some((line) => line.includes("file waits for another job's import to finish"))).toBe(true);
  });

  it("stops a run waiting for its turn when shutdown is asked, leasing nothing", async () => {
    await writeStandardFolder(env.folder);
    const turns = new FileTurns();
    const held = await turns.take();
    const shutdown = new AbortController();
    const waiting = runImportJob(deps(env, { turns, signal: shutdown.signal }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    shutdown.abort();
    const summary = await waiting;
    held?.();
    expect(summary).toMatchObject({ interrupted: true, files: { imported: 0, failed: 0 } });
    expect(await env.files.list()).toEqual([]);
  });

  it("imports plain and zipped files, skips others, keeps bad rows, and maps profiles", async () => {
    await writeStandardFolder(env.folder);
    const summary = await runImportJob(deps(env));
    expect(summary).toMatchObject({
      jobId: "events",
      files: { seen: 4, imported: 2, skipped: 2, failed: 0 },
      rows: 65,
      events: 63,
      rejected: 2,
      errors: [],
      interrupted: false,
    });

    const rejected = await env.database.query<{ line: number; reason: string; path: string }>(
      "SELECT r.line, r.reason, f.path FROM rejected_rows r JOIN import_files f ON f.id = r.file_id ORDER BY r.line",
    );
    expect(rejected).toEqual([
      { line: 5, reason: "expected 11 columns, found 10", path: "/download/12345_OPEN_20260301_091500.txt" },
      {
        line: 12,
        reason: expect.stringContaining("EVENT_CAPTURED_DT"),
        path: "/download/12345_OPEN_20260301_091500.txt",
      },
    ]);
    const [{ count }] = (await env.database.query<{ count: number }>(
      "SELECT count(*)::int AS count FROM event_data",
    )) as [{ count: number }];
    expect(count).toBe(63);

    // User 0 (RIID 1000): opens at rows 0, 6, 12, … of 40 minus none rejected (3 and 10 are users 3 and 4).
    const profile = await findProfile(env.database, mapper.identityFields, "1000");
    expect(profile?.key).toBe("rs_user_id:1000");
    expect(profile?.profile).toMatchObject({
      rs_user_id: "1000",
      email: "user0@example.com",
      email_open_ct: 7,
      email_click_ct: 7,
      email_first_open_ts: "2026-03-01T09:00:00.000Z",
    });
    expect(await findProfile(env.database, mapper.identityFields, "USER0@example.com")).toEqual(profile);
    expect(await findProfile(env.database, mapper.identityFields, "nobody@example.com")).toBeUndefined();
    expect((await exportAll(env.database)).length).toBe(6);
  });

  it("reports the rows phase by the plaintext read, and the profiles phase by the parts written", async () => {
    // ~600 KB: the reader takes it in several reads of 256 KiB.
    const name = "12345_OPEN_20260301_091500.txt";
    await writeConnectFile(env.folder, name, connectText({ rows: 4000, users: 50, start: START }));
    const size = (await stat(join(env.folder, name))).size;
    const reports: ImportProgress[] = [];
    await runImportJob(
      deps(env, { chunkSize: 500, partBytes: 64 * 1024, onProgress: (p) => reports.push(p) }),
    );
    for (const phase of ["rows", "profiles"] as const) {
      const done = reports.filter((p) => p.phase === phase).map((p) => p.bytesDone);
      expect(reports.filter((p) => p.phase === phase).every((p) => p.bytesTotal === size)).toBe(true);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(done.some((bytes) => bytes > 0 && bytes < size)).toBe(true);
      expect(done.at(-1)).toBe(size);
    }
  });

  it("skips imported files on the next run and counts nothing twice", async () => {
    await writeStandardFolder(env.folder);
    await runImportJob(deps(env));
    const before = await exportAll(env.database);
    const again = await runImportJob(deps(env));
    expect(again.files).toEqual({ seen: 4, imported: 0, skipped: 4, failed: 0 });
    expect(again.rows).toBe(0);
    expect(await exportAll(env.database)).toEqual(before);
  });

  it("fails a broken file alone, reports it, and retries it on the next run", async () => {
    await writeStandardFolder(env.folder);
    await writeFile(
      join(env.folder, "12345_OPEN_20260301_121500.zip"),
      "PK\u0003\u0004 this is not really a zip",
    );
    const first = await runImportJob(deps(env));
    expect(first.files).toEqual({ seen: 5, imported: 2, skipped: 2, failed: 1 });
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0]?.file).toBe("/download/12345_OPEN_20260301_121500.zip");
    expect(first.errors[0]?.message).not.toBe("");

    const second = await runImportJob(deps(env));
    expect(second.files).toEqual({ seen: 5, imported: 0, skipped: 4, failed: 1 });
    const states = await env.files.list();
    const broken = states.find((f) => f.name === "12345_OPEN_20260301_121500.zip");
    expect(broken?.state).toBe("failed");
    expect(broken?.attempts).toBe(2);
    expect(broken?.error).toContain(first.errors[0]?.code ?? "?");

    // Fixed on the server (a new version): imported.
    await writeConnectFile(
      env.folder,
      "12345_OPEN_20260301_121500.zip",
      connectText({ rows: 3, users: 1, start: START }),
      new Date("2026-03-01T13:00:00Z"),
    );
    const third = await runImportJob(deps(env));
    expect(third.files.imported).toBe(1);
    expect(third.files.failed).toBe(0);
  });

  it("fails a file the staging disk cannot hold before downloading any of it, and imports the others", async () => {
    await writeStandardFolder(env.folder);
    // A sparse file as big as the staging disk's free space: imported by user, it needs twice that.
    const stagingDir = join(env.root, "staging");
    await mkdir(stagingDir, { recursive: true });
    const disk = await statfs(stagingDir);
    const huge = join(env.folder, "12345_OPEN_20260302_091500.txt");
    await writeFile(huge, "");
    await truncate(huge, disk.bavail * disk.bsize);

    const run = await runImportJob(deps(env));
    expect(run.files).toEqual({ seen: 5, imported: 2, skipped: 2, failed: 1 });
    expect(run.errors).toEqual([
      {
        file: "/download/12345_OPEN_20260302_091500.txt",
        code: "STAGING_DISK_FULL",
        message: expect.stringMatching(
          new RegExp(
            `^the staging folder ${stagingDir} has [\\d,]+ MB free, and importing 12345_OPEN_20260302_091500\\.txt \\([\\d,]+ MB\\) takes up to [\\d,]+ MB there`,
          ),
        ),
      },
    ]);
    expect((await readdir(stagingDir)).filter((name) => name.startsWith("12345_OPEN_20260302"))).toEqual([]);
    expect((await env.files.list()).find((f) => f.name === "12345_OPEN_20260302_091500.txt")).toMatchObject({
      state: "failed",
      error: expect.stringContaining("STAGING_DISK_FULL"),
    });
  });

  // A file by user is written in two stages: rows by line, then profiles by part. A shutdown
  // after the third write of either stage must resume to the same result.
  it.each([
    {
      stage: "rows",
      paused: { checkpointLine: 22, partsDone: 0, rows: 21 },
      reason: "resumes with rows to line 22, 0 of 10 profile parts committed",
    },
    {
      stage: "profiles",
      paused: { checkpointLine: 41, partsDone: 3, rows: 40 },
      reason: "resumes with rows to line 41, 3 of 10 profile parts committed",
    },
  ])(
    "resumes after a shutdown while writing $stage with the same profiles as an uninterrupted run",
    async ({ stage, paused, reason }) => {
      await writeStandardFolder(env.folder);
      const reference = await makeEnv();
      try {
        await writeStandardFolder(reference.folder);
        await runImportJob(deps(reference));

        const base = deps(env);
        const stopped = await runImportJob({ ...base, ...stopAfterThird(storeSink(env), stage) });
        expect(stopped.interrupted).toBe(true);
        expect(stopped.files.imported).toBe(0);
        expect(stopped.rows).toBe(paused.rows);
        expect((await env.files.list())[0]).toMatchObject({
          state: "importing",
          parts: 10,
          leaseHolder: null,
          ...paused,
        });
        const listed = await listFiles(base.source, job, env.files, NOW);
        expect(listed.find((f) => f.state === "importing")).toMatchObject({
          path: "/download/12345_OPEN_20260301_091500.txt",
          reason,
        });
        expect(listed.filter((f) => f.state === "new").map((f) => f.path)).toEqual([
          "/download/12345_CLICK_20260301_101500.zip",
        ]);

        const resumed = await runImportJob(deps(env));
        expect(resumed.files.imported).toBe(2);
        expect(stopped.rows + resumed.rows).toBe(65);
        expect(await exportAll(env.database)).toEqual(await exportAll(reference.database));
        const counters = (rows: Awaited<ReturnType<FileStates["list"]>>) =>
          rows.map((f) => [f.name, f.rows, f.events, f.rejected]);
        expect(counters(await env.files.list())).toEqual(counters(await reference.files.list()));
        const events =
          "SELECT f.name, d.line, d.data FROM event_data d JOIN import_files f ON f.id = d.file_id ORDER BY f.name, d.line";
        expect(await env.database.query(events)).toEqual(await reference.database.query(events));
      } finally {
        await reference.cleanup();
      }
    },
  );

  it("finishes a file an earlier version left half-done, its events written by line up to its checkpoint", async () => {
    await writeStandardFolder(env.folder);
    const reference = await makeEnv();
    try {
      await writeStandardFolder(reference.folder);
      await runImportJob(deps(reference));

      // Stopped after 3 of the 10 parts of the first file, with every row written.
      await runImportJob({ ...deps(env), ...stopAfterThird(storeSink(env), "profiles") });
      // An earlier version had written all those rows' events to `events`, one row each, and had
      // no user_events; migration 5 then marked how far they go.
      type Row = {
        file_id: number;
        line: number;
        profile_key: string;
        event: string;
        ts: Date;
        data: string;
      };
      const [{ id }] = (await env.database.query<{ id: number }>(
        "SELECT id FROM import_files WHERE state = 'importing'",
      )) as [{ id: number }];
      const rows = await reference.database.query<Row>(
        "SELECT $1::int AS file_id, line, profile_key, event, ts, data::text AS data FROM event_data d JOIN import_files f ON f.id = d.file_id WHERE f.name = $2",
        [id, "12345_OPEN_20260301_091500.txt"],
      );
      expect(rows).toHaveLength(38);
      await env.database.query("DELETE FROM user_events");
      await env.database.query(
        "INSERT INTO events (file_id, line, profile_key, event, ts, data) SELECT * FROM json_populate_recordset(NULL::events, $1::json)",
        [JSON.stringify(rows)],
      );
      await env.database.query(
        "UPDATE import_files SET event_rows_through = checkpoint_line WHERE state <> 'imported'",
      );
      expect((await env.files.list())[0]).toMatchObject({
        checkpointLine: 41,
        partsDone: 3,
        eventRowsThrough: 41,
      });

      const resumed = await runImportJob(deps(env));
      expect(resumed.files.imported).toBe(2);
      expect(await exportAll(env.database)).toEqual(await exportAll(reference.database));
      // Each event once: the first file's from `events`, the second's from user_events.
      const events =
        "SELECT f.name, d.line, d.profile_key, d.event, d.ts, d.data FROM event_data d JOIN import_files f ON f.id = d.file_id ORDER BY f.name, d.line";
      expect(await env.database.query(events)).toEqual(await reference.database.query(events));
      expect(
        await env.database.query(
          "SELECT DISTINCT f.name FROM user_events u JOIN import_files f ON f.id = u.file_id",
        ),
      ).toEqual([{ name: "12345_CLICK_20260301_101500.zip" }]);
    } finally {
      await reference.cleanup();
    }
  });

  it.each(["rows", "profiles"])(
    "resumes after a crash inside a transaction writing %s without double counting",
    async (stage) => {
      await writeStandardFolder(env.folder);
      const base = deps(env);
      const sink = storeSink(env);
      let writes = 0;
      // The fourth write dies half-way: it must leave no trace.
      const crashOnFourth =
        (write: ChunkWrite): ChunkWrite =>
        async (lease, signal) => {
          if (++writes === 4) {
            await env.database.transaction(async (tx) => {
              await tx.query("UPDATE profiles SET profile = '{}'");
              await tx.query("DELETE FROM user_events");
              throw new Error("process killed");
            });
          }
          return write(lease, signal);
        };
      const crashing = wrapWrites(sink, stage, crashOnFourth);
      const crashed = await runImportJob({ ...base, sink: crashing });
      expect(crashed.files.failed).toBe(1);
      expect(crashed.errors[0]?.message).toBe("process killed");

      const rerun = await runImportJob(deps(env));
      expect(rerun.files).toMatchObject({ imported: 1, failed: 0 });
      const opens = await findProfile(env.database, mapper.identityFields, "1000");
      expect(opens?.profile).toMatchObject({ email_open_ct: 7, email_click_ct: 7 });
      const [{ count }] = (await env.database.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM event_data",
      )) as [{ count: number }];
      expect(count).toBe(63);
    },
  );

  // With one fold worker, the main thread folds every third part (index 2, 5, …) itself.
  it.each([
    ["its fold worker", 3],
    ["the main thread", 2],
  ])(
    "fails a file alone when %s cannot fold a part, and finishes it from its part checkpoint",
    async (_who, index) => {
      await writeStandardFolder(env.folder);
      const sink = storeSink(env, 1);
      let lost: string | undefined;
      // The part's file vanishes before it is read (a disk fault, a cleaner).
      const faulty: UserSink = {
        ...sink,
        preparePart: async (part) => {
          if (part.index === index && lost === undefined) {
            lost = part.path;
            await rm(part.path);
          }
          return sink.preparePart(part);
        },
      };
      const failed = await runImportJob({ ...deps(env), sink: faulty });
      expect(failed.files).toMatchObject({ seen: 4, imported: 1, skipped: 2, failed: 1 });
      expect(failed.errors[0]).toMatchObject({
        code: "IMPORT_FAILED",
        message: expect.stringContaining(`cannot fold ${lost}: ENOENT`),
      });
      const [state] = (await env.files.list()).filter((file) => file.state === "failed");
      expect(state).toMatchObject({ partsDone: index });

      const rerun = await runImportJob({ ...deps(env), sink: storeSink(env, 1) });
      expect(rerun.files).toMatchObject({ imported: 1, failed: 0 });
      // The same profiles as an import that never failed (folded on the main thread alone): the
      // parts committed before the fault are not folded again.
      const reference = await makeEnv();
      try {
        await writeStandardFolder(reference.folder);
        await runImportJob(deps(reference));
        expect(await exportAll(env.database)).toEqual(await exportAll(reference.database));
        expect((await exportAll(env.database)).length).toBeGreaterThan(0);
      } finally {
        await reference.cleanup();
      }
      const [{ count }] = (await env.database.query<{ count: number }>(
        "SELECT count(*)::int AS count FROM event_data",
      )) as [{ count: number }];
      expect(count).toBe(63);
    },
  );

  it("finishes a file an older runner left half-done by line (profiles committed with its rows)", async () => {
    const name = "12345_OPEN_20260301_091500.txt";
    const text = connectText({ rows: 30, users: 5, start: START });
    const reference = await makeEnv();
    try {
      await writeConnectFile(reference.folder, name, text);
      await runImportJob(deps(reference));

      // An older runner imported lines 1-13 with their profiles and checkpointed line 13: a file
      // holding just those lines, imported, then made the half-done state of the whole file.
      const head = `${text.split("\n").slice(0, 13).join("\n")}\n`;
      await writeConnectFile(env.folder, name, head);
      await runImportJob(deps(env));
      const path = await writeConnectFile(env.folder, name, text);
      const { size } = await stat(path);
      // Older runners kept each event as a row of `events` holding a JSON object, and no columns.
      await env.database.query(
        "INSERT INTO events (file_id, line, profile_key, event, ts, data) SELECT file_id, line, profile_key, event, ts, data::text FROM event_data",
      );
      await env.database.query("DELETE FROM user_events");
      await env.database.query(
        "UPDATE import_files SET size = $1, state = 'importing', checkpoint_line = 13, parts = NULL, parts_done = 0, columns = NULL, event_rows_through = 13",
        [size],
      );
      expect(
        await env.database.query("SELECT count(*)::int AS count FROM events WHERE data LIKE '{%'"),
      ).toEqual([{ count: 12 }]);

      const resumed = await runImportJob(deps(env));
      expect(resumed.files.imported).toBe(1);
      expect(resumed.rows).toBe(30 - 12);
      expect(await exportAll(env.database)).toEqual(await exportAll(reference.database));
      const eventCount = "SELECT count(*)::int AS count FROM event_data";
      expect(await env.database.query(eventCount)).toEqual([{ count: 30 }]);
      // Both kinds of rows read back as the same events an uninterrupted import gives.
      const events = "SELECT line, data FROM event_data ORDER BY line";
      expect(await env.database.query(events)).toEqual(await reference.database.query(events));
    } finally {
      await reference.cleanup();
    }
  });

  it("keeps a user with many events as one row of user_events, larger than a page, read back event by event", async () => {
    // 400 events of one user: a row of ~100 KB, which PostgreSQL stores out of line, compressed.
    await writeConnectFile(
      env.folder,
      "12345_OPEN_20260301_091500.txt",
      connectText({ rows: 400, users: 1, start: START }),
    );
    const run = await runImportJob(deps(env));
    expect(run).toMatchObject({ events: 400, rejected: 0 });
    const [row] = await env.database.query<{ bytes: number; stored: number }>(
      "SELECT octet_length(data) AS bytes, pg_column_size(data) AS stored FROM user_events",
    );
    expect(row?.bytes).toBeGreaterThan(8160);
    expect(row?.stored).toBeLessThan(row?.bytes ?? 0);
    const events = await env.database.query<{ line: number; launch_id: string; ts: Date }>(
      "SELECT line, data->>'launch_id' AS launch_id, ts FROM event_data ORDER BY line",
    );
    expect(events.map((event) => event.line)).toEqual(Array.from({ length: 400 }, (_, i) => i + 2));
    expect(events[399]).toMatchObject({ launch_id: String(500 + (399 % 3)) });
    expect(new Date(events[399]?.ts ?? 0).getTime()).toBe(START.getTime() + 399 * 60_000);
    expect((await findProfile(env.database, mapper.identityFields, "1000"))?.profile).toMatchObject({
      email_open_ct: 400,
    });
  });

  it("takes over at once a file whose runner died, in an embedded database", async () => {
    await writeConnectFile(
      env.folder,
      "12345_OPEN_20260301_091500.txt",
      connectText({ rows: 5, users: 2, start: START }),
    );
    const [remote] = await new FolderSource(join(env.root, "sftp")).list("/download");
    if (remote === undefined) throw new Error("no file");
    // A runner took the lease at NOW and died without a word (killed): nobody else can be using
    // an embedded database, so the next run does not wait for the lease to run out.
    const dead = await env.files.acquire({ ...remote, accountId: "12345" }, "runner-dead", NOW, 60_000);
    expect(dead.acquired).toBe(true);

    const next = await runImportJob(deps(env, { now: () => new Date(NOW.getTime() + 1_000) }));
    expect(next.files).toEqual({ seen: 1, imported: 1, skipped: 0, failed: 0 });
    expect((await env.files.list())[0]).toMatchObject({
      state: "imported",
      attempts: 2,
      rows: 5,
      leaseHolder: null,
    });
  });

  it("sends events to the Lytics sink and never resends an imported file", async () => {
    await writeStandardFolder(env.folder);
    const posted: number[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (part: Buffer) => {
        body += part.toString("utf8");
      });
      req.on("end", () => {
        posted.push(JSON.parse(body).length);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const sink = createLyticsSink({
        url: `http://127.0.0.1:${port}`,
        stream: "responsys_events",
        apiToken: "t",
        database: env.database,
        files: env.files,
        now: () => NOW,
        leaseTtlMs: 60_000,
      });
      const first = await runImportJob(deps(env, { sink }));
      expect(first.files).toMatchObject({ imported: 2, failed: 0 });
      expect(posted.reduce((a, b) => a + b, 0)).toBe(63);
      const again = await runImportJob(deps(env, { sink }));
      expect(again.files.imported).toBe(0);
      expect(posted.reduce((a, b) => a + b, 0)).toBe(63);
      // The Lytics sink writes no profiles: Lytics maps the events itself.
      expect(await exportAll(env.database)).toEqual([]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
