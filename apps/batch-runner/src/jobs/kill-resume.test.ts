import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SshdServer, startSshd } from "../../test/support/sshd.ts";
import { openDatabase } from "../store/database.ts";
import { startTestPostgres, type TestPostgres } from "../store/test-postgres.ts";
import { connectText, writeConnectFile } from "./test-connect-files.ts";

const START = new Date("2026-03-01T09:00:00Z");
const BIN = join(__dirname, "..", "..", "bin", "batch-runner.mjs");
// Enough rows for several batches of rows and several parts of profiles (the runner's defaults).
const ROWS = 60_000;

/**
 * The runner as users run it, a process of its own (bin shim, real sshd, real PostgreSQL), killed
 * with SIGKILL in each stage of a file and run again: the result must be what one uninterrupted
 * run gives.
 */
describe("batch-runner killed mid-import (SIGKILL) and run again", () => {
  let sshd: SshdServer;
  let server: TestPostgres;
  let admin: pg.Pool;
  let root: string;

  const databaseUrl = (name: string) => server.url.replace(/\/postgres$/, `/${name}`);
  const configFor = (name: string, database = databaseUrl(name)) => `
database: ${database}
jobs:
  - id: events
    type: import_activity
    schedule: "0 */6 * * *"
    authorization:
      type: responsys_sftp
      host: 127.0.0.1
      port: ${sshd.port}
      username: ${sshd.username}
      privateKey: { file: ./ssh_key }
      hostKey: "${sshd.hostKeyFingerprint}"
      folder: ${sshd.filesDir}
    delimiter: "|"
`;

  /** `batch-runner run events` into PostgreSQL database `name`, or PGlite folder `name`. */
  async function startRun(name: string, embedded = false): Promise<ChildProcess> {
    if (!embedded) await admin.query(`CREATE DATABASE ${name}`).catch(() => {});
    const configPath = join(root, `${name}.yaml`);
    await writeFile(configPath, configFor(name, embedded ? `pglite:./${name}` : undefined));
    // A process group of its own: the shim starts the runner as a child, and SIGKILL cannot be
    // passed on, so the kill goes to the group (as a supervisor's kill -9 of the service would).
    return spawn(process.execPath, [BIN, "run", "events", "--config", configPath], {
      stdio: ["ignore", "ignore", "ignore"],
      detached: true,
    });
  }

  function exited(child: ChildProcess): Promise<number | null> {
    return new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
      else child.once("exit", (code) => resolve(code));
    });
  }

  async function query<T>(name: string, text: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: databaseUrl(name) });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  }

  const state = (name: string) =>
    query<{ state: string; checkpoint_line: number; parts: number | null; parts_done: number }>(
      name,
      "SELECT state, checkpoint_line, parts, parts_done FROM import_files",
    ).catch(() => []);

  const outcome = async (name: string) => ({
    profiles: await query(name, "SELECT key, profile FROM profiles ORDER BY key"),
    files: await query(name, "SELECT state, rows, events, rejected FROM import_files"),
    events: await query(name, "SELECT count(*)::int AS n, count(DISTINCT line)::int AS lines FROM events"),
    // Every event as an object: a resume that shifted the file's columns would change them.
    eventData: await query(
      name,
      "SELECT md5(string_agg(line || ' ' || data::text, E'\\n' ORDER BY line)) AS digest FROM event_data",
    ),
    rejected: await query(name, "SELECT line, reason FROM rejected_rows ORDER BY line"),
  });

  beforeAll(async () => {
    [sshd, server] = await Promise.all([startSshd(), startTestPostgres()]);
    admin = new pg.Pool({ connectionString: server.url, max: 1 });
    root = await mkdtemp(join(tmpdir(), "kill-resume-"));
    await writeFile(join(root, "ssh_key"), sshd.privateKey);
    await writeConnectFile(
      sshd.filesDir,
      "12345_OPEN_20260301_091500.txt",
      connectText({ rows: ROWS, users: 6_000, start: START, delimiter: "|", badDateAt: [5, 30_000] }),
    );
    const reference = await startRun("reference");
    expect(await exited(reference)).toBe(0);
  }, 180_000);

  afterAll(async () => {
    await admin?.end();
    await Promise.all([sshd?.stop(), server?.stop(), rm(root, { recursive: true, force: true })]);
  });

  it.each([
    {
      stage: "rows",
      name: "killed_in_rows",
      when: (s: FileState) => s.checkpoint_line > 0 && s.parts_done === 0,
    },
    {
      stage: "profiles",
      name: "killed_in_profiles",
      when: (s: FileState) => s.parts !== null && s.parts_done > 0 && s.parts_done < s.parts,
    },
  ])(
    "killed while writing $stage, run again: the same profiles, rows and counters",
    { timeout: 180_000 },
    async ({ name, when }) => {
      const child = await startRun(name);
      let seen: FileState | undefined;
      while (seen === undefined && child.exitCode === null) {
        const [current] = await state(name);
        if (current !== undefined && when(current)) seen = current;
        else await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const ended = exited(child);
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      await ended;
      await groupDead(child.pid);
      expect(seen).toBeDefined();
      const [killed] = await state(name);
      expect(killed?.state).toBe("importing");

      // The dead runner's lease runs out (5 minutes) before another run may take the file over.
      await query(name, "UPDATE import_files SET lease_expires_at = now() - interval '1 second'");
      const again = await startRun(name);
      expect(await exited(again)).toBe(0);
      const resumed = await outcome(name);
      expect(resumed.files).toEqual([{ state: "imported", rows: ROWS, events: ROWS - 2, rejected: 2 }]);
      expect(resumed.events).toEqual([{ n: ROWS - 2, lines: ROWS - 2 }]);
      expect(resumed).toEqual(await outcome("reference"));
    },
  );

  it("killed while writing into the embedded database, run again: the same profiles and counters", {
    timeout: 180_000,
  }, async () => {
    const child = await startRun("embedded", true);
    const staging = join(root, ".data", "staging", "events");
    while (child.exitCode === null && !(await partsStarted(staging))) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // Into the rows (a few hundred milliseconds in): PGlite has written pages and WAL by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ended = exited(child);
    if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    await ended;
    await groupDead(child.pid);
    const dir = join(root, "embedded");
    const read = async <T>(text: string) => {
      const database = await openDatabase({ kind: "pglite", dir });
      try {
        return await database.query<T>(text);
      } finally {
        await database.close();
      }
    };
    // Killed mid-file: the stale lock file and lease are taken over without waiting.
    expect(await read("SELECT state FROM import_files")).toEqual([{ state: "importing" }]);

    const again = await startRun("embedded", true);
    expect(await exited(again)).toBe(0);
    const database = await openDatabase({ kind: "pglite", dir });
    try {
      const reference = await outcome("reference");
      expect(await database.query("SELECT key, profile FROM profiles ORDER BY key")).toEqual(
        reference.profiles,
      );
      expect(await database.query("SELECT state, rows, events, rejected FROM import_files")).toEqual(
        reference.files,
      );
      expect(await database.query("SELECT line, reason FROM rejected_rows ORDER BY line")).toEqual(
        reference.rejected,
      );
    } finally {
      await database.close();
    }
  });
});

/**
 * SIGKILL reaches the whole group at once, but the runner (the launcher's child) takes a moment to
 * die after the launcher has: its memory is torn down first. Until then it still holds its
 * database lock and connections. Waits until no process of the group is left but zombies.
 */
async function groupDead(pgid: number | undefined): Promise<void> {
  if (pgid === undefined) return;
  for (let attempt = 0; attempt < 500; attempt++) {
    let alive = false;
    for (const entry of await readdir("/proc").catch(() => [])) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
      // "pid (name) state ppid pgrp …": the fields follow the last ")", as the name may hold one.
      const [state, , group] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (group === String(pgid) && state !== "Z") alive = true;
    }
    if (!alive) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process group ${pgid} still has live processes 10 s after SIGKILL`);
}

/** The staging folder has a file's part folder: its rows are being written. */
async function partsStarted(stagingDir: string): Promise<boolean> {
  const entries = await readdir(stagingDir).catch(() => []);
  return entries.some((entry) => entry.endsWith(".parts"));
}

interface FileState {
  state: string;
  checkpoint_line: number;
  parts: number | null;
  parts_done: number;
}
