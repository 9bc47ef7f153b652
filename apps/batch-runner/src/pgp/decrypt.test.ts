import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openExportLines } from "../../test/support/connect-data.ts";
import { createGpgKeyring, type GpgKeyring } from "../../test/support/gnupg.ts";
import { decryptFile, loadPgpKey, type PgpKey } from "./decrypt.ts";

let dir: string;
let plaintextPath: string;
let plaintext: Buffer;
let protectedRing: GpgKeyring;
let rsaRing: GpgKeyring;
let key: PgpKey;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "pgp-test-"));
  plaintextPath = path.join(dir, "plain.txt");
  // ~300 KB, several openpgp stream chunks, with some multi-byte text.
  plaintext = Buffer.from(`${[...openExportLines({ rows: 3000, users: 300, seed: 7 })].join("")}café ✓ 🚀\n`);
  await writeFile(plaintextPath, plaintext);
  [protectedRing, rsaRing] = await Promise.all([
    createGpgKeyring({ algorithm: "curve25519", passphrase: "correct horse" }),
    createGpgKeyring({ algorithm: "rsa", email: "rsa@example.com" }),
  ]);
  key = await loadPgpKey(protectedRing.armoredSecretKey, "correct horse");
}, 180_000);

afterAll(async () => {
  await Promise.all([protectedRing?.dispose(), rsaRing?.dispose()]);
  await rm(dir, { recursive: true, force: true });
});

async function encrypted(ring: GpgKeyring, name: string, options: { armor?: boolean; compress?: boolean }) {
  const output = path.join(dir, name);
  await ring.encrypt(plaintextPath, output, options);
  return output;
}

/** Random bytes, and a file of them encrypted by GnuPG to the protected key. */
async function encryptedRandom(
  name: string,
  bytes: number,
  options: { armor?: boolean; compress?: boolean },
) {
  const big = randomBytes(bytes);
  await writeFile(path.join(dir, `${name}.bin`), big);
  const input = path.join(dir, `${name}.gpg`);
  await protectedRing.encrypt(path.join(dir, `${name}.bin`), input, options);
  return { big, input };
}

async function decryptionError(input: string, withKey: PgpKey = key) {
  const output = `${input}.out`;
  const error = await decryptFile(input, output, withKey).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  // Nothing of a failed file may be left for the parser.
  expect(existsSync(output)).toBe(false);
  return error;
}

