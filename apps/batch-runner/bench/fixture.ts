import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openExportLines, writeLines } from "../test/support/connect-data.ts";
import { ensureTestTools, run } from "../test/support/tools.ts";

/** Git-ignored cache of generated bench data and the bench's GnuPG home. */
export const BENCH_DIR = fileURLToPath(new URL("../.bench/", import.meta.url));

export interface BenchKeyring {
  home: string;
  email: string;
  passphrase: string;
  armoredSecretKey: string;
}

export interface BenchFixture {
  rows: number;
  users: number;
  /** The GnuPG-encrypted OPEN export (binary, gpg's default ZLIB compression). */
  encryptedPath: string;
  plaintextBytes: number;
  keyring: BenchKeyring;
}

const EMAIL = "bench@example.com";
const PASSPHRASE = "bench passphrase";

/**
 * The bench's key: made once with GnuPG's default (calibrated) S2K, as a production key would be,
 * so unlocking it costs what it costs in real runs.
 */
async function ensureKeyring(): Promise<BenchKeyring> {
  const home = path.join(BENCH_DIR, "gnupg");
  const keyFile = path.join(home, "secret-key.asc");
  if (!existsSync(keyFile)) {
    await rm(home, { recursive: true, force: true });
    await mkdir(home, { recursive: true, mode: 0o700 });
    const parameters = path.join(home, "key-parameters");
    await writeFile(
      parameters,
      [
        "Key-Type: RSA",
        "Key-Length: 3072",
        "Subkey-Type: RSA",
        "Subkey-Length: 3072",
        "Name-Real: Bridge Bench",
        `Name-Email: ${EMAIL}`,
        "Expire-Date: 0",
        `Passphrase: ${PASSPHRASE}`,
        "%commit",
        "",
      ].join("\n"),
    );
    const loopback = ["--pinentry-mode", "loopback", "--passphrase", PASSPHRASE];
    await run("gpg", ["--batch", "--quiet", "--homedir", home, ...loopback, "--gen-key", parameters]);
    const { stdout } = await run(
      "gpg",
      ["--batch", "--quiet", "--homedir", home, ...loopback, "--armor", "--export-secret-keys", EMAIL],
      { maxBuffer: 1 << 20 },
    );
    await writeFile(`${keyFile}.tmp`, stdout);
    await rename(`${keyFile}.tmp`, keyFile);
  }
  return { home, email: EMAIL, passphrase: PASSPHRASE, armoredSecretKey: await readFile(keyFile, "utf8") };
}

/** Generates (once, then cached) a seeded OPEN export of `rows` rows and encrypts it with GnuPG. */
export async function ensureBenchFixture(options: { rows: number; users: number }): Promise<BenchFixture> {
  await ensureTestTools();
  const keyring = await ensureKeyring();
  const dataDir = path.join(BENCH_DIR, "data");
  await mkdir(dataDir, { recursive: true });
  const base = path.join(dataDir, `open-v2-${options.rows}-${options.users}`);
  const encryptedPath = `${base}.txt.gpg`;
  const sizeFile = `${base}.plain-bytes`;
  if (!existsSync(encryptedPath) || !existsSync(sizeFile)) {
    const plainPath = `${base}.txt`;
    process.stderr.write(`generating ${options.rows.toLocaleString("en-US")} rows into ${plainPath}…\n`);
    await writeLines(
      plainPath,
      openExportLines({ rows: options.rows, users: options.users, seed: 20240301 }),
    );
    const { stdout: bytes } = await run("stat", ["-c", "%s", plainPath]);
    process.stderr.write("encrypting with gpg…\n");
    await run("gpg", [
      "--batch",
      "--quiet",
      "--yes",
      "--homedir",
      keyring.home,
      "--trust-model",
      "always",
      "--recipient",
      keyring.email,
      "--output",
      `${encryptedPath}.tmp`,
      "--encrypt",
      plainPath,
    ]);
    await rename(`${encryptedPath}.tmp`, encryptedPath);
    await writeFile(sizeFile, bytes.trim());
    await rm(plainPath);
  }
  return {
    rows: options.rows,
    users: options.users,
    encryptedPath,
    plaintextBytes: Number(await readFile(sizeFile, "utf8")),
    keyring,
  };
}
