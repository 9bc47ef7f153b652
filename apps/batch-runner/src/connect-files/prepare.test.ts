import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BridgeError } from "@responsys-bridge/core";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openExportLines } from "../../test/support/connect-data.ts";
import { createGpgKeyring, type GpgKeyring } from "../../test/support/gnupg.ts";
import { type SshdServer, startSshd } from "../../test/support/sshd.ts";
import { loadPgpKey, type PgpKey } from "../pgp/decrypt.ts";
import { FolderSource } from "../sftp/folder-source.ts";
import { connectSftp } from "../sftp/sftp-source.ts";
import type { DownloadOptions, FileSource, RemoteFile } from "../sftp/source.ts";
import { parseConnectFileName } from "./name.ts";
import { prepareConnectFile } from "./prepare.ts";
import { readConnectEvents } from "./read.ts";

const ROWS = 2500;
let work: string;
let remoteDir: string;
let ring: GpgKeyring;
let key: PgpKey;
let plaintext: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "prepare-"));
  remoteDir = path.join(work, "remote", "download");
  await mkdir(remoteDir, { recursive: true });
  ring = await createGpgKeyring({ algorithm: "curve25519", passphrase: "s3cret" });
  key = await loadPgpKey(ring.armoredSecretKey, "s3cret");
  plaintext = [...openExportLines({ rows: ROWS, users: 400, seed: 11 })].join("");
  const plainPath = path.join(work, "plain.txt");
  await writeFile(plainPath, plaintext);
  await writeFile(path.join(remoteDir, "1234_OPEN_20240301_091500.txt"), plaintext);
  await ring.encrypt(plainPath, path.join(remoteDir, "1234_OPEN_20240302_091500.txt.gpg"));
  await ring.encrypt(plainPath, path.join(remoteDir, "1234_OPEN_20240303_091500.txt.pgp"), { armor: true });
  const zipPath = path.join(work, "inner.zip");
  await writeFile(zipPath, zipSync({ "1234_OPEN_20240304_091500.txt": strToU8(plaintext) }));
  await ring.encrypt(zipPath, path.join(remoteDir, "1234_OPEN_20240304_091500.zip.gpg"));
  // `.gpg` alone does not say a zip is inside: the payload's signature does.
  await ring.encrypt(zipPath, path.join(remoteDir, "1234_OPEN_20240305_091500.gpg"));
  await writeFile(path.join(remoteDir, "1234_OPEN_20240306_091500.txt.gpg"), plaintext);
}, 180_000);

afterAll(async () => {
  await ring?.dispose();
  await rm(work, { recursive: true, force: true });
});

async function importAll(source: FileSource, folder: string) {
  const stagingDir = path.join(work, "staging");
  const results: Array<{ name: string; rows?: number; zip?: boolean; phases?: string[]; error?: string }> =
    [];
  for (const remote of await source.list(folder)) {
    const parsed = parseConnectFileName(remote.name);
    if (!parsed.ok) throw new Error(parsed.reason);
    try {
      const phases = new Set<string>();
      const prepared = await prepareConnectFile(source, remote, parsed.file, {
        stagingDir,
        pgpKey: key,
        onProgress: (phase, bytes, total) => {
          expect(bytes).toBeLessThanOrEqual(total);
          phases.add(phase);
        },
      });
      let rows = 0;
      for await (const chunk of readConnectEvents(prepared.plaintextPath, {
        file: parsed.file,
        fileLabel: remote.path,
        delimiter: "|",
        zip: prepared.zip,
      })) {
        rows += chunk.events.length;
      }
      await prepared.cleanup();
      results.push({ name: remote.name, rows, zip: prepared.zip, phases: [...phases] });
    } catch (error) {
      results.push({ name: remote.name, error: (error as { code?: string }).code ?? String(error) });
    }
  }
  expect(await readdir(stagingDir)).toEqual([]);
  return results;
}

const EXPECTED = [
  { name: "1234_OPEN_20240301_091500.txt", rows: ROWS, zip: false, phases: ["download"] },
  { name: "1234_OPEN_20240302_091500.txt.gpg", rows: ROWS, zip: false, phases: ["download", "decrypt"] },
  { name: "1234_OPEN_20240303_091500.txt.pgp", rows: ROWS, zip: false, phases: ["download", "decrypt"] },
  { name: "1234_OPEN_20240304_091500.zip.gpg", rows: ROWS, zip: true, phases: ["download", "decrypt"] },
  { name: "1234_OPEN_20240305_091500.gpg", rows: ROWS, zip: true, phases: ["download", "decrypt"] },
  { name: "1234_OPEN_20240306_091500.txt.gpg", error: "PGP_NOT_ENCRYPTED" },
];

