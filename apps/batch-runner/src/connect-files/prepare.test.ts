import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openExportLines } from "../../test/support/connect-data.ts";
import { createGpgKeyring, type GpgKeyring } from "../../test/support/gnupg.ts";
import { type SshdServer, startSshd } from "../../test/support/sshd.ts";
import { loadPgpKey, type PgpKey } from "../pgp/decrypt.ts";
import { FolderSource } from "../sftp/folder-source.ts";
import { connectSftp } from "../sftp/sftp-source.ts";
import type { FileSource, RemoteFile } from "../sftp/source.ts";
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
