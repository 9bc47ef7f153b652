import { type ChildProcess, spawn } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sparePort } from "../test/support/sshd.ts";
import { ensureTestTools, run } from "../test/support/tools.ts";

export type ThrowawayPostgres =
  | {
      available: true;
      url: string;
      /** The postmaster's process id, for its CPU time (see cpu.ts). */
      pid: number | undefined;
      stop(): Promise<void>;
    }
  | { available: false; reason: string };

/**
 * A fresh PostgreSQL cluster on a spare 127.0.0.1 port (initdb + postgres as the `postgres` user,
 * trust auth, default durability settings). Reports why when it cannot start; it never fakes one.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  try {
    await ensureTestTools({ postgres: true });
  } catch (error) {
    return { available: false, reason: `PostgreSQL is not installable here: ${String(error)}` };
  }
  const bin = await postgresBin();
  if (bin === undefined) return { available: false, reason: "no initdb found" };
  const root = await mkdtemp(path.join(tmpdir(), "bench-pg-"));
  const dataDir = path.join(root, "data");
  // PostgreSQL refuses to run as root: as root, both programs run as the `postgres` user. Spawning
  // with uid/gid (not through runuser) lets stop() signal the server itself.
  let user: { uid: number; gid: number } | undefined;
  if (process.getuid?.() === 0) {
    user = await postgresUser();
    if (user === undefined) return { available: false, reason: "no postgres user to run the server as" };
    await chown(root, user.uid, user.gid);
  }
  try {
    await run(
      path.join(bin, "initdb"),
      ["-D", dataDir, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C"],
      { cwd: root, ...user },
    );
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    return { available: false, reason: `initdb failed: ${String(error)}` };
  }
  const port = await sparePort();
  const command = path.join(bin, "postgres");
  const args = [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${root}`,
  ];
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], cwd: root, ...user });
  let log = "";
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    log += text;
  });
  const ready = await waitReady(child, () => log);
  if (!ready) {
    child.kill("SIGTERM");
    await rm(root, { recursive: true, force: true });
    return { available: false, reason: `postgres did not start: ${log.slice(-400)}` };
  }
  return {
    available: true,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await exited;
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
    const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

async function postgresBin(): Promise<string | undefined> {
  const { stdout } = await run("sh", [
    "-c",
    "ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1",
  ]);
  const dir = stdout.trim();
  return dir === "" ? undefined : dir;
}

function waitReady(child: ChildProcess, log: () => string): Promise<boolean> {
  return new Promise((resolve) => {
    const onData = () => {
      if (log().includes("ready to accept connections")) {
        child.stderr?.off("data", onData);
        resolve(true);
      }
    };
    child.stderr?.on("data", onData);
    child.once("exit", () => resolve(false));
  });
}