describe("decryptFile", () => {
  it.each([
    { name: "binary, ZLIB", armor: false, compress: true },
    { name: "binary, uncompressed", armor: false, compress: false },
    { name: "armored, ZLIB", armor: true, compress: true },
    { name: "armored, uncompressed", armor: true, compress: false },
  ])(
    "decrypts a GnuPG file: $name, passphrase-protected Curve25519 key",
    async ({ name, armor, compress }) => {
      const input = await encrypted(protectedRing, `${name}.gpg`, { armor, compress });
      const output = path.join(dir, `${name}.out`);
      let progress = 0;
      await decryptFile(input, output, key, { onProgress: (bytes) => (progress = bytes) });
      expect((await readFile(output)).equals(plaintext)).toBe(true);
      expect(progress).toBe((await readFile(input)).length);
    },
  );

  it("decrypts an armored file of several read chunks", async () => {
    // ~5.5 MB of armor, read 1 MiB at a time: string chunks met a byte-length queue and failed
    // ("The argument 'size' is invalid") whenever two of them were read before openpgp asked.
    const { big, input } = await encryptedRandom("big", 4 << 20, { armor: true });
    await decryptFile(input, path.join(dir, "big.out"), key);
    expect((await readFile(path.join(dir, "big.out"))).equals(big)).toBe(true);
  });

  it("decrypts with an unprotected RSA key", async () => {
    const input = await encrypted(rsaRing, "rsa.gpg", {});
    const rsaKey = await loadPgpKey(rsaRing.armoredSecretKey);
    await decryptFile(input, path.join(dir, "rsa.out"), rsaKey);
    expect((await readFile(path.join(dir, "rsa.out"))).equals(plaintext)).toBe(true);
  });

  it("says when the file is for another key", async () => {
    const input = await encrypted(rsaRing, "other.gpg", {});
    expect(await decryptionError(input)).toMatchObject({
      code: "PGP_WRONG_KEY",
      message: /not encrypted to/,
    });
  });

  it.each([
    ["plain text", async (file: string) => writeFile(file, plaintext)],
    ["empty", async (file: string) => writeFile(file, "")],
    ["a zip", async (file: string) => writeFile(file, Buffer.from("504b0304140000000800", "hex"))],
    [
      "an armored public key",
      async (file: string) => writeFile(file, "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n"),
    ],
    ["a literal-data packet", async (file: string) => writeFile(file, Buffer.from([0xcb, 0x05, 0x62, 0x00]))],
  ])("says when the file is not PGP-encrypted: %s", async (name, make) => {
    const input = path.join(dir, `not-pgp-${name}`);
    await make(input);
    expect(await decryptionError(input)).toMatchObject({ code: "PGP_NOT_ENCRYPTED" });
  });

  it.each([
    { name: "binary, ZLIB", armor: false, compress: true },
    { name: "binary, uncompressed", armor: false, compress: false },
    { name: "armored, uncompressed", armor: true, compress: false },
  ])("says when the file is truncated: $name", async ({ name, armor, compress }) => {
    const full = await readFile(await encrypted(protectedRing, `cut-${name}.gpg`, { armor, compress }));
    for (const keep of [0.5, 0.9]) {
      const input = path.join(dir, `cut-${name}-${keep}.gpg`);
      await writeFile(input, full.subarray(0, Math.floor(full.length * keep)));
      expect(await decryptionError(input)).toMatchObject({ code: "PGP_TRUNCATED", message: /truncated/ });
    }
  });

  it.each([
    { name: "binary, uncompressed", compress: false },
    { name: "binary, ZLIB", compress: true },
  ])("says when the file was modified: $name", async ({ name, compress }) => {
    const bytes = await readFile(await encrypted(protectedRing, `tamper-${name}.gpg`, { compress }));
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0x01;
    const input = path.join(dir, `tampered-${name}.gpg`);
    await writeFile(input, bytes);
    expect(await decryptionError(input)).toMatchObject({ code: "PGP_INTEGRITY_FAILED", message: /modified/ });
  });

  it("says when the file was modified near its start: binary, ZLIB", async () => {
    // zlib fails there before its first output chunk. In a file of this size openpgp then stalled,
    // and the worker exited without an answer, instead of reading on to its integrity check.
    const longPath = path.join(dir, "long.txt");
    await writeFile(longPath, [...openExportLines({ rows: 20_000, users: 2000, seed: 9 })].join(""));
    const original = path.join(dir, "long.gpg");
    await protectedRing.encrypt(longPath, original, { compress: true });
    for (const at of [300, 1000, 3000]) {
      const bytes = await readFile(original);
      bytes[at] = (bytes[at] ?? 0) ^ 0x04;
      const input = path.join(dir, `tampered-start-${at}.gpg`);
      await writeFile(input, bytes);
      expect(await decryptionError(input)).toMatchObject({
        code: "PGP_INTEGRITY_FAILED",
        message: /modified/,
      });
    }
  });
});

