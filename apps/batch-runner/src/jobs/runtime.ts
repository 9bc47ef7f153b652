import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { defaultResponsysMapping, type Mapping } from "@responsys-bridge/mapping";
import type { LoadedConfig, ResolvedAuthorization, ResolvedJob } from "../config/load.ts";
import type { Logger } from "../logging/logger.ts";
import { type ImportProgress, progressLog } from "../logging/progress.ts";
import { loadPgpKey, type PgpKey } from "../pgp/decrypt.ts";
import { connectSftp } from "../sftp/sftp-source.ts";
import type { FileSource } from "../sftp/source.ts";
import { createLyticsSink } from "../sinks/lytics-sink.ts";
import { createProfileMapper, type ProfileMapper } from "../sinks/profile-mapper.ts";
import type { Sink } from "../sinks/sink.ts";
import { createStoreSink } from "../sinks/store-sink.ts";
import { type Database, openDatabase } from "../store/database.ts";
import { FileStates } from "../store/file-state.ts";
import { FileTurns } from "./file-turns.ts";
import { DEFAULT_LEASE_TTL_MS, type ImportSummary, runImportJob } from "./import-activity.ts";

/** How a job reaches its files; tests and the local stack pass a folder source instead of SFTP. */
export type ConnectSource = (authorization: ResolvedAuthorization) => Promise<FileSource>;

export interface RuntimeOptions {
  logger: Logger;
  connectSource?: ConnectSource;
  fetch?: typeof fetch;
  now?: () => Date;
  /** Lease holder id; unique per process by default. */
  holder?: string;
  chunkSize?: number;
  leaseTtlMs?: number;
  /** An already open database to use instead of the config's (tests, embedding); not closed by us. */
  database?: Database;
  /** Jobs about to import (`run`, `start`): their PGP keys are unlocked before an embedded database opens. */
  importing?: readonly string[];
}

/** The runner's long-lived parts: config, database and identity, opened once per process. */
export interface Runtime {
  readonly config: LoadedConfig;
  readonly database: Database;
  readonly holder: string;
  readonly logger: Logger;
  readonly options: RuntimeOptions;
  /** PGP keys unlocked so far, by job id: each is unlocked once per process (see unlockedKey). */
  readonly unlockedKeys: Map<string, PgpKey>;
  /** One file import at a time across the jobs (`start` runs jobs on the same schedule together). */
  readonly fileTurns: FileTurns;
  close(): Promise<void>;
}

export async function openRuntime(config: LoadedConfig, options: RuntimeOptions): Promise<Runtime> {
  const owned = options.database === undefined;
  const unlockedKeys = new Map<string, PgpKey>();
  // Unlocking a key starts a worker (openpgp and its own heap) whose memory is returned when it
  // exits. Done before PGlite is loaded, that moment never adds to PGlite's own ~190 MB.
  if (owned && config.database.kind === "pglite") {
    for (const job of config.jobs) {
      if (!options.importing?.includes(job.id)) continue;
      // A key that will not unlock is reported by the run itself, with the job's other errors.
      await unlockedKey(unlockedKeys, job).catch(() => undefined);
    }
  }
  const database = options.database ?? (await openDatabase(config.database));
  return {
    config,
    database,
    unlockedKeys,
    fileTurns: new FileTurns(),
    holder: options.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    logger: options.logger,
    options,
    close: () => (owned ? database.close() : Promise.resolve()),
  };
}

/** The job's logger: every line of a job with an unpinned host key says so. */
export function jobLogger(logger: Logger, job: ResolvedJob): Logger {
  return logger.child(
    job.authorization.insecureAcceptAnyHostKey
      ? { job: job.id, insecureAcceptAnyHostKey: true, warning: "SFTP host key not verified" }
      : { job: job.id },
  );
}

export function mappingOf(job: ResolvedJob): Mapping {
  return job.mapping.kind === "default" ? defaultResponsysMapping : job.mapping.mapping;
}

/** The mapper whose identities `profile` looks up: the first store job's mapping, else the default. */
export function profileMapperOf(config: LoadedConfig): ProfileMapper {
  const job = config.jobs.find((candidate) => candidate.sink.type === "store");
  return createProfileMapper(job === undefined ? defaultResponsysMapping : mappingOf(job));
}

