import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, truncate, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCuttingProxy } from "../../test/support/cutting-proxy.ts";
import { type SshdServer, startSshd } from "../../test/support/sshd.ts";
import { connectSftp, type SftpOptions } from "./sftp-source.ts";
import type { RemoteFile } from "./source.ts";

let sshd: SshdServer;
let localDir: string;
let big: Buffer;

beforeAll(async () => {
  sshd = await startSshd();
  localDir = await mkdtemp(path.join(tmpdir(), "sftp-local-"));
  big = randomBytes(6 * 1024 * 1024 + 123);
  await writeFile(path.join(sshd.filesDir, "1234_OPEN_20240301_091500.txt.gpg"), big);
  await writeFile(path.join(sshd.filesDir, "1234_CLICK_20240301_091500.txt"), "hello\n");
}, 180_000);

afterAll(async () => {
  await sshd?.stop();
  await rm(localDir, { recursive: true, force: true });
});

function options(overrides: Partial<SftpOptions> = {}): SftpOptions {
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.privateKey,
    hostKey: sshd.hostKeyFingerprint,
    ...overrides,
  };
}

async function bigFile(): Promise<RemoteFile> {
  const source = await connectSftp(options());
  try {
    const listed = (await source.list(sshd.filesDir)).find((file) => file.name.endsWith(".gpg"));
    if (!listed) throw new Error("fixture missing");
    return listed;
  } finally {
    await source.close();
  }
}

describe("SFTP source against OpenSSH", { timeout: 60_000 }, () => {
  it("lists the folder's files with size and mtime, and downloads them intact", async () => {
    const source = await connectSftp(options());
    try {
      expect(source.insecureHostKey).toBe(false);
      expect(source.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
      const files = await source.list(sshd.filesDir);
      expect(files.map((file) => [file.name, file.size])).toEqual([
        ["1234_CLICK_20240301_091500.txt", 6],
        ["1234_OPEN_20240301_091500.txt.gpg", big.length],
      ]);
      expect(files[1]?.path).toBe(`${sshd.filesDir}/1234_OPEN_20240301_091500.txt.gpg`);
      expect(files[1]?.mtimeMs).toBeGreaterThan(Date.UTC(2020, 0, 1));

      const target = path.join(localDir, "whole");
      let lastProgress = 0;
      await source.download(files[1] as RemoteFile, target, {
        onProgress: (bytes) => (lastProgress = bytes),
      });
      expect((await readFile(target)).equals(big)).toBe(true);
      expect(lastProgress).toBe(big.length);
    } finally {
      await source.close();
    }
  });

  it("refuses a server whose host key is not the pinned one, before logging in", async () => {
    const logBefore = sshd.log().length;
    const wrong = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU";
    const error = await connectSftp(options({ hostKey: wrong })).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: "SFTP_HOST_KEY_MISMATCH",
      details: { expected: wrong, actual: sshd.hostKeyFingerprint },
    });
    expect(String(error)).toContain(sshd.hostKeyFingerprint);
    const log = sshd.log().slice(logBefore);
    expect(log).toContain("Connection from 127.0.0.1");
    expect(log).not.toMatch(/publickey|Accepted|Postponed/);
  });

  it("accepts the pin without its SHA256: prefix or with base64 padding", async () => {
    const bare = sshd.hostKeyFingerprint.slice("SHA256:".length);
    for (const hostKey of [bare, `SHA256:${bare}=`]) {
      const source = await connectSftp(options({ hostKey }));
      expect(source.hostKeyFingerprint).toBe(sshd.hostKeyFingerprint);
      await source.close();
    }
  });

  it("stops a download when aborted and keeps the part already written for a resume", async () => {
    const file = await bigFile();
    const target = path.join(localDir, "aborted");
    const source = await connectSftp(options());
    try {
      const controller = new AbortController();
      const stopped = source.download(file, target, {
        signal: controller.signal,
        onProgress: (bytes) => {
          if (bytes >= 1024 * 1024) controller.abort();
        },
      });
      await expect(stopped).rejects.toMatchObject({ name: "AbortError" });
      const kept = (await readFile(target)).length;
      expect(kept).toBeGreaterThanOrEqual(1024 * 1024);
      expect(kept).toBeLessThan(big.length);
      await source.download(file, target);
      expect((await readFile(target)).equals(big)).toBe(true);
    } finally {
      await source.close();
    }
  });

  it("needs a pinned key unless told to accept any", async () => {
    await expect(connectSftp(options({ hostKey: undefined }))).rejects.toMatchObject({
      code: "SFTP_HOST_KEY_REQUIRED",
    });
    const source = await connectSftp(options({ hostKey: undefined, insecureAcceptAnyHostKey: true }));
    expect(source.insecureHostKey).toBe(true);
    await source.close();
  });

  it("reports a key the server does not accept", async () => {
    const other = await startSshd();
    try {
      await expect(connectSftp(options({ privateKey: other.privateKey }))).rejects.toMatchObject({
        code: "SFTP_AUTH_FAILED",
      });
    } finally {
      await other.stop();
    }
  });

  it("resumes a download whose connection broke mid-transfer", async () => {
    const file = await bigFile();
    const proxy = await startCuttingProxy(sshd.port, 2 * 1024 * 1024);
    const source = await connectSftp(options({ port: proxy.port }));
    try {
      const target = path.join(localDir, "resumed");
      const seen: number[] = [];
      await source.download(file, target, { onProgress: (bytes) => seen.push(bytes) });
      // On reconnecting, the download reports its offset again: the bytes already on disk.
      const resumedAt = seen.find((bytes, index) => index > 1 && bytes === seen[index - 1]) ?? 0;
      expect(resumedAt).toBeGreaterThan(0);
      expect((await readFile(target)).equals(big)).toBe(true);
      expect(proxy.bytesPerConnection.length).toBe(2);
      // The second connection carried the rest (plus SSH overhead), not the whole file again.
      expect(proxy.bytesPerConnection[1]).toBeLessThan(big.length - resumedAt + 256 * 1024);
    } finally {
      await source.close();
      await proxy.close();
    }
  });

  it("continues from a partial local file", async () => {
    const file = await bigFile();
    const target = path.join(localDir, "partial");
    await writeFile(target, big.subarray(0, 1_000_001));
    const source = await connectSftp(options());
    try {
      const seen: number[] = [];
      await source.download(file, target, { onProgress: (bytes) => seen.push(bytes) });
      expect(seen[0]).toBe(1_000_001);
      expect((await readFile(target)).equals(big)).toBe(true);
    } finally {
      await source.close();
    }
  });

  it("refuses to resume onto a file that changed since it was listed", async () => {
    const name = "1234_SENT_20240301_091500.txt";
    const remotePath = path.join(sshd.filesDir, name);
    await writeFile(remotePath, "version one\n");
    const source = await connectSftp(options());
    try {
      const listed = (await source.list(sshd.filesDir)).find((file) => file.name === name) as RemoteFile;
      await writeFile(remotePath, "version two, longer\n");
      await utimes(remotePath, new Date(), new Date(listed.mtimeMs + 5000));
      const target = path.join(localDir, "changed");
      await expect(source.download(listed, target)).rejects.toMatchObject({ code: "SFTP_FILE_CHANGED" });
      await truncate(remotePath, 0);
    } finally {
      await source.close();
    }
  });
});
