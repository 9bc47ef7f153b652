import { stat } from "node:fs/promises";
import { setImmediate } from "node:timers/promises";
import { BridgeError, toBridgeError } from "@responsys-bridge/core";
import type { ResolvedJob } from "../config/load.ts";
import { type ConnectFileName, parseConnectFileName } from "../connect-files/name.ts";
import { PartFiles, type PartRecord, partCount } from "../connect-files/partition.ts";
import { prepareConnectFile } from "../connect-files/prepare.ts";
import { type EventChunk, readConnectEvents } from "../connect-files/read.ts";
import { ensureDownloadSpace, ensurePartsSpace, partsNeed } from "../connect-files/staging-space.ts";
import type { Logger } from "../logging/logger.ts";
import type { ImportProgress } from "../logging/progress.ts";
import type { PgpKey } from "../pgp/decrypt.ts";
import type { FileSource, RemoteFile } from "../sftp/source.ts";
import type { ChunkWrite, LineSink, Sink, UserSink } from "../sinks/sink.ts";
import { EventColumns } from "../store/event-columns.ts";
import type { FileLease, FileStates } from "../store/file-state.ts";
import type { FileTurns } from "./file-turns.ts";

// Rows per Lytics batch (small chunks keep the live heap small). The store sink sets its own
// transaction size (UserSink.batchRows).
export const DEFAULT_CHUNK_SIZE = 2_500;
// A file imported by user is parsed in small chunks: each chunk's events are short-lived garbage
// for a young-generation collection instead of survivors copied and promoted (measured: GC was a
// third of the CPU with chunks of 2,500).
const USER_READ_CHUNK = 256;
export const DEFAULT_LEASE_TTL_MS = 5 * 60_000;

export interface ImportJobDeps {
  job: Pick<ResolvedJob, "id" | "accountIds" | "delimiter" | "authorization">;
  source: FileSource;
  files: FileStates;
  sink: Sink;
  pgpKey?: PgpKey | undefined;
  stagingDir: string;
  now: () => Date;
  logger: Logger;
  /** One file import at a time across the process's jobs (see FileTurns); absent: no waiting. */
  turns?: FileTurns | undefined;
  /** Who holds leases taken by this run (unique per runner process). */
  holder: string;
  /** Stops the run after the current write (chunk, batch or part): its checkpoint is committed, the lease released. */
  signal?: AbortSignal | undefined;
  onProgress?: ((progress: ImportProgress) => void) | undefined;
  /** Rows per write: a Lytics batch, or a store transaction of events (tests use tiny ones). */
  chunkSize?: number;
  /** Plaintext bytes per part for a sink that imports by user (tests use tiny parts). */
  partBytes?: number;
  leaseTtlMs?: number;
}

export interface FileError {
  file: string;
  code: string;
  message: string;
}

/** The outcome of one run, as `run --json` prints it. */
export interface ImportSummary {
  jobId: string;
  files: { seen: number; imported: number; skipped: number; failed: number };
  rows: number;
  events: number;
  rejected: number;
  durationMs: number;
  errors: FileError[];
  /** True when a shutdown signal stopped the run before every file was done. */
  interrupted: boolean;
}

/** A remote file the job would import, or why it would not. */
export type Candidate =
  | { remote: RemoteFile; connect: ConnectFileName; skip?: undefined }
  | { remote: RemoteFile; connect?: ConnectFileName; skip: string };

/** Lists the folder and sorts files into candidates and skipped ones (other names, other accounts). */
export async function listCandidates(
  source: FileSource,
  job: Pick<ResolvedJob, "accountIds" | "authorization">,
): Promise<Candidate[]> {
  const listed = await source.list(job.authorization.folder);
  const candidates: Candidate[] = listed.map((remote) => {
    const parsed = parseConnectFileName(remote.name);
    if (!parsed.ok) return { remote, skip: `not a Connect export: ${parsed.reason}` };
    if (job.accountIds.length > 0 && !job.accountIds.includes(parsed.file.accountId)) {
      return { remote, connect: parsed.file, skip: `account ${parsed.file.accountId} is not in accountIds` };
    }
    return { remote, connect: parsed.file };
  });
  // Oldest export first, so profiles see events roughly in time order.
  return candidates.sort(
    (a, b) =>
      (a.connect?.exportedAt.getTime() ?? 0) - (b.connect?.exportedAt.getTime() ?? 0) ||
      a.remote.name.localeCompare(b.remote.name),
  );
}

