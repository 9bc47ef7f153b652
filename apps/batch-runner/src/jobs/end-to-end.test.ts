import { readFile, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGpgKeyring, type GpgKeyring } from "../../test/support/gnupg.ts";
import { type SshdServer, startSshd } from "../../test/support/sshd.ts";
import { type Database, openDatabase } from "../store/database.ts";
import { makeTestDatabaseDir } from "../store/test-database.ts";
import { runCliCaptured } from "./test-cli.ts";
import { connectText, writeConnectFile } from "./test-connect-files.ts";

const START = new Date("2026-03-01T09:00:00Z");

/** The whole runner against a real OpenSSH server and GnuPG-encrypted files, through the CLI. */
describe("batch-runner end to end (sshd + GnuPG)", () => {
  let sshd: SshdServer;
  let gpg: GpgKeyring;
  let root: string;
  let cleanup: () => Promise<void>;
  let database: Database;

  const config = (hostKey: string) => `
database: pglite:./db
jobs:
  - id: connect
    type: import_activity
    schedule: "0 */6 * * *"
    authorization:
      type: responsys_sftp_pgp
      host: 127.0.0.1
      port: ${sshd.port}
      username: ${sshd.username}
      privateKey: { file: ./ssh_key }
      hostKey: "${hostKey}"
      folder: ${sshd.filesDir}
      pgpPrivateKey: { file: ./connect.asc }
      pgpPassphrase: { env: PGP_PASSPHRASE }
    accountIds: ["12345"]
    delimiter: "|"
`;

  const cli = (argv: string[], file = "runner.config.yaml") =>
    runCliCaptured(["--config", join(root, file), ...argv], {
      env: { PGP_PASSPHRASE: gpg.passphrase },
      overrides: { database },
    });

  beforeAll(async () => {
    [sshd, gpg] = await Promise.all([
      startSshd(),
      createGpgKeyring({ algorithm: "curve25519", passphrase: "correct horse" }),
    ]);
    const made = await makeTestDatabaseDir();
    root = made.root;
    cleanup = made.cleanup;
    database = await openDatabase({ kind: "pglite", dir: made.dir });
    await writeFile(join(root, "ssh_key"), sshd.privateKey);
    await writeFile(join(root, "connect.asc"), gpg.armoredSecretKey);
    await writeFile(join(root, "runner.config.yaml"), config(sshd.hostKeyFingerprint));
    await writeFile(
      join(root, "wrong-host.yaml"),
      config("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
    );

    const plain = join(root, "plain");
    const opens = await writeConnectFile(
      plain,
      "12345_OPEN_20260301_091500.txt",
      connectText({ rows: 40, users: 4, start: START, delimiter: "|", badDateAt: [7] }),
    );
    const clicks = await writeConnectFile(
      plain,
      "12345_CLICK_20260301_101500.zip",
      connectText({ rows: 12, users: 4, start: START, delimiter: "|" }),
    );
    await gpg.encrypt(opens, join(sshd.filesDir, "12345_OPEN_20260301_091500.txt.gpg"));
    await gpg.encrypt(clicks, join(sshd.filesDir, "12345_CLICK_20260301_101500.zip.gpg"), { armor: true });
    // A truncated encrypted file: it must fail alone, with nothing of it imported.
    const broken = join(sshd.filesDir, "12345_OPEN_20260302_091500.txt.gpg");
    await gpg.encrypt(opens, broken);
    const size = (await readFile(broken)).length;
    await truncate(broken, Math.floor(size / 2));
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await Promise.all([sshd?.stop(), gpg?.dispose(), cleanup?.()]);
  });

  it("checks the job: pinned host key, folder, PGP key and passphrase", async () => {
    const good = await cli(["check", "connect"]);
    expect(good.stdout).toMatch(/^ok {3}pgp key: key [0-9A-F]+ unlocked/m);
    expect(good.stdout).toMatch(/^ok {3}sftp login: .* host key SHA256:.* matched/m);
    expect(good.stdout).toMatch(/^ok {3}folder: .* lists 3 file\(s\)/m);
    expect(good.code).toBe(0);

    const wrong = await cli(["check", "connect"], "wrong-host.yaml");
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toMatch(/^FAIL sftp login: SFTP_HOST_KEY/m);
    expect(wrong.stdout).toMatch(/^FAIL folder: not checked/m);
  }, 60_000);

  it("imports the encrypted files over SFTP and fails the truncated one alone", async () => {
    const run = await cli(["run", "connect", "--json"]);
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({
      files: { seen: 3, imported: 2, skipped: 0, failed: 1 },
      rows: 52,
      events: 51,
      rejected: 1,
    });
    expect(summary.errors[0].file).toContain("12345_OPEN_20260302_091500.txt.gpg");
    expect(summary.errors[0].code).toMatch(/^PGP_/);

    const profile = await cli(["profile", "1000"]);
    expect(JSON.parse(profile.stdout)).toMatchObject({
      rs_user_id: "1000",
      email_open_ct: 10,
      email_click_ct: 3,
    });
    const rerun = await cli(["run", "connect", "--json"]);
    expect(JSON.parse(rerun.stdout).files).toEqual({ seen: 3, imported: 0, skipped: 2, failed: 1 });
  }, 60_000);
});