describe("prepareConnectFile", { timeout: 60_000 }, () => {
  it("downloads, decrypts and hands over every form from a folder source", async () => {
    expect(await importAll(new FolderSource(path.join(work, "remote")), "/download")).toEqual(EXPECTED);
  });

  it("does the same over real SFTP", async () => {
    let sshd: SshdServer | undefined;
    try {
      sshd = await startSshd();
      await rm(sshd.filesDir, { recursive: true });
      await rm(path.join(work, "staging"), { recursive: true, force: true });
      const { cp } = await import("node:fs/promises");
      await cp(remoteDir, sshd.filesDir, { recursive: true });
      const source = await connectSftp({
        host: sshd.host,
        port: sshd.port,
        username: sshd.username,
        privateKey: sshd.privateKey,
        hostKey: sshd.hostKeyFingerprint,
      });
      try {
        expect(await importAll(source, sshd.filesDir)).toEqual(EXPECTED);
      } finally {
        await source.close();
      }
    } finally {
      await sshd?.stop();
    }
  }, 180_000);

  it("drops staged parts of older versions of the file, and only those", async () => {
    const source = new FolderSource(path.join(work, "remote"));
    const remote = (await source.list("/download")).find((file) =>
      file.name.endsWith("01_091500.txt"),
    ) as RemoteFile;
    const parsed = parseConnectFileName(remote.name);
    if (!parsed.ok) throw new Error(parsed.reason);
    const stagingDir = path.join(work, "staging-versions");
    await mkdir(stagingDir, { recursive: true });
    const older = `${remote.name}.1-2.download`;
    const otherFile = `${remote.name}.gpg.1-2.download`;
    await writeFile(path.join(stagingDir, older), "old partial");
    await writeFile(path.join(stagingDir, otherFile), "another file's partial");
    // A killed store import leaves its part folder beside the plaintext.
    await mkdir(path.join(stagingDir, `${remote.name}.1-2.plain.parts`));
    await writeFile(path.join(stagingDir, `${remote.name}.1-2.plain.parts`, "part-0"), "old part");
    const prepared = await prepareConnectFile(source, remote, parsed.file, { stagingDir });
    expect((await readdir(stagingDir)).sort()).toEqual(
      [otherFile, `${remote.name}.${remote.size}-${remote.mtimeMs}.download`].sort(),
    );
    await prepared.cleanup();
  });

  it("decrypts while it downloads; a broken download keeps its part and stops the decryption", async () => {
    const big = [...openExportLines({ rows: 20_000, users: 2000, seed: 5 })].join("");
    const bigPath = path.join(work, "big.txt");
    await writeFile(bigPath, big);
    const folder = path.join(work, "slow", "download");
    await mkdir(folder, { recursive: true });
    await ring.encrypt(bigPath, path.join(folder, "1234_OPEN_20240310_091500.txt.gpg"), { compress: false });
    const stagingDir = path.join(work, "staging-slow");
    const broken = new SlowSource(path.join(work, "slow"), { failAfter: 600_000 });
    const [remote] = await broken.list("/download");
    if (remote === undefined) throw new Error("no file");
    const parsed = parseConnectFileName(remote.name);
    if (!parsed.ok) throw new Error(parsed.reason);
    const phases: string[] = [];
    const attempt = (source: FileSource) =>
      prepareConnectFile(source, remote, parsed.file, {
        stagingDir,
        pgpKey: key,
        onProgress: (phase) => {
          if (phases.at(-1) !== phase) phases.push(phase);
        },
      });
    await expect(attempt(broken)).rejects.toMatchObject({ code: "SFTP_CONNECTION_LOST" });
    // The partial download stays for the next attempt; no plaintext of it is left.
    const staged = await readdir(stagingDir);
    expect(staged).toEqual([`${remote.name}.${remote.size}-${remote.mtimeMs}.download`]);
    const whole = new SlowSource(path.join(work, "slow"), {});
    const prepared = await attempt(whole);
    expect(whole.resumedFrom).toBeGreaterThanOrEqual(600_000);
    expect(await readFile(prepared.plaintextPath, "utf8")).toBe(big);
    // The decryption wrote plaintext before the download's last piece.
    expect(whole.decryptedAtEnd()).toBeGreaterThan(0);
    expect(phases.slice(-2)).toEqual(["download", "decrypt"]);
    await prepared.cleanup();
    expect(await readdir(stagingDir)).toEqual([]);
  });

  it("stops the download as soon as the file turns out not to be PGP, and leaves nothing", async () => {
    const folder = path.join(work, "notpgp", "download");
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, "1234_OPEN_20240311_091500.txt.gpg"), plaintext.repeat(4));
    const source = new SlowSource(path.join(work, "notpgp"), {});
    const [remote] = await source.list("/download");
    if (remote === undefined) throw new Error("no file");
    const parsed = parseConnectFileName(remote.name);
    if (!parsed.ok) throw new Error(parsed.reason);
    const stagingDir = path.join(work, "staging-notpgp");
    await expect(
      prepareConnectFile(source, remote, parsed.file, { stagingDir, pgpKey: key }),
    ).rejects.toMatchObject({ code: "PGP_NOT_ENCRYPTED" });
    expect(source.stoppedAt).toBeGreaterThan(0);
    expect(source.stoppedAt).toBeLessThan(remote.size);
    expect(await readdir(stagingDir)).toEqual([]);
  });

  it("needs a key for an encrypted file and leaves nothing behind", async () => {
    const source = new FolderSource(path.join(work, "remote"));
    const remote = (await source.list("/download")).find((file) =>
      file.name.endsWith(".txt.pgp"),
    ) as RemoteFile;
    const parsed = parseConnectFileName(remote.name);
    if (!parsed.ok) throw new Error(parsed.reason);
    const stagingDir = path.join(work, "staging-nokey");
    await expect(prepareConnectFile(source, remote, parsed.file, { stagingDir })).rejects.toMatchObject({
      code: "PGP_KEY_MISSING",
    });
    expect(existsSync(stagingDir) ? await readdir(stagingDir) : []).toEqual([]);
  });
});

