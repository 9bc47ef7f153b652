import { createHash } from "node:crypto";
import { open, truncate } from "node:fs/promises";
import { createConnection } from "node:net";
import path from "node:path";
import { BridgeError } from "@responsys-bridge/core";
import type { SFTPWrapper, Stats } from "ssh2";
import SftpClient from "ssh2-sftp-client";
import { YoungGarbage } from "../young-garbage.ts";
import { fileChanged, localSize } from "./folder-source.ts";
import type { DownloadOptions, FileSource, RemoteFile } from "./source.ts";

export interface SftpOptions {
  host: string;
  port: number;
  username: string;
  /** OpenSSH-format private key text. */
  privateKey: string;
  passphrase?: string;
  /** The pinned server key, `SHA256:<base64>` as `ssh-keygen -l` prints it. */
  hostKey?: string;
  /** Accept any server key. Only for local sandboxes: the caller logs a warning on every use. */
  insecureAcceptAnyHostKey?: boolean;
  readyTimeoutMs?: number;
}

// 64 KiB × 32 keeps ssh2's fixed 2 MiB channel window full (pipeline-lab §5: ~1 MB per RTT).
const READ_CHUNK = 64 * 1024;
const READS_IN_FLIGHT = 32;
// A young collection after every this many bytes downloaded (see young-garbage.ts).
const YOUNG_COLLECTION_BYTES = 4 * 1024 * 1024;
const MAX_RECONNECTS = 3;
const RECONNECT_PAUSE_MS = 500;

/** `SHA256:<base64 without padding>` of a raw SSH host key, the form `ssh-keygen -l` prints. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
}

function normalizeFingerprint(pinned: string): string {
  const body = pinned
    .trim()
    .replace(/^SHA256:/i, "")
    .replace(/=+$/, "");
  return `SHA256:${body}`;
}

/** Connects and logs in; the host key is checked before any credential is sent. */
export async function connectSftp(options: SftpOptions): Promise<SftpSource> {
  if (options.hostKey === undefined && options.insecureAcceptAnyHostKey !== true) {
    throw new BridgeError({
      code: "SFTP_HOST_KEY_REQUIRED",
      message:
        "no hostKey is pinned for the SFTP server (set hostKey, or insecureAcceptAnyHostKey for a local sandbox)",
    });
  }
  const session = await openSession(options);
  return new SftpSource(options, session);
}

interface Session {
  client: SftpClient;
  sftp: SFTPWrapper;
  fingerprint: string;
}

/** A FileSource over one SFTP login; it reconnects by itself when a download breaks. */
export class SftpSource implements FileSource {
  readonly #options: SftpOptions;
  #session: Session;

  constructor(options: SftpOptions, session: Session) {
    this.#options = options;
    this.#session = session;
  }

  /** True when the server key was not checked: callers log a warning saying so. */
  get insecureHostKey(): boolean {
    return this.#options.hostKey === undefined;
  }

  /** The server's host key fingerprint as seen on the current connection. */
  get hostKeyFingerprint(): string {
    return this.#session.fingerprint;
  }

