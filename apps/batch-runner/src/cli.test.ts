import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { BridgeError } from "@responsys-bridge/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.ts";
import { runCliCaptured } from "./jobs/test-cli.ts";
import { connectText, writeConnectFile } from "./jobs/test-connect-files.ts";
import { FolderSource } from "./sftp/folder-source.ts";
import { type Database, openDatabase } from "./store/database.ts";
import { makeTestDatabaseDir } from "./store/test-database.ts";

const START = new Date("2026-03-01T09:00:00Z");
const BIN = join(__dirname, "..", "bin", "batch-runner.mjs");

/** Resolves to "late" after `ms`, so a test that waits in vain still cleans up. */
function later(ms: number): Promise<string> {
  return new Promise((done) => setTimeout(() => done("late"), ms).unref());
}

/** SIGKILLs every process whose command line names `text` (Linux: reads /proc). */
function killNaming(text: string): void {
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(text)) process.kill(Number(pid), "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
}

function config(lyticsUrl: string): string {
  return `
database: pglite:./db
jobs:
  - id: events
    type: import_activity
    schedule: "0 */6 * * *"
    authorization:
      type: responsys_sftp
      host: 127.0.0.1
      username: acme
      privateKey: { file: ./id_ed25519 }
      insecureAcceptAnyHostKey: true
      folder: /download
    accountIds: ["12345"]
  - id: to-lytics
    type: import_activity
    schedule: "0 * * * *"
    authorization:
      type: responsys_sftp
      host: 127.0.0.1
      username: acme
      privateKey: { file: ./id_ed25519 }
      hostKey: "SHA256:abc"
      folder: /download
    sink: { type: lytics, url: "${lyticsUrl}", apiToken: { env: LYTICS_TOKEN } }
`;
}

let database: Database;

function cli(argv: string[], root: string) {
  return runCliCaptured(["--config", join(root, "runner.config.yaml"), ...argv], {
    env: { LYTICS_TOKEN: "bad-token" },
    overrides: {
      connectSource: async () => new FolderSource(join(root, "sftp")),
      now: () => new Date("2026-03-02T00:00:00Z"),
      // One open database for the whole file: opening PGlite per command would cost a second each.
      database,
    },
  });
}

