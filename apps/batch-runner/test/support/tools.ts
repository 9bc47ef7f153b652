import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const run = promisify(execFile);

const ENSURE_SCRIPT = fileURLToPath(new URL("../../scripts/ensure-test-tools.sh", import.meta.url));

/** Installs openssh-server / gnupg (and PostgreSQL on request) when missing; instant when present. */
export async function ensureTestTools(options: { postgres?: boolean } = {}): Promise<void> {
  const haveBasics = existsSync("/usr/sbin/sshd") && existsSync("/usr/lib/openssh/sftp-server");
  if (haveBasics && !options.postgres) return;
  await run("sh", [ENSURE_SCRIPT, ...(options.postgres ? ["--with-postgres"] : [])], {
    maxBuffer: 16 * 1024 * 1024,
  });
}
