import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

export const run = promisify(execFile);

const ENSURE_SCRIPT = fileURLToPath(new URL("../../scripts/ensure-test-tools.sh", import.meta.url));

/**
 * Installs openssh-server / gnupg (and PostgreSQL on request) when missing. The script only checks
 * paths when everything is there, so calling it from every test set-up costs milliseconds.
 */
export async function ensureTestTools(options: { postgres?: boolean } = {}): Promise<void> {
  await run("sh", [ENSURE_SCRIPT, ...(options.postgres ? ["--with-postgres"] : [])], {
    maxBuffer: 16 * 1024 * 1024,
  });
}
