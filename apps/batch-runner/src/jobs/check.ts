import { toBridgeError } from "@responsys-bridge/core";
import type { ResolvedJob } from "../config/load.ts";
import type { FileSource } from "../sftp/source.ts";
import { FileStates } from "../store/file-state.ts";
import { connectSource, createSink, mappingOf, pgpKeyOf, type Runtime } from "./runtime.ts";

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Verifies a job end to end without importing: mapping, PGP key and passphrase, SFTP login with
 * the pinned host key, the folder, and the sink. Each check reports on its own; one failing does
 * not hide the others (except that the folder needs a login).
 */
export async function checkJob(runtime: Runtime, job: ResolvedJob): Promise<CheckResult[]> {
  const results: CheckResult[] = [{ name: "config", ok: true, detail: `job ${job.id} is valid` }];
  const attempt = async (name: string, work: () => Promise<string>): Promise<boolean> => {
    try {
      results.push({ name, ok: true, detail: await work() });
      return true;
    } catch (error) {
      const failure = toBridgeError(error);
      results.push({ name, ok: false, detail: `${failure.code}: ${failure.message}` });
      return false;
    }
  };

  await attempt("mapping", async () => {
    const mapping = mappingOf(job);
    return `${mapping.fields.length} fields, identity by ${mapping.by.join(" or ")}`;
  });
  if (job.authorization.pgpPrivateKey !== undefined) {
    await attempt("pgp key", async () => {
      const key = await pgpKeyOf(job);
      return `key ${key?.fingerprint ?? "?"} unlocked`;
    });
  }
  let source: FileSource | undefined;
  const auth = job.authorization;
  const loggedIn = await attempt("sftp login", async () => {
    source = await connectSource(runtime, job);
    const hostKey = auth.insecureAcceptAnyHostKey
      ? "host key NOT verified (insecureAcceptAnyHostKey)"
      : `host key ${auth.hostKey ?? "?"} matched`;
    return `${auth.username}@${auth.host}:${auth.port} logged in, ${hostKey}`;
  });
  if (loggedIn && source !== undefined) {
    const connected = source;
    await attempt("folder", async () => {
      const listed = await connected.list(auth.folder);
      return `${auth.folder} lists ${listed.length} file(s)`;
    });
    await connected.close().catch(() => {});
  } else {
    results.push({ name: "folder", ok: false, detail: "not checked: no SFTP login" });
  }
  await attempt("database", async () => {
    await runtime.database.query("SELECT 1");
    return `${runtime.database.kind} database reachable, migrations applied`;
  });
  await attempt("sink", () => createSink(runtime, job, new FileStates(runtime.database, job.id)).check());
  return results;
}