/**
 * The import_activity job: every new Connect file in the folder is leased, downloaded, decrypted,
 * read in chunks from its checkpoint and written to the sink. A file that fails does so alone and
 * is retried on the next run; a file already imported (same path, size and mtime) is skipped.
 */
export async function runImportJob(deps: ImportJobDeps): Promise<ImportSummary> {
  const { job, logger, now } = deps;
  const started = now().getTime();
  const summary: ImportSummary = {
    jobId: job.id,
    files: { seen: 0, imported: 0, skipped: 0, failed: 0 },
    rows: 0,
    events: 0,
    rejected: 0,
    durationMs: 0,
    errors: [],
    interrupted: false,
  };
  const candidates = await listCandidates(deps.source, job);
  summary.files.seen = candidates.length;
  const todo = candidates.filter((c) => c.skip === undefined).length;
  let filesDone = 0;
  logger.info("run started", { files: candidates.length, candidates: todo });

  for (const candidate of candidates) {
    const { remote } = candidate;
    if (candidate.skip !== undefined) {
      summary.files.skipped++;
      logger.debug("file skipped", { file: remote.path, reason: candidate.skip });
      continue;
    }
    if (deps.signal?.aborted) {
      summary.interrupted = true;
      break;
    }
    // Taken before the lease, so that a file waiting for its turn is not leased meanwhile.
    if (deps.turns?.busy) logger.info("file waits for another job's import to finish", { file: remote.path });
    const giveBack = deps.turns === undefined ? () => {} : await deps.turns.take(deps.signal);
    if (giveBack === undefined) {
      summary.interrupted = true;
      break;
    }
    const result = await importCandidate(deps, candidate, filesDone, todo).finally(giveBack);
    if (result === undefined) {
      summary.files.skipped++;
      continue;
    }
    filesDone++;
    summary.rows += result.rows;
    summary.events += result.events;
    summary.rejected += result.rejected;
    if (result.error !== undefined) {
      summary.files.failed++;
      summary.errors.push(result.error);
    } else if (result.interrupted) {
      summary.interrupted = true;
      break;
    } else {
      summary.files.imported++;
    }
  }
  summary.durationMs = now().getTime() - started;
  logger.info("run finished", { ...summary, errors: summary.errors.length });
  return summary;
}

/** Leases and imports one file; undefined if another runner holds it or it is done already. */
async function importCandidate(
  deps: ImportJobDeps,
  candidate: Extract<Candidate, { skip?: undefined }>,
  filesDone: number,
  todo: number,
): Promise<FileResult | undefined> {
  const { files, logger, now } = deps;
  const { remote } = candidate;
  const ttl = deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const outcome = await files.acquire(
    {
      path: remote.path,
      name: remote.name,
      size: remote.size,
      mtimeMs: remote.mtimeMs,
      accountId: candidate.connect.accountId,
    },
    deps.holder,
    now(),
    ttl,
  );
  if (!outcome.acquired) {
    logger.debug("file skipped", { file: remote.path, reason: outcome.reason });
    return undefined;
  }
  return importFile(deps, remote, candidate.connect, outcome.lease, (progress) =>
    deps.onProgress?.({ ...progress, file: remote.name, path: remote.path, filesDone, filesTotal: todo }),
  );
}

interface FileResult {
  rows: number;
  events: number;
  rejected: number;
  interrupted: boolean;
  error?: FileError;
}