describe("batch-runner CLI", () => {
  let root: string;
  let cleanup: () => Promise<void>;
  let lytics: Server;

  beforeAll(async () => {
    const made = await makeTestDatabaseDir();
    root = made.root;
    cleanup = made.cleanup;
    database = await openDatabase({ kind: "pglite", dir: made.dir });
    // A collect endpoint that refuses the token: `check` must say so.
    lytics = createServer((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" }).end('{"status":401,"message":"bad token"}');
    });
    await new Promise<void>((resolve) => lytics.listen(0, "127.0.0.1", resolve));
    const { port } = lytics.address() as AddressInfo;
    await writeFile(join(root, "runner.config.yaml"), config(`http://127.0.0.1:${port}`));
    await writeFile(join(root, "id_ed25519"), "not used by the folder source");
    const folder = join(root, "sftp", "download");
    await writeConnectFile(
      folder,
      "12345_OPEN_20260301_091500.txt",
      connectText({ rows: 30, users: 5, start: START, badDateAt: [2] }),
    );
    await writeConnectFile(
      folder,
      "12345_CLICK_20260302_091500.zip",
      connectText({ rows: 10, users: 5, start: START }),
    );
    await writeConnectFile(
      folder,
      "777_OPEN_20260228_091500.txt",
      connectText({ rows: 3, users: 1, start: START }),
    );
    await writeFile(join(folder, "12345_OPEN_20260303_091500.zip"), "not a zip at all");
  }, 60_000);

  afterAll(async () => {
    lytics.close();
    await database.close();
    await cleanup();
  });

  it("prints help for every command with exit 0", async () => {
    for (const command of ["start", "run", "accounts", "files", "profile", "export-profiles", "check"]) {
      const { code, stdout } = await cli([command, "--help"], root);
      expect(code).toBe(0);
      expect(stdout).toContain(`batch-runner ${command}`);
    }
    expect((await cli(["--help"], root)).stdout).toContain("Exit codes");
    expect((await cli(["frobnicate"], root)).code).toBe(2);
    expect((await cli(["run"], root)).code).toBe(2);
  });

  it("lists accounts detected in the folder", async () => {
    const { code, stdout } = await cli(["accounts", "events", "--json"], root);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        accountId: "12345",
        files: 3,
        firstExportAt: "2026-03-01T09:15:00.000Z",
        lastExportAt: "2026-03-03T09:15:00.000Z",
        selected: true,
      },
      {
        accountId: "777",
        files: 1,
        firstExportAt: "2026-02-28T09:15:00.000Z",
        lastExportAt: "2026-02-28T09:15:00.000Z",
        selected: false,
      },
    ]);
  });

  it("runs a job: --json summary, exit 1 for the broken file, then files, profile and export", async () => {
    const run = await cli(["run", "events", "--json"], root);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      jobId: "events",
      files: { seen: 4, imported: 2, skipped: 1, failed: 1 },
      rows: 40,
      events: 39,
      rejected: 1,
    });
    expect(Object.keys(summary).sort()).toEqual([
      "durationMs",
      "errors",
      "events",
      "files",
      "jobId",
      "rejected",
      "rows",
    ]);
    expect(summary.errors).toEqual([
      expect.objectContaining({ file: "/download/12345_OPEN_20260303_091500.zip" }),
    ]);
    // JSON log lines on stderr (no TTY), none of them carrying a secret.
    const logs = run.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(logs.some((l) => l.msg === "file imported")).toBe(true);
    expect(logs.every((l) => l.insecureAcceptAnyHostKey === true)).toBe(true);
    expect(run.stderr).not.toContain("not used by the folder source");

    const files = await cli(["files", "events", "--json"], root);
    expect(files.code).toBe(1);
    const states = Object.fromEntries(
      JSON.parse(files.stdout).map((f: { path: string; state: string }) => [f.path, f.state]),
    );
    expect(states).toEqual({
      "/download/777_OPEN_20260228_091500.txt": "skipped",
      "/download/12345_OPEN_20260301_091500.txt": "imported",
      "/download/12345_CLICK_20260302_091500.zip": "imported",
      "/download/12345_OPEN_20260303_091500.zip": "failed",
    });
    const text = await cli(["files", "events"], root);
    expect(text.stdout).toMatch(/failed\s+\/download\/12345_OPEN_20260303_091500\.zip.*\S/);
    expect(text.stdout).toMatch(
      /skipped\s+\/download\/777_OPEN_20260228_091500\.txt.*account 777 is not in accountIds/,
    );

    const profile = await cli(["profile", "1000"], root);
    expect(profile.code).toBe(0);
    expect(JSON.parse(profile.stdout)).toMatchObject({
      rs_user_id: "1000",
      email_open_ct: 6,
      email_click_ct: 2,
    });
    expect(JSON.parse((await cli(["profile", "user1@example.com"], root)).stdout)).toMatchObject({
      rs_user_id: "1001",
    });
    const missing = await cli(["profile", "nobody@example.com"], root);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no profile");

    const ndjson = await cli(["export-profiles"], root);
    const lines = ndjson.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.key)).toEqual([
      "rs_user_id:1000",
      "rs_user_id:1001",
      "rs_user_id:1002",
      "rs_user_id:1003",
      "rs_user_id:1004",
    ]);
    const array = await cli(["export-profiles", "--format", "json"], root);
    expect(JSON.parse(array.stdout)).toEqual(lines);
    expect((await cli(["export-profiles", "--format", "xml"], root)).code).toBe(2);

    const again = await cli(["run", "events"], root);
    expect(again.stdout).toContain("0 imported, 3 skipped, 1 failed of 4 file(s)");
  });

  it("stops an export once the reader of its output has gone", async () => {
    const closed = new AbortController();
    const written: string[] = [];
    const code = await main(
      ["--config", join(root, "runner.config.yaml"), "export-profiles"],
      {
        stdout: (text) => {
          written.push(text);
          // As the process's own stdout does on EPIPE: the reader left after the first line.
          closed.abort();
        },
        stderr: () => {},
        env: { LYTICS_TOKEN: "t" },
        stdoutClosed: closed.signal,
      },
      { database },
    );
    expect(code).toBe(0);
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0] ?? "")).toMatchObject({ key: "rs_user_id:1000" });
  });

  it("checks each part of a job and fails on a sink that refuses the token", async () => {
    const good = await cli(["check", "events"], root);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^ok {3}config:/m);
    expect(good.stdout).toContain("host key NOT verified");
    expect(good.stdout).toMatch(/^ok {3}folder: \/download lists 4 file\(s\)/m);
    expect(good.stdout).toMatch(/^ok {3}sink: store/m);

    const bad = await cli(["check", "to-lytics"], root);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toMatch(/^FAIL sink: LYTICS_UNAUTHORIZED: Lytics collect answered 401/m);
  });

  it("exits 2 when the folder cannot be reached", async () => {
    const result = await runCliCaptured(["run", "events", "--config", join(root, "runner.config.yaml")], {
      env: { LYTICS_TOKEN: "t" },
      overrides: {
        database,
        connectSource: async () => {
          throw new BridgeError({
            code: "SFTP_CONNECT_FAILED",
            message: "connect ECONNREFUSED 127.0.0.1:22",
          });
        },
      },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("SFTP_CONNECT_FAILED: connect ECONNREFUSED");
  });

  it("exits 2 naming the key of a config error", async () => {
    await writeFile(
      join(root, "broken.yaml"),
      "jobs:\n  - id: x\n    type: import_activity\n    schedule: nope\n",
    );
    const { code, stderr } = await runCliCaptured(["run", "x", "--config", join(root, "broken.yaml")]);
    expect(code).toBe(2);
    expect(stderr).toContain("jobs[0].schedule: not a valid cron expression");
    expect(stderr).toContain("jobs[0].authorization: required");
  });

  it("start schedules every job and exits 0 on a shutdown signal", async () => {
    const { code, stderr } = await runCliCaptured(["start", "--config", join(root, "runner.config.yaml")], {
      env: { LYTICS_TOKEN: "t" },
      shutdownRequested: Promise.resolve("SIGTERM"),
      overrides: { database, connectSource: async () => new FolderSource(join(root, "sftp")) },
    });
    expect(code).toBe(0);
    const logs = stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(logs.filter((l) => l.msg === "job scheduled").map((l) => [l.job, l.schedule])).toEqual([
      ["events", "0 */6 * * *"],
      ["to-lytics", "0 * * * *"],
    ]);
    expect(logs.at(-1)).toMatchObject({ msg: "stopped" });
    // The job with an unpinned host key says so on its lines.
    expect(logs.find((l) => l.job === "events")).toMatchObject({ insecureAcceptAnyHostKey: true });
  });

  it("runs as a process through the bin shim", { timeout: 30_000 }, () => {
    const result = spawnSync(process.execPath, [BIN, "run", "x", "--config", join(root, "missing.yaml")], {
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("cannot read config file");
  });
});

describe("batch-runner as a process", () => {
  // A supervisor that started `npx batch-runner start` signals npm alone; npm passes the signal to
  // the shell it runs the command in, and that shell dies without passing it on (see the shim).
  it.each([
    ["npx batch-runner", "npx", ["batch-runner"]],
    ["npm run runner", "npm", ["run", "runner", "--"]],
  ])("stops gracefully when only %s gets SIGTERM", { timeout: 60_000 }, async (_name, command, args) => {
    const made = await makeTestDatabaseDir();
    const configPath = join(made.root, "runner.config.yaml");
    try {
      await writeFile(configPath, config("http://127.0.0.1:9"));
      await writeFile(join(made.root, "id_ed25519"), "not used by start until a job's time comes");
      const npm = spawn(command, [...args, "start", "--config", configPath], {
        cwd: join(__dirname, "..", "..", ".."),
        stdio: ["ignore", "ignore", "pipe"],
        env: { ...process.env, LYTICS_TOKEN: "t" },
      });
      let stderr = "";
      // Closed once every process writing to it (the runner too, not only npm) has ended.
      const closed = once(npm.stderr, "close").then(() => "closed");
      const scheduled = new Promise<string>((done) => {
        npm.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
          if (stderr.split('"msg":"job scheduled"').length > 2) done("scheduled");
        });
      });
      expect(await Promise.race([scheduled, closed, later(30_000)])).toBe("scheduled");
      npm.kill("SIGTERM");
      expect(await Promise.race([closed, later(20_000)]), stderr).toBe("closed");
      const logs = stderr
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { msg: string });
      expect(logs.map((line) => line.msg)).toContain("shutting down: finishing the current write");
      expect(logs.at(-1)).toMatchObject({ msg: "stopped" });
    } finally {
      // A runner the signal never reached would hold the database open.
      killNaming(made.root);
      await made.cleanup();
    }
  });

  it("ends quietly, exit 0, when its output's reader leaves early", { timeout: 60_000 }, async () => {
    const made = await makeTestDatabaseDir();
    try {
      const seeded = await openDatabase({ kind: "pglite", dir: made.dir });
      // Far more than a pipe holds (64 KiB), so writes go on after the reader has gone.
      await seeded.query(
        `INSERT INTO profiles (key, profile, updated_at)
         SELECT 'email:user' || g || '@example.com', '{"email":"user' || g || '@example.com","note":"' || repeat('x', 200) || '"}', now()
         FROM generate_series(1, 3000) AS g`,
      );
      await seeded.close();
      await writeFile(join(made.root, "runner.config.yaml"), config("http://127.0.0.1:9"));
      await writeFile(join(made.root, "id_ed25519"), "not used by export-profiles");
      const child = spawn(
        process.execPath,
        [BIN, "export-profiles", "--config", join(made.root, "runner.config.yaml")],
        {
          stdio: ["ignore", "pipe", "pipe"],
          env: { ...process.env, LYTICS_TOKEN: "t" },
        },
      );
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = once(child, "exit") as Promise<[number | null]>;
      // Read the first chunk, then close our end, as `| head -1` does.
      const first = await Promise.race([
        once(child.stdout, "data").then(([chunk]) => String(chunk)),
        exited.then(([code]) => `exited ${code} before any output: ${stderr}`),
      ]);
      child.stdout.destroy();
      const [code] = await exited;
      expect(first).toContain('"key":"email:user');
      expect(stderr).toBe("");
      expect(code).toBe(0);
    } finally {
      await made.cleanup();
    }
  });
});
