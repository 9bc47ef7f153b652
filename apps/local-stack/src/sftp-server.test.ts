import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2, { type SFTPWrapper } from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSshKey, type SshKeyPair, sshFingerprint } from "./local-state.ts";
import { type RunningSftpServer, startSftpServer } from "./sftp-server.ts";

const { Client } = ssh2;

describe("SFTP sandbox", () => {
  let dir: string;
  let server: RunningSftpServer;
  let hostKey: SshKeyPair;
  let clientKey: SshKeyPair;
  let strangerKey: SshKeyPair;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sftp-sandbox-"));
    await mkdir(join(dir, "root", "download"), { recursive: true });
    await writeFile(join(dir, "root", "download", "10001_OPEN_20261126_060000.txt"), "A|B\r\n1|2\r\n");
    hostKey = await ensureSshKey(join(dir, "host"), "host");
    clientKey = await ensureSshKey(join(dir, "client"), "client");
    strangerKey = await ensureSshKey(join(dir, "stranger"), "stranger");
    server = await startSftpServer({
      root: join(dir, "root"),
      hostKey: hostKey.privateKey,
      username: "connect",
      authorizedKey: clientKey.publicKey,
      log: (line) => logs.push(line),
    });
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  function connect(privateKey: string, username = "connect") {
    return new Promise<{ sftp: SFTPWrapper; seenHostKey: string; end: () => void }>((resolve, reject) => {
      const client = new Client();
      let seenHostKey = "";
      client
        .on("ready", () =>
          client.sftp((error, sftp) =>
            error ? reject(error) : resolve({ sftp, seenHostKey, end: () => client.end() }),
          ),
        )
        .on("error", reject)
        .connect({
          host: server.host,
          port: server.port,
          username,
          privateKey,
          hostVerifier: (key: Buffer) => {
            seenHostKey = sshFingerprint(`ssh-ed25519 ${key.toString("base64")}`);
            return true;
          },
        });
    });
  }

  it("lets the authorized key list and download, showing the pinned host key", async () => {
    const { sftp, seenHostKey, end } = await connect(clientKey.privateKey);
    try {
      expect(seenHostKey).toBe(sshFingerprint(hostKey.publicKey));
      const entries = await new Promise<ssh2.FileEntryWithStats[]>((resolve, reject) =>
        sftp.readdir("/download", (error, list) => (error ? reject(error) : resolve(list))),
      );
      expect(entries.map((entry) => [entry.filename, entry.longname.charAt(0), entry.attrs.size])).toEqual([
        ["10001_OPEN_20261126_060000.txt", "-", 10],
      ]);
      const text = await new Promise<string>((resolve, reject) => {
        let body = "";
        sftp
          .createReadStream("/download/10001_OPEN_20261126_060000.txt")
          .on("data", (chunk: Buffer) => {
            body += chunk.toString("utf8");
          })
          .on("end", () => resolve(body))
          .on("error", reject);
      });
      expect(text).toBe("A|B\r\n1|2\r\n");
      expect(logs).toContain("download /download/10001_OPEN_20261126_060000.txt");
    } finally {
      end();
    }
  });

  it("is read-only and keeps clients inside its folder", async () => {
    const { sftp, end } = await connect(clientKey.privateKey);
    try {
      const writeError = await new Promise<Error | undefined>((resolve) =>
        sftp.open("/download/new.txt", "w", (error) => resolve(error ?? undefined)),
      );
      expect(writeError?.message).toMatch(/read-only/);
      const removeError = await new Promise<Error | undefined>((resolve) =>
        sftp.unlink("/download/10001_OPEN_20261126_060000.txt", (error) => resolve(error ?? undefined)),
      );
      expect(removeError?.message).toMatch(/read-only/);
      const outside = await new Promise<Error | undefined>((resolve) =>
        sftp.stat("/../../../etc/passwd", (error) => resolve(error ?? undefined)),
      );
      expect(outside?.message).toMatch(/no such file/i);
    } finally {
      end();
    }
  });

  it.each([
    ["another key", () => strangerKey.privateKey, "connect"],
    ["another user", () => clientKey.privateKey, "root"],
  ])("refuses %s", async (_name, key, username) => {
    await expect(connect(key(), username)).rejects.toThrow(/authentication methods failed/);
  });
});
