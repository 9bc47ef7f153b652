import { timingSafeEqual } from "node:crypto";
import { type FileHandle, open, readdir, realpath, stat } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { posix, relative, resolve, sep } from "node:path";
import ssh2, { type Attributes, type Connection, type SFTPWrapper } from "ssh2";

// ssh2 is CommonJS: Node gives an ES module only its default export.
const { Server, utils: sshUtils } = ssh2;
const { OPEN_MODE, STATUS_CODE } = sshUtils.sftp;

export interface SftpServerOptions {
  /** The folder served as `/`; nothing outside it is reachable. */
  root: string;
  /** OpenSSH-format host private key. */
  hostKey: string;
  username: string;
  /** The one public key (OpenSSH format) allowed to log in. */
  authorizedKey: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  log?: (line: string) => void;
}

export interface RunningSftpServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A read-only SFTP server over ssh2's pure-JS server mode: public-key login for one user, and
 * just the requests a download client makes (list, stat, open for reading, read, close).
 */
export async function startSftpServer(options: SftpServerOptions): Promise<RunningSftpServer> {
  const root = await realpath(options.root);
  const allowed = sshUtils.parseKey(options.authorizedKey);
  if (allowed instanceof Error) throw new Error(`authorized key is not an SSH key: ${allowed.message}`);
  const allowedBlob = allowed.getPublicSSH();
  const log = options.log ?? (() => {});
  const connections = new Set<Connection>();

  const server = new Server({ hostKeys: [options.hostKey] }, (client, info) => {
    connections.add(client);
    client.on("close", () => connections.delete(client));
    client.on("error", () => {});
    client.on("authentication", (ctx) => {
      const keyMatches =
        ctx.method === "publickey" &&
        ctx.username === options.username &&
        ctx.key.algo === allowed.type &&
        ctx.key.data.length === allowedBlob.length &&
        timingSafeEqual(ctx.key.data, allowedBlob);
      if (ctx.method !== "publickey" || !keyMatches) return ctx.reject(["publickey"]);
      // Without a signature the client only asks whether this key would do.
      if (ctx.signature !== undefined && ctx.blob !== undefined) {
        if (allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(["publickey"]);
        log(`login ${ctx.username} from ${info.ip}`);
      }
      ctx.accept();
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        session.on("sftp", (acceptSftp) => serveReadOnly(acceptSftp(), root, log));
      });
    });
  });

  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", fail);
      done();
    });
  });
  const { port } = tcpAddressOf(server.address());
  return {
    host,
    port,
    close: () =>
      new Promise<void>((done) => {
        for (const connection of connections) connection.end();
        server.close(() => done());
      }),
  };
}

type OpenEntry =
  | { kind: "file"; file: FileHandle; path: string }
  | { kind: "dir"; path: string; sent: boolean };

