import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RUNNER_ENV, RUNNER_V8_FLAGS } from "@responsys-bridge/batch-runner/node-settings";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { statePaths } from "./local-state.ts";
import { describeLogLine, runnerCommand, writeRunnerConfig } from "./runner.ts";

describe("runner config and logs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "runner-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("pins the SFTP host key and names every secret by file, never inline", async () => {
    const paths = statePaths(dir);
    await writeRunnerConfig(paths, {
      sftpPort: 2222,
      hostKeyFingerprint: "SHA256:abc+/def",
      schedule: "*/15 * * * *",
    });
    const text = await readFile(paths.runnerConfig, "utf8");
    const config: unknown = parse(text);
    expect(config).toMatchObject({
      database: "pglite:./data",
      jobs: [
        {
          id: "responsys-events",
          delimiter: "|",
          sink: { type: "store" },
          mapping: "default",
          authorization: {
            type: "responsys_sftp_pgp",
            host: "127.0.0.1",
            port: 2222,
            username: "connect",
            privateKey: { file: "./keys/sftp_client_ed25519" },
            hostKey: "SHA256:abc+/def",
            folder: "/download",
            pgpPrivateKey: { file: "./keys/connect-dev.asc" },
            pgpPassphrase: { file: "./keys/connect-dev.passphrase" },
          },
        },
      ],
    });
    expect(text).not.toMatch(/insecureAcceptAnyHostKey/);
  });

  it.each([
    [
      '{"time":"2026-11-26T21:00:00.000Z","level":"info","msg":"file imported","job":"responsys-events","file":"/download/a.gpg","rows":12}',
      "file imported file=/download/a.gpg rows=12",
    ],
    [
      '{"time":"2026-11-26T21:00:00.000Z","level":"warn","msg":"file failed","reason":{"code":"PGP_BAD_KEY"}}',
      'WARN file failed reason={"code":"PGP_BAD_KEY"}',
    ],
    [
      '{"time":"2026-11-26T21:00:00.000Z","level":"info","msg":"file started","file":"/download/a.gpg"}',
      undefined,
    ],
    [
      "error: DATABASE_LOCKED: the embedded database is in use",
      "error: DATABASE_LOCKED: the embedded database is in use",
    ],
  ])("shows %s as %j", (line, shown) => {
    expect(describeLogLine(line)).toBe(shown);
  });

  it("starts runner commands with the runner's own Node settings, its source run by Node itself", () => {
    const { command, args, env } = runnerCommand("/repo", ["run", "responsys-events"]);
    expect(command).toBe(process.execPath);
    expect(args).toEqual([
      ...RUNNER_V8_FLAGS,
      "/repo/apps/batch-runner/src/cli.ts",
      "run",
      "responsys-events",
    ]);
    expect(env).toMatchObject(RUNNER_ENV);
  });
});