describe("decryptFile with a plaintext limit", () => {
  it("stops a file that inflates past the limit, deletes its output, and says why", async () => {
    // 32 MiB of one byte: GnuPG compresses it to ~30 KB, a small decompression bomb.
    const bombPath = path.join(dir, "bomb.txt");
    await writeFile(bombPath, Buffer.alloc(32 << 20, 0x61));
    const input = path.join(dir, "bomb.gpg");
    await protectedRing.encrypt(bombPath, input, { compress: true });
    expect((await readFile(input)).length).toBeLessThan(1 << 20);
    const output = `${input}.out`;
    const error = await decryptFile(input, output, key, { maxPlaintextBytes: 4 << 20 }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({
      code: "STAGING_DISK_FULL",
      message: /grows past 4 MB.*decompression bomb/,
      details: { maxPlaintextBytes: 4 << 20 },
    });
    expect(existsSync(output)).toBe(false);
  });

  it("decrypts a file whose plaintext is exactly the limit", async () => {
    const input = await encrypted(protectedRing, "limit.gpg", { compress: true });
    const output = path.join(dir, "limit.out");
    await decryptFile(input, output, key, { maxPlaintextBytes: plaintext.length });
    expect((await readFile(output)).equals(plaintext)).toBe(true);
    await expect(
      decryptFile(input, output, key, { maxPlaintextBytes: plaintext.length - 1 }),
    ).rejects.toMatchObject({ code: "STAGING_DISK_FULL" });
    expect(existsSync(output)).toBe(false);
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const start = Date.now(); !condition(); ) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("decryptFile of a file still being downloaded", () => {
  it("follows the file as it grows, never past what it is told, and ends with the whole plaintext", async () => {
    const { big, input: encryptedPath } = await encryptedRandom("growing", 3 << 20, { compress: false });
    const full = await readFile(encryptedPath);
    // Written in pieces, with garbage past the told length: read beyond it and the check fails.
    const input = path.join(dir, "growing-input.gpg");
    await writeFile(input, "");
    const listeners = new Set<(bytes: number, whole: boolean) => void>();
    const growingInput = {
      listen(listener: (bytes: number, whole: boolean) => void) {
        listeners.add(listener);
        listener(0, false);
        return () => listeners.delete(listener);
      },
    };
    const tell = (bytes: number, whole: boolean) => {
      for (const listener of listeners) listener(bytes, whole);
    };
    let readWhileGrowing = 0;
    let whole = false;
    const output = path.join(dir, "growing.out");
    const done = decryptFile(input, output, key, {
      growingInput,
      onProgress: (bytes) => {
        if (!whole) readWhileGrowing = bytes;
      },
    });
    const piece = 256 * 1024;
    for (let at = 0; at < full.length; at += piece) {
      const end = Math.min(full.length, at + piece);
      await truncate(input, at);
      await appendFile(input, full.subarray(at, end));
      await appendFile(input, randomBytes(4096));
      tell(end, false);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // A worker slow to start (a busy machine) would find the file whole: wait for its first
      // read, which comes once a whole read's worth (1 MiB) is there.
      if (end >= 1.5 * (1 << 20)) await until(() => readWhileGrowing > 0);
    }
    await truncate(input, full.length);
    whole = true;
    tell(full.length, true);
    await done;
    expect((await readFile(output)).equals(big)).toBe(true);
    // It read most of the file before the download was whole.
    expect(readWhileGrowing).toBeGreaterThan(full.length / 2);
  });
});

describe("loadPgpKey", () => {
  it("refuses a wrong passphrase", async () => {
    await expect(loadPgpKey(protectedRing.armoredSecretKey, "wrong")).rejects.toMatchObject({
      code: "PGP_BAD_PASSPHRASE",
      message: /does not unlock/,
    });
  });

  it("asks for the passphrase of a protected key", async () => {
    await expect(loadPgpKey(protectedRing.armoredSecretKey)).rejects.toMatchObject({
      code: "PGP_BAD_PASSPHRASE",
      message: /no passphrase was given/,
    });
  });

  it("refuses text that is not a private key", async () => {
    await expect(loadPgpKey("not a key")).rejects.toMatchObject({ code: "PGP_BAD_KEY" });
  });
});

describe("decryptFile when aborted", () => {
  it("stops, deletes the partial output and throws the signal's reason", async () => {
    const input = await encrypted(protectedRing, "abort.gpg", { compress: false });
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const output = path.join(dir, "abort.out");
    const stopped = decryptFile(input, output, key, {
      signal: controller.signal,
      onProgress: (bytes) => {
        if (bytes > 0) controller.abort(reason);
      },
    });
    await expect(stopped).rejects.toBe(reason);
    expect(existsSync(output)).toBe(false);
  });
});