async function importFile(
  deps: ImportJobDeps,
  remote: RemoteFile,
  connect: ConnectFileName,
  lease: FileLease,
  report: (progress: Omit<ImportProgress, "file" | "path" | "filesDone" | "filesTotal">) => void,
): Promise<FileResult> {
  const { files, sink, now } = deps;
  const ttl = deps.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const logger = deps.logger.child({ file: remote.path });
  const result: FileResult = { rows: 0, events: 0, rejected: 0, interrupted: false };
  // Downloading and decrypting a big file can outlast the lease: renew it while we work. A lost
  // lease stops the file; the chunk commit would refuse to write anyway.
  const lost = new AbortController();
  const renewal = setInterval(
    () => {
      files
        .renew(lease, now(), ttl)
        .then((held) => {
          if (!held)
            lost.abort(new BridgeError({ code: "LEASE_LOST", message: "another runner took over the file" }));
        })
        .catch((error: unknown) => logger.warn("lease renewal failed", { error: String(error) }));
    },
    Math.max(1000, Math.floor(ttl / 3)),
  );
  renewal.unref();

  const resumeAt = lease.checkpointLine;
  logger.info("file started", { size: remote.size, ...checkpointOf(lease) });
  let prepared: Awaited<ReturnType<typeof prepareConnectFile>> | undefined;
  // Stops the file on shutdown or a lost lease.
  const signal = deps.signal === undefined ? lost.signal : AbortSignal.any([lost.signal, deps.signal]);
  try {
    await ensureDownloadSpace(deps.stagingDir, remote, connect, sink.type === "store");
    prepared = await prepareConnectFile(deps.source, remote, connect, {
      stagingDir: deps.stagingDir,
      byUser: sink.type === "store",
      ...(deps.pgpKey === undefined ? {} : { pgpKey: deps.pgpKey }),
      // A shutdown stops a download or decryption at once: nothing of the file is committed yet.
      signal,
      onProgress: (phase, bytes, total) =>
        report({ phase, bytesDone: bytes, bytesTotal: total, rows: result.rows }),
    });
    // A file imported by user is read from its start on every attempt (its parts need every row),
    // unless an older runner committed its first lines with their profiles, by line.
    const readFrom = sink.type === "store" && lease.parts !== null ? 0 : resumeAt;
    // The rows phase's progress: how far into the plaintext (or zip) the reader is.
    let plaintextRead = 0;
    const lines = readConnectEvents(prepared.plaintextPath, {
      onBytesRead: (bytes) => {
        plaintextRead = bytes;
      },
      file: connect,
      fileLabel: remote.path,
      delimiter: deps.job.delimiter,
      zip: prepared.zip,
      fromLine: readFrom,
      chunkSize:
        sink.type === "lytics"
          ? (deps.chunkSize ?? DEFAULT_CHUNK_SIZE)
          : Math.min(USER_READ_CHUNK, deps.chunkSize ?? USER_READ_CHUNK),
    });
    const plaintextBytes = (await stat(prepared.plaintextPath)).size;
    // A decrypted file's size was not known before its download (GnuPG compresses).
    if (sink.type === "store" && connect.layers[0] === "pgp") {
      await ensurePartsSpace(deps.stagingDir, remote, plaintextBytes, prepared.zip);
    }
    const writes: AsyncGenerator<ChunkWrite> =
      sink.type === "lytics"
        ? inLineOrder(sink, lines)
        : byUser(sink, lines, {
            dir: `${prepared.plaintextPath}.parts`,
            batchRows: deps.chunkSize ?? sink.batchRows,
            fileId: lease.fileId,
            writtenUpTo: resumeAt,
            eventsAfter: lease.eventRowsThrough,
            columns: new EventColumns(lease.columns ?? []),
            parts: {
              done: lease.partsDone,
              of:
                lease.parts ??
                partCount(partsNeed(plaintextBytes, prepared.zip), deps.partBytes ?? sink.partBytes),
            },
            signal,
          });
    // A one-step pipeline: while chunk or part N is being written (on PostgreSQL, in another
    // process), N+1 is read and mapped here. They are still committed strictly in order.
    const nextPrepared = () => writes.next().then((step) => (step.done ? undefined : step.value));
    let upcoming = nextPrepared();
    try {
      for (;;) {
        const write = await upcoming;
        if (write === undefined) break;
        if (lost.signal.aborted) throw lost.signal.reason;
        const writing = write(lease, deps.signal);
        upcoming = nextPrepared();
        // If the write fails, the prefetch's outcome no longer matters; never leave it unhandled.
        upcoming.catch(() => {});
        const written = await writing;
        result.rows += written.events + written.rejected;
        result.events += written.events;
        result.rejected += written.rejected;
        // Profiles are written part by part once every row is in (store sink).
        const profiles = lease.parts !== null && lease.partsDone > 0;
        report({
          phase: profiles ? "profiles" : "rows",
          bytesDone:
            profiles && lease.parts !== null
              ? Math.round((plaintextBytes * lease.partsDone) / lease.parts)
              : Math.min(plaintextRead, plaintextBytes),
          bytesTotal: plaintextBytes,
          rows: result.rows,
        });
        // Shutdown: the chunk above is committed with its checkpoint; stop here and resume next run.
        if (deps.signal?.aborted) {
          result.interrupted = true;
          await files.release(lease, now());
          logger.info("file paused by shutdown", { ...checkpointOf(lease), rows: result.rows });
          return result;
        }
      }
    } finally {
      await upcoming.catch(() => {});
      await writes.return(undefined);
    }
    await files.markImported(lease, now());
    logger.info("file imported", { rows: result.rows, events: result.events, rejected: result.rejected });
  } catch (thrown) {
    if (deps.signal?.aborted && !lost.signal.aborted) {
      result.interrupted = true;
      await files.release(lease, now()).catch(() => {});
      logger.info("file paused by shutdown", checkpointOf(lease));
      return result;
    }
    const error = toBridgeError(thrown, "IMPORT_FAILED");
    result.error = { file: remote.path, code: error.code, message: error.message };
    logger.error("file failed", {
      code: error.code,
      error: error.message,
      ...checkpointOf(lease),
    });
    if (error.code !== "LEASE_LOST") {
      await files.markFailed(lease, `${error.code}: ${error.message}`, now()).catch((markError: unknown) => {
        logger.warn("could not record the failure", { error: String(markError) });
      });
    }
  } finally {
    clearInterval(renewal);
    await prepared?.cleanup().catch(() => {});
  }
  return result;
}