  async list(folder: string): Promise<RemoteFile[]> {
    const entries = await this.#session.client.list(folder).catch((error: unknown) => {
      throw new BridgeError({
        code: "SFTP_FOLDER_NOT_FOUND",
        message: `cannot list folder "${folder}": ${messageOf(error)}`,
        retryable: false,
        cause: error,
      });
    });
    return entries
      .filter((entry) => entry.type === "-")
      .map((entry) => ({
        path: path.posix.join(folder, entry.name),
        name: entry.name,
        size: entry.size,
        mtimeMs: entry.modifyTime,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async download(file: RemoteFile, localPath: string, options: DownloadOptions = {}): Promise<void> {
    for (let reconnects = 0; ; reconnects++) {
      try {
        await this.#downloadOnce(file, localPath, options);
        return;
      } catch (error) {
        const lost = error instanceof BridgeError && error.code === "SFTP_CONNECTION_LOST";
        if (!lost || options.signal?.aborted || reconnects >= MAX_RECONNECTS) throw error;
        await this.#reconnect();
      }
    }
  }

  async close(): Promise<void> {
    await endQuietly(this.#session.client);
  }

  /** A new session after a broken one; the server may need a moment, so a few tries with a growing pause. */
  async #reconnect(): Promise<void> {
    await endQuietly(this.#session.client);
    for (let attempt = 1; ; attempt++) {
      try {
        this.#session = await openSession(this.#options);
        return;
      } catch (error) {
        const retryable = error instanceof BridgeError && error.retryable;
        if (!retryable || attempt >= MAX_RECONNECTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_PAUSE_MS * attempt));
      }
    }
  }

  async #downloadOnce(file: RemoteFile, localPath: string, options: DownloadOptions): Promise<void> {
    const { sftp } = this.#session;
    const before = await remote<Stats>(file, (done) => sftp.stat(file.path, done));
    checkUnchanged(file, before);

    let offset = await localSize(localPath);
    if (offset > file.size) {
      await truncate(localPath, 0);
      offset = 0;
    }
    options.onProgress?.(offset);
    if (offset === file.size) return;

    const handle = await remote<Buffer>(file, (done) => sftp.open(file.path, "r", done));
    const output = await open(localPath, offset > 0 ? "a" : "w");
    try {
      const inFlight: Array<Promise<Buffer>> = [];
      const garbage = new YoungGarbage(YOUNG_COLLECTION_BYTES);
      let next = offset;
      const fill = () => {
        while (inFlight.length < READS_IN_FLIGHT && next < file.size) {
          const length = Math.min(READ_CHUNK, file.size - next);
          const read = readFully(sftp, file, handle, next, length);
          // Failures are taken when this read's turn comes; until then they must not count as unhandled.
          read.catch(() => {});
          inFlight.push(read);
          next += length;
        }
      };
      fill();
      for (let read = inFlight.shift(); read !== undefined; read = inFlight.shift()) {
        options.signal?.throwIfAborted();
        const chunk = await read;
        await output.write(chunk);
        garbage.add(chunk.length);
        offset += chunk.length;
        options.onProgress?.(offset);
        fill();
      }
      const after = await remote<Stats>(file, (done) => sftp.fstat(handle, done));
      checkUnchanged(file, after);
    } finally {
      await output.close();
      sftp.close(handle, () => {});
    }
  }
}

async function openSession(options: SftpOptions): Promise<Session> {
  const expected = options.hostKey === undefined ? undefined : normalizeFingerprint(options.hostKey);
  let seen: string | undefined;
  // The library's default global listeners print to the console; errors reach us through the
  // operations that fail instead.
  const client = new SftpClient("responsys-bridge", { error: () => {}, end: () => {}, close: () => {} });
  // Our own socket, so that Nagle is off from the first packet: with it on, the handshake's
  // round trips waited on delayed ACKs. Its errors reach us through the connect.
  const sock = createConnection({ host: options.host, port: options.port, noDelay: true });
  sock.on("error", () => {});
  try {
    const sftp = await client.connect({
      host: options.host,
      port: options.port,
      sock,
      username: options.username,
      privateKey: options.privateKey,
      ...(options.passphrase === undefined ? {} : { passphrase: options.passphrase }),
      readyTimeout: options.readyTimeoutMs ?? 20_000,
      // A silent, half-open connection is dropped after ~30 s so the download can resume.
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        seen = hostKeyFingerprint(key);
        return expected === undefined || seen === expected;
      },
    });
    return { client, sftp, fingerprint: seen ?? "" };
  } catch (error) {
    await endQuietly(client);
    // Not taken by the client when the connect fails before it starts (an unreadable key).
    sock.destroy();
    if (expected !== undefined && seen !== undefined && seen !== expected) {
      throw new BridgeError({
        code: "SFTP_HOST_KEY_MISMATCH",
        message: `SFTP host key mismatch for ${options.host}:${options.port}: expected ${expected}, server offered ${seen}; not logging in`,
        details: { expected, actual: seen },
      });
    }
    throw connectError(options, error);
  }
}

function connectError(options: SftpOptions, error: unknown): BridgeError {
  const message = messageOf(error);
  const where = `${options.username}@${options.host}:${options.port}`;
  if (/authentication methods failed/i.test(message)) {
    return new BridgeError({
      code: "SFTP_AUTH_FAILED",
      message: `SFTP login refused for ${where}: the server did not accept the private key`,
      cause: error,
    });
  }
  if (/privateKey|private key|passphrase/i.test(message)) {
    return new BridgeError({
      code: "SFTP_BAD_KEY",
      message: `the SFTP private key cannot be used: ${message}`,
      cause: error,
    });
  }
  return new BridgeError({
    code: "SFTP_CONNECT_FAILED",
    message: `cannot connect to SFTP ${where}: ${message}`,
    retryable: true,
    cause: error,
  });
}

async function endQuietly(client: SftpClient): Promise<void> {
  try {
    await client.end();
  } catch {
    // The connection is already gone; nothing to release.
  }
}

function checkUnchanged(file: RemoteFile, stats: Stats): void {
  const mtimeMs = stats.mtime * 1000;
  if (stats.size !== file.size || mtimeMs !== file.mtimeMs) throw fileChanged(file, stats.size, mtimeMs);
}

/**
 * Runs one SFTP request. SFTP status errors (numeric codes: no such file, permission denied)
 * are final; anything else means the connection broke, which download() answers by resuming.
 */
function remote<T>(
  file: RemoteFile,
  request: (done: (error: Error | null | undefined, value: T) => void) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (error: Error | null | undefined, value: T) => {
      if (error) reject(remoteError(file, error));
      else resolve(value);
    };
    try {
      request(done);
    } catch (error) {
      reject(remoteError(file, error));
    }
  });
}

function remoteError(file: RemoteFile, error: unknown): BridgeError {
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  if (code === 2) {
    return new BridgeError({
      code: "SFTP_FILE_NOT_FOUND",
      message: `${file.path} no longer exists`,
      cause: error,
    });
  }
  if (typeof code === "number") {
    return new BridgeError({
      code: "SFTP_REMOTE_ERROR",
      message: `the SFTP server refused to read ${file.path}: ${messageOf(error)}`,
      cause: error,
    });
  }
  return new BridgeError({
    code: "SFTP_CONNECTION_LOST",
    message: `the SFTP connection broke while reading ${file.path}: ${messageOf(error)}`,
    retryable: true,
    cause: error,
  });
}

async function readFully(
  sftp: SFTPWrapper,
  file: RemoteFile,
  handle: Buffer,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const bytesRead = await remote<number>(file, (done) =>
      sftp.read(handle, buffer, filled, length - filled, position + filled, (error, count) =>
        done(error, count),
      ),
    );
    if (bytesRead === 0) throw fileChanged(file, position + filled, file.mtimeMs);
    filled += bytesRead;
  }
  return buffer;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
