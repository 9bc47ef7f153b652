import { mkdir, open, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { BridgeError } from "@responsys-bridge/core";
import { decryptFile, type GrowingInput, type PgpKey } from "../pgp/decrypt.ts";
import type { FileSource, RemoteFile } from "../sftp/source.ts";
import type { ConnectFileName } from "./name.ts";
import { plaintextAllowance } from "./staging-space.ts";

export interface PreparedFile {
  /** The local plaintext: text, or a zip that readConnectEvents inflates. */
  plaintextPath: string;
  zip: boolean;
  /** Deletes the staged files. */
  cleanup(): Promise<void>;
}

export interface PrepareOptions {
  stagingDir: string;
  /** The file is imported by user: its parts will need about as much staging space as its plaintext. */
  byUser?: boolean;
  pgpKey?: PgpKey;
  onProgress?: (phase: "download" | "decrypt", bytes: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Downloads the remote file into stagingDir, decrypts it if PGP (integrity verified BEFORE anything
 * is returned), and returns the local plaintext path (zip still zipped; readConnectEvents unzips).
 * A broken download keeps its partial file, so the next attempt on the same version resumes it.
 */
export async function prepareConnectFile(
  source: FileSource,
  remote: RemoteFile,
  file: ConnectFileName,
  options: PrepareOptions,
): Promise<PreparedFile> {
  await mkdir(options.stagingDir, { recursive: true });
  // The version (size, mtime) is in the name, so a partial download is only resumed for the same version.
  const base = path.join(options.stagingDir, `${remote.name}.${remote.size}-${remote.mtimeMs}`);
  await removeOtherVersions(options.stagingDir, remote);
  const downloadPath = `${base}.download`;
  const plaintextPath = `${base}.plain`;
  const encrypted = file.layers[0] === "pgp";
  if (encrypted && options.pgpKey === undefined) {
    throw new BridgeError({
      code: "PGP_KEY_MISSING",
      message: `${remote.path} is PGP-encrypted but the job has no pgpPrivateKey`,
    });
  }

  if (!encrypted || options.pgpKey === undefined) {
    await source.download(remote, downloadPath, {
      onProgress: (bytes) => options.onProgress?.("download", bytes, remote.size),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return {
      plaintextPath: downloadPath,
      zip: file.layers.includes("zip"),
      cleanup: () => rm(downloadPath, { force: true }),
    };
  }
  await downloadAndDecrypt(source, remote, downloadPath, plaintextPath, options.pgpKey, options);
  // `x.gpg` says nothing about what is inside; a zip announces itself by its signature.
  const zip =
    file.layers.includes("zip") ||
    (file.layers.length === 1 && (await startsWithZipSignature(plaintextPath)));
  return { plaintextPath, zip, cleanup: () => rm(plaintextPath, { force: true }) };
}

/**
 * Downloads and decrypts at once: the decryption (in a worker thread) follows the download, as far
 * as it has written. On the bench's loopback the two took ~1.5 s instead of ~1.75 s; over a link
 * slower than the decryption, the decryption hides behind the download. Nothing is returned
 * before the whole message's integrity check has passed.
 * - A failed download stops the decryption, deletes the plaintext and keeps the partial download
 *   for the next attempt to resume.
 * - A failed decryption (wrong key, damaged file, …) stops the download at once and deletes both:
 *   a failed file is downloaded afresh on the next run.
 */
async function downloadAndDecrypt(
  source: FileSource,
  remote: RemoteFile,
  downloadPath: string,
  plaintextPath: string,
  key: PgpKey,
  options: PrepareOptions,
): Promise<void> {
  const input = new DownloadProgress();
  const stopDownload = new AbortController();
  const downloaded = source
    .download(remote, downloadPath, {
      onProgress: (bytes) => {
        input.grow(bytes);
        options.onProgress?.("download", bytes, remote.size);
      },
      signal: anySignal(options.signal, stopDownload.signal),
    })
    .then(
      () => input.finish(remote.size),
      (error: unknown) => {
        input.fail(error);
        throw error;
      },
    );
  // Until the download settles, its failure is taken by the decryption's abort; a rejection
  // nobody waits for yet must not count as unhandled.
  downloaded.catch(() => {});
  try {
    await decryptFile(downloadPath, plaintextPath, key, {
      growingInput: input,
      maxPlaintextBytes: await plaintextAllowance(
        options.stagingDir,
        options.byUser ?? false,
        remote.size - input.bytes,
      ),
      // Decryption progress is shown once the download's is over.
      onProgress: (bytes) => {
        if (input.whole) options.onProgress?.("decrypt", bytes, remote.size);
      },
      signal: anySignal(options.signal, input.failed),
    });
    await downloaded;
  } catch (error) {
    if (input.failed.aborted) {
      // decryptFile deletes its output when stopped; this covers a message that ended early.
      await rm(plaintextPath, { force: true });
      throw input.failed.reason;
    }
    stopDownload.abort(error);
    await downloaded.catch(() => {});
    // Decrypting again needs the whole file anyway, and a failed file is downloaded afresh next run.
    await rm(downloadPath, { force: true });
    throw error;
  }
  await rm(downloadPath, { force: true });
}

/** How far a download has written its file, as a GrowingInput for the decryption. */
class DownloadProgress implements GrowingInput {
  bytes = 0;
  whole = false;
  /** Aborted, with the download's error as reason, when the download fails. */
  readonly #failure = new AbortController();
  readonly #listeners = new Set<(bytes: number, whole: boolean) => void>();

  get failed(): AbortSignal {
    return this.#failure.signal;
  }

  grow(bytes: number): void {
    this.bytes = bytes;
    this.#tell();
  }

  finish(bytes: number): void {
    this.bytes = bytes;
    this.whole = true;
    this.#tell();
  }

  fail(error: unknown): void {
    this.#failure.abort(error);
  }

  listen(listener: (bytes: number, whole: boolean) => void): () => void {
    this.#listeners.add(listener);
    listener(this.bytes, this.whole);
    return () => this.#listeners.delete(listener);
  }

  #tell(): void {
    for (const listener of this.#listeners) listener(this.bytes, this.whole);
  }
}

function anySignal(first: AbortSignal | undefined, second: AbortSignal): AbortSignal {
  return first === undefined ? second : AbortSignal.any([first, second]);
}

/** A partial download of an older version of the same file can never be resumed: drop it. */
async function removeOtherVersions(stagingDir: string, remote: RemoteFile): Promise<void> {
  const escaped = remote.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  // The download, the plaintext, and the store sink's part folder beside either (left by a kill).
  const staged = new RegExp(`^${escaped}\\.(\\d+)-(\\d+)\\.(download|plain)(\\.parts)?$`);
  const current = `${remote.size}-${remote.mtimeMs}`;
  for (const entry of await readdir(stagingDir)) {
    const match = staged.exec(entry);
    if (match && `${match[1]}-${match[2]}` !== current)
      await rm(path.join(stagingDir, entry), { force: true, recursive: true });
  }
}

async function startsWithZipSignature(filePath: string): Promise<boolean> {
  const handle = await open(filePath, "r");
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return bytesRead === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    await handle.close();
  }
}
