import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureTestTools, run } from "./tools.ts";

/** A real OpenSSH sshd on 127.0.0.1 with its own host key and one authorized ed25519 user key. */
export interface SshdServer {
  host: string;
  port: number;
  username: string;
  /** OpenSSH-format private key of the authorized user. */
  privateKey: string;
  privateKeyPath: string;
  /** `SHA256:…` of the server's host key, as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  /** A folder served over SFTP; files go here (absolute path, same on both sides). */
  filesDir: string;
  /** Everything sshd has logged so far (LogLevel VERBOSE). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts sshd on a spare port; root login with a key is allowed by its own config. */
export async function startSshd(): Promise<SshdServer> {
  await ensureTestTools();
  const dir = await mkdtemp(path.join(tmpdir(), "sshd-"));
  const filesDir = path.join(dir, "files");
  await mkdir(filesDir);
  // sshd refuses to start without its privilege-separation directory, which systemd usually makes.
  await mkdir("/run/sshd", { recursive: true });
  const hostKey = path.join(dir, "host_ed25519");
  const userKey = path.join(dir, "user_ed25519");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test-host", "-f", hostKey]);
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "test-user", "-f", userKey]);
  await writeFile(path.join(dir, "authorized_keys"), await readFile(`${userKey}.pub`));
  const { stdout } = await run("ssh-keygen", ["-l", "-f", `${hostKey}.pub`]);
  const hostKeyFingerprint = stdout.split(" ")[1] ?? "";

  const port = await sparePort();
  const config = path.join(dir, "sshd_config");
  await writeFile(
    config,
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      "PermitRootLogin prohibit-password",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      "LogLevel VERBOSE",
      "Subsystem sftp /usr/lib/openssh/sftp-server",
      "",
    ].join("\n"),
  );

  const child = spawn("/usr/sbin/sshd", ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    log += text;
  });
  await waitForListening(child, () => log);

  return {
    host: "127.0.0.1",
    port,
    username: "root",
    privateKey: await readFile(userKey, "utf8"),
    privateKeyPath: userKey,
    hostKeyFingerprint,
    filesDir,
    log: () => log,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function waitForListening(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onData = () => {
      if (log().includes("Server listening on")) {
        child.stderr?.off("data", onData);
        child.off("exit", onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`sshd exited with ${code}: ${log()}`));
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}

/** A free TCP port on 127.0.0.1 (the OS picks it; released just before use). */
export function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