/**
 * A folder source that downloads in 64 KiB pieces, as a slow link would, and can break after some
 * bytes as a lost connection does. It records where a download resumed and where an abort stopped
 * it, and holds its last piece until the decryption has written some plaintext.
 */
class SlowSource implements FileSource {
  readonly #folder: FolderSource;
  readonly #root: string;
  readonly #failAfter: number | undefined;
  resumedFrom = -1;
  stoppedAt = -1;
  #written = 0;
  #decryptedWhenEnded = -1;

  constructor(root: string, options: { failAfter?: number }) {
    this.#root = root;
    this.#folder = new FolderSource(root);
    this.#failAfter = options.failAfter;
  }

  list(folder: string): Promise<RemoteFile[]> {
    return this.#folder.list(folder);
  }

  /** Plaintext bytes written before the download's last piece (0: none within 20 s). */
  decryptedAtEnd(): number {
    return this.#decryptedWhenEnded;
  }

  async download(file: RemoteFile, localPath: string, options: DownloadOptions = {}): Promise<void> {
    const bytes = await readFile(path.join(this.#root, file.path));
    this.#written = existsSync(localPath) ? (await stat(localPath)).size : 0;
    this.resumedFrom = this.#written;
    options.onProgress?.(this.#written);
    while (this.#written < bytes.length) {
      if (options.signal?.aborted) {
        this.stoppedAt = this.#written;
        throw options.signal.reason;
      }
      if (this.#failAfter !== undefined && this.#written >= this.#failAfter) {
        throw new BridgeError({ code: "SFTP_CONNECTION_LOST", message: "connection lost", retryable: true });
      }
      const end = Math.min(bytes.length, this.#written + 64 * 1024);
      // The last piece waits until the decryption has written plaintext: it can only have, if it
      // follows the file while the download is still going.
      if (end === bytes.length) this.#decryptedWhenEnded = await plaintextSize(localPath, 20_000);
      await appendFile(localPath, bytes.subarray(this.#written, end));
      this.#written = end;
      options.onProgress?.(end);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  async close(): Promise<void> {}
}

/** The size of the plaintext beside a download once it is not empty, or 0 after `timeoutMs`. */
async function plaintextSize(downloadPath: string, timeoutMs: number): Promise<number> {
  const plain = downloadPath.replace(/\.download$/, ".plain");
  for (const started = Date.now(); Date.now() - started < timeoutMs; ) {
    const size = existsSync(plain) ? (await stat(plain)).size : 0;
    if (size > 0) return size;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return 0;
}