function serveReadOnly(sftp: SFTPWrapper, root: string, log: (line: string) => void): void {
  const handles = new Map<number, OpenEntry>();
  let nextHandle = 1;
  const newHandle = (entry: OpenEntry) => {
    const id = nextHandle++;
    handles.set(id, entry);
    const buffer = Buffer.alloc(4);
    buffer.writeUInt32BE(id);
    return buffer;
  };
  const entryOf = (handle: Buffer) => (handle.length === 4 ? handles.get(handle.readUInt32BE(0)) : undefined);
  const fail = (reqId: number, error: unknown) => {
    const code = errnoCode(error);
    const status = code === "ENOENT" || code === "ENOTDIR" ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE;
    sftp.status(reqId, status, error instanceof Error ? error.message : String(error));
  };
  const denied = (reqId: number) => sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED, "read-only server");

  sftp.on("REALPATH", (reqId, path) => {
    const virtual = posix.resolve("/", path);
    sftp.name(reqId, [{ filename: virtual, longname: virtual, attrs: emptyAttrs() }]);
  });
  const statPath = (reqId: number, path: string) => {
    stat(inside(root, path)).then(
      (stats) => sftp.attrs(reqId, attrsOf(stats)),
      (error: unknown) => fail(reqId, error),
    );
  };
  sftp.on("STAT", statPath);
  sftp.on("LSTAT", statPath);
  sftp.on("FSTAT", (reqId, handle) => {
    const entry = entryOf(handle);
    if (entry === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE, "unknown handle");
    const target = entry.kind === "file" ? entry.file.stat() : stat(entry.path);
    target.then(
      (stats) => sftp.attrs(reqId, attrsOf(stats)),
      (error: unknown) => fail(reqId, error),
    );
  });
  sftp.on("OPEN", (reqId, path, flags) => {
    if ((flags & ~OPEN_MODE.READ) !== 0) return denied(reqId);
    const local = inside(root, path);
    open(local, "r").then(
      (file) => {
        log(`download ${posix.resolve("/", path)}`);
        sftp.handle(reqId, newHandle({ kind: "file", file, path: local }));
      },
      (error: unknown) => fail(reqId, error),
    );
  });
  sftp.on("READ", (reqId, handle, offset, length) => {
    const entry = entryOf(handle);
    if (entry?.kind !== "file") return sftp.status(reqId, STATUS_CODE.FAILURE, "not a file handle");
    const buffer = Buffer.alloc(Math.min(length, 256 * 1024));
    entry.file.read(buffer, 0, buffer.length, offset).then(
      ({ bytesRead }) =>
        bytesRead === 0
          ? sftp.status(reqId, STATUS_CODE.EOF)
          : sftp.data(reqId, buffer.subarray(0, bytesRead)),
      (error: unknown) => fail(reqId, error),
    );
  });
  sftp.on("OPENDIR", (reqId, path) => {
    const local = inside(root, path);
    stat(local).then(
      (stats) =>
        stats.isDirectory()
          ? sftp.handle(reqId, newHandle({ kind: "dir", path: local, sent: false }))
          : sftp.status(reqId, STATUS_CODE.FAILURE, "not a directory"),
      (error: unknown) => fail(reqId, error),
    );
  });
  sftp.on("READDIR", (reqId, handle) => {
    const entry = entryOf(handle);
    if (entry?.kind !== "dir") return sftp.status(reqId, STATUS_CODE.FAILURE, "not a directory handle");
    if (entry.sent) return sftp.status(reqId, STATUS_CODE.EOF);
    entry.sent = true;
    listNames(entry.path).then(
      (names) => (names.length === 0 ? sftp.status(reqId, STATUS_CODE.EOF) : sftp.name(reqId, names)),
      (error: unknown) => fail(reqId, error),
    );
  });
  sftp.on("CLOSE", (reqId, handle) => {
    const entry = entryOf(handle);
    if (entry === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE, "unknown handle");
    handles.delete(handle.readUInt32BE(0));
    const closing = entry.kind === "file" ? entry.file.close() : Promise.resolve();
    closing.then(
      () => sftp.status(reqId, STATUS_CODE.OK),
      (error: unknown) => fail(reqId, error),
    );
  });
  for (const event of [
    "WRITE",
    "FSETSTAT",
    "SETSTAT",
    "REMOVE",
    "RMDIR",
    "MKDIR",
    "RENAME",
    "SYMLINK",
  ] as const) {
    sftp.on(event, (reqId: number) => denied(reqId));
  }
  sftp.on("READLINK", (reqId) => sftp.status(reqId, STATUS_CODE.OP_UNSUPPORTED));
  // OpenSSH's sftp sends EOF and waits for the channel to close before it exits.
  sftp.on("end", () => sftp.end());
  sftp.on("close", () => {
    for (const entry of handles.values()) if (entry.kind === "file") void entry.file.close().catch(() => {});
    handles.clear();
  });
}

/** The local path of a client path, which can never leave `root` (`..` stops at `/`). */
function inside(root: string, clientPath: string): string {
  const local = resolve(root, `.${posix.resolve("/", clientPath)}`);
  const rel = relative(root, local);
  if (rel.startsWith("..") || rel.startsWith(sep)) return root;
  return local;
}

async function listNames(dir: string) {
  const names = await readdir(dir);
  const entries = [];
  for (const name of names.sort()) {
    const stats = await stat(`${dir}/${name}`).catch(() => undefined);
    if (stats === undefined) continue;
    const attrs = attrsOf(stats);
    entries.push({ filename: name, longname: longnameOf(name, stats.isDirectory(), attrs), attrs });
  }
  return entries;
}

function attrsOf(stats: { mode: number; size: number; atimeMs: number; mtimeMs: number }): Attributes {
  return {
    // Read-only for everyone, whatever the local permissions are.
    mode: stats.mode & ~0o222,
    uid: 0,
    gid: 0,
    size: stats.size,
    atime: Math.floor(stats.atimeMs / 1000),
    mtime: Math.floor(stats.mtimeMs / 1000),
  };
}

function emptyAttrs(): Attributes {
  return { mode: 0o040555, uid: 0, gid: 0, size: 0, atime: 0, mtime: 0 };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// Clients such as ssh2-sftp-client read the entry type from the first character of the `ls -l` line.
function longnameOf(name: string, directory: boolean, attrs: Attributes): string {
  const at = new Date(attrs.mtime * 1000);
  const date = `${MONTHS[at.getUTCMonth()]} ${String(at.getUTCDate()).padStart(2)} ${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
  const mode = directory ? "dr-xr-xr-x" : "-r--r--r--";
  return `${mode}    1 connect  connect  ${String(attrs.size).padStart(10)} ${date} ${name}`;
}

function tcpAddressOf(address: AddressInfo | string | null): AddressInfo {
  if (address === null || typeof address === "string") throw new Error("the SFTP server has no TCP address");
  return address;
}

/** The `code` of a Node fs error (ENOENT…), or undefined for anything else. */
function errnoCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("code" in error)) return undefined;
  return typeof error.code === "string" ? error.code : undefined;
}