export function connectSource(runtime: Runtime, job: ResolvedJob): Promise<FileSource> {
  if (runtime.options.connectSource !== undefined) return runtime.options.connectSource(job.authorization);
  const auth = job.authorization;
  return connectSftp({
    host: auth.host,
    port: auth.port,
    username: auth.username,
    privateKey: auth.privateKey,
    ...(auth.hostKey === undefined ? {} : { hostKey: auth.hostKey }),
    insecureAcceptAnyHostKey: auth.insecureAcceptAnyHostKey,
  });
}

/** What unlocking a job's key reads of it. */
export interface PgpKeyHolder {
  readonly id: string;
  readonly authorization: { readonly pgpPrivateKey?: string; readonly pgpPassphrase?: string };
}

export async function pgpKeyOf(job: PgpKeyHolder): Promise<PgpKey | undefined> {
  const auth = job.authorization;
  if (auth.pgpPrivateKey === undefined) return undefined;
  return loadPgpKey(auth.pgpPrivateKey, auth.pgpPassphrase);
}

/**
 * The job's PGP key, unlocked once per process and kept in `cache`. Under `start` every scheduled
 * run would otherwise start a worker and pay GnuPG's S2K again (~0.4 s in all), even a run that
 * finds no new file. The unlocked key holds nothing the process did not hold already: the
 * passphrase is in its config. A key that fails to unlock is not kept, so each run reports it.
 */
export async function unlockedKey(
  cache: Map<string, PgpKey>,
  job: PgpKeyHolder,
): Promise<PgpKey | undefined> {
  const known = cache.get(job.id);
  if (known !== undefined) return known;
  const key = await pgpKeyOf(job);
  if (key !== undefined) cache.set(job.id, key);
  return key;
}

export function createSink(runtime: Runtime, job: ResolvedJob, files: FileStates): Sink {
  const now = runtime.options.now ?? (() => new Date());
  const leaseTtlMs = runtime.options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  if (job.sink.type === "lytics") {
    return createLyticsSink({
      url: job.sink.url,
      stream: job.sink.stream,
      apiToken: job.sink.apiToken,
      database: runtime.database,
      files,
      now,
      leaseTtlMs,
      ...(runtime.options.fetch === undefined ? {} : { fetch: runtime.options.fetch }),
    });
  }
  return createStoreSink({
    database: runtime.database,
    files,
    mapper: createProfileMapper(mappingOf(job)),
    now,
    leaseTtlMs,
  });
}

export function stagingDirOf(runtime: Runtime, job: ResolvedJob): string {
  return join(runtime.config.dir, ".data", "staging", job.id);
}

/**
 * One run of a job: unlock the PGP key, connect, import, disconnect. Errors before the import
 * starts (bad key, no connection, no folder) are thrown; file failures are in the summary.
 */
export async function runJobOnce(
  runtime: Runtime,
  job: ResolvedJob,
  options: { signal?: AbortSignal; onProgress?: (progress: ImportProgress) => void } = {},
): Promise<ImportSummary> {
  const logger = jobLogger(runtime.logger, job);
  if (job.authorization.insecureAcceptAnyHostKey) {
    logger.warn(
      "the SFTP server's host key is not verified (insecureAcceptAnyHostKey): local sandboxes only",
    );
  }
  const files = new FileStates(runtime.database, job.id);
  const sink = createSink(runtime, job, files);
  const logProgress = progressLog(logger);
  // The key is unlocked in a worker thread while the SSH handshake runs here.
  const [unlocked, connected] = await Promise.allSettled([
    unlockedKey(runtime.unlockedKeys, job),
    connectSource(runtime, job),
  ]);
  if (unlocked.status === "rejected") {
    if (connected.status === "fulfilled") await connected.value.close().catch(() => {});
    throw unlocked.reason;
  }
  if (connected.status === "rejected") throw connected.reason;
  const source = connected.value;
  const pgpKey = unlocked.value;
  try {
    return await runImportJob({
      job,
      source,
      files,
      sink,
      pgpKey,
      stagingDir: stagingDirOf(runtime, job),
      now: runtime.options.now ?? (() => new Date()),
      logger,
      holder: runtime.holder,
      turns: runtime.fileTurns,
      signal: options.signal,
      onProgress: (progress) => {
        options.onProgress?.(progress);
        logProgress(progress);
      },
      ...(runtime.options.chunkSize === undefined ? {} : { chunkSize: runtime.options.chunkSize }),
      ...(runtime.options.leaseTtlMs === undefined ? {} : { leaseTtlMs: runtime.options.leaseTtlMs }),
    });
  } finally {
    await source.close().catch(() => {});
  }
}
