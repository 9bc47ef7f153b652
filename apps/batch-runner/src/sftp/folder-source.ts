import { createReadStream } from "node:fs";
import { open, readdir, stat, truncate } from "node:fs/promises";
import path from "node:path";
import { BridgeError } from "@responsys-bridge/core";
import type { DownloadOptions, FileSource, RemoteFile } from "./source.ts";

/**
 * A FileSource over a local folder: remote paths are read below `root` (a remote `/download`
 * is `<root>/download`). Used by tests and by the local stack; it resumes like the SFTP source.
 */
export class FolderSource implements FileSource {
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
  }

  async list(folder: string): Promise<RemoteFile[]> {
    const directory = this.#localPath(folder);
    const entries = await readdir(directory, { withFileTypes: true }).catch((error: unknown) => {
      throw new BridgeError({
        code: "SFTP_FOLDER_NOT_FOUND",
        message: `cannot list folder "${folder}": ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    });
    const files: RemoteFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const remotePath = path.posix.join(folder, entry.name);
      const info = await stat(path.join(directory, entry.name));
      files.push({ path: remotePath, name: entry.name, size: info.size, mtimeMs: Math.trunc(info.mtimeMs) });
    }
    return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async download(file: RemoteFile, localPath: string, options: DownloadOptions = {}): Promise<void> {
    const source = this.#localPath(file.path);
    const current = await stat(source);
    if (current.size !== file.size || Math.trunc(current.mtimeMs) !== file.mtimeMs) {
      throw fileChanged(file, current.size, Math.trunc(current.mtimeMs));
    }
    let done = await localSize(localPath);
    if (done > file.size) {
      await truncate(localPath, 0);
      done = 0;
    }
    if (done === file.size) {
      options.onProgress?.(done);
      return;
    }
    // Progress is told once a chunk is written: a decryption follows the file that far.
    const output = await open(localPath, done > 0 ? "a" : "w");
    try {
      const chunks = createReadStream(source, {
        start: done,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
      for await (const chunk of chunks) {
        const bytes: Buffer = chunk;
        await output.write(bytes);
        done += bytes.length;
        options.onProgress?.(done);
      }
    } finally {
      await output.close();
    }
  }

  async close(): Promise<void> {}

  #localPath(remotePath: string): string {
    const resolved = path.resolve(this.#root, `.${path.posix.resolve("/", remotePath)}`);
    if (resolved !== this.#root && !resolved.startsWith(`${this.#root}${path.sep}`)) {
      throw new BridgeError({
        code: "SFTP_BAD_PATH",
        message: `"${remotePath}" is outside the source folder`,
      });
    }
    return resolved;
  }
}

/** Size of a local file, 0 when it does not exist. */
export async function localSize(localPath: string): Promise<number> {
  try {
    return (await stat(localPath)).size;
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return 0;
    throw error;
  }
}

/** The error for a remote file whose version changed between listing and download. */
export function fileChanged(file: RemoteFile, size: number, mtimeMs: number): BridgeError {
  return new BridgeError({
    code: "SFTP_FILE_CHANGED",
    message: `${file.path} changed since it was listed (size ${file.size} → ${size}, mtime ${file.mtimeMs} → ${mtimeMs}); it will be read on the next run`,
    retryable: true,
    details: { path: file.path },
  });
}