/** Where a file stands, for log lines: its line checkpoint, and its parts when it goes by user. */
function checkpointOf(lease: FileLease): Record<string, number> {
  const line = { checkpointLine: lease.checkpointLine };
  return lease.parts === null ? line : { ...line, partsDone: lease.partsDone, parts: lease.parts };
}

async function* inLineOrder(sink: LineSink, chunks: AsyncGenerator<EventChunk>): AsyncGenerator<ChunkWrite> {
  for await (const chunk of chunks) yield sink.prepare(chunk);
}

interface ByUserOptions {
  dir: string;
  /** Rows written per transaction. */
  batchRows: number;
  fileId: number;
  /** Rows on lines up to this one are written already (resume). */
  writtenUpTo: number;
  /** Events on lines up to this one are rows of `events` already (see FileLease.eventRowsThrough). */
  eventsAfter: number;
  parts: { done: number; of: number };
  /** The file's event columns (see EventColumns). */
  columns: EventColumns;
  signal: AbortSignal;
}

/**
 * The file by user: read in line order, each chunk's bad rows and events without a user are
 * written (and checkpointed by line) while the other events' records go to local part files; then
 * each part not yet committed is read back and its events and profiles written (checkpointed by
 * part). Parts are rebuilt on every attempt.
 */
async function* byUser(
  sink: UserSink,
  lines: AsyncGenerator<EventChunk>,
  options: ByUserOptions,
): AsyncGenerator<ChunkWrite> {
  const { parts, signal } = options;
  const partFiles = new PartFiles(options.dir, parts.of, parts.done);
  const keep = (record: PartRecord) => partFiles.add(record);
  const file = { fileId: options.fileId, writtenUpTo: options.writtenUpTo, parts, columns: options.columns };
  try {
    let batch = sink.startRows(file);
    for await (const chunk of lines) {
      signal.throwIfAborted();
      batch.add(chunk, keep);
      // The reader's chunks mostly come from bytes already read, without a turn of the event loop
      // between them: the write in flight (PostgreSQL's replies) would wait until the whole batch
      // is read, and the server would sit idle meanwhile. I/O callbacks run before setImmediate's.
      await setImmediate();
      if (batch.rows < options.batchRows) continue;
      const write = batch.finish();
      batch = sink.startRows(file);
      if (write !== undefined) yield write;
    }
    const write = batch.finish();
    if (write !== undefined) yield write;
    partFiles.finish();
    // Parts are folded ahead, several at a time where the sink has the workers for it.
    const ahead: Array<Promise<ChunkWrite>> = [];
    let next = parts.done;
    for (let index = parts.done; index < parts.of; index++) {
      signal.throwIfAborted();
      for (; next < parts.of && ahead.length < sink.partsAhead; next++) {
        const prepared = sink.preparePart({
          index: next,
          of: parts.of,
          path: partFiles.pathOf(next),
          columns: options.columns.names,
          fileId: options.fileId,
          eventsAfter: options.eventsAfter,
        });
        // One that fails after an earlier one failed the file is never awaited.
        prepared.catch(() => {});
        ahead.push(prepared);
      }
      const prepared = ahead.shift();
      if (prepared !== undefined) yield await prepared;
    }
  } finally {
    await sink.release();
    partFiles.remove();
  }
}
