import { BridgeError } from "@responsys-bridge/core";
import type { Database, SqlTransaction } from "./database.ts";
import { and, asc, eq, sql } from "./drizzle.ts";
import { parseColumns } from "./event-columns.ts";
import { importFiles } from "./schema.ts";

export type FileRecord = typeof importFiles.$inferSelect;

/** What identifies one version of a remote file: a changed size or mtime makes it a new file. */
export interface FileVersion {
  path: string;
  name: string;
  size: number;
  mtimeMs: number;
  accountId: string | null;
}

/** A file this runner holds the lease on. Work on it is committed only while the lease is held. */
export interface FileLease {
  fileId: number;
  holder: string;
  /** Last line already committed (0 before the first chunk). */
  checkpointLine: number;
  /** Parts of a file imported by user (store sink): how many, null until the first commit. */
  parts: number | null;
  /** Parts already committed. */
  partsDone: number;
  /** Store sink: the columns of the file's committed event rows, null until the first commit. */
  columns: string[] | null;
  /** Store sink: events up to this line are in `events` already (written by line by an older runner). */
  eventRowsThrough: number;
}

export interface ChunkProgress {
  checkpointLine: number;
  rows: number;
  events: number;
  rejected: number;
  rejectedRows: ReadonlyArray<{ line: number; reason: string }>;
  /** A part of a file imported by user: `done` parts of `of` are committed with this one. */
  parts?: { done: number; of: number } | undefined;
  /** Store sink: the file's event columns, when this commit's rows use new ones. */
  columns?: readonly string[] | undefined;
}

export type LeaseOutcome =
  | { acquired: true; lease: FileLease; record: FileRecord }
  | { acquired: false; reason: "imported" | "leased"; record: FileRecord | undefined };

/** File states and leases of one job, shared by every runner on the same database. */
export class FileStates {
  private readonly database: Database;
  private readonly jobId: string;

  constructor(database: Database, jobId: string) {
    this.database = database;
    this.jobId = jobId;
  }

  async list(): Promise<FileRecord[]> {
    return this.database.db
      .select()
      .from(importFiles)
      .where(eq(importFiles.jobId, this.jobId))
      .orderBy(asc(importFiles.path), asc(importFiles.id));
  }

  async find(version: Pick<FileVersion, "path" | "size" | "mtimeMs">): Promise<FileRecord | undefined> {
    const rows = await this.database.db
      .select()
      .from(importFiles)
      .where(
        and(
          eq(importFiles.jobId, this.jobId),
          eq(importFiles.path, version.path),
          eq(importFiles.size, version.size),
          eq(importFiles.mtimeMs, version.mtimeMs),
        ),
      );
    return rows[0];
  }

  /**
   * Takes the lease on a file atomically: a new row, or an existing one that is not imported and
   * whose lease is free, expired, or already ours. Two runners racing get one winner.
   */
  async acquire(version: FileVersion, holder: string, now: Date, ttlMs: number): Promise<LeaseOutcome> {
    const expires = new Date(now.getTime() + ttlMs);
    const rows = await this.database.db
      .insert(importFiles)
      .values({
        jobId: this.jobId,
        path: version.path,
        name: version.name,
        size: version.size,
        mtimeMs: version.mtimeMs,
        accountId: version.accountId,
        state: "importing",
        attempts: 1,
        leaseHolder: holder,
        leaseExpiresAt: expires,
        firstSeenAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [importFiles.jobId, importFiles.path, importFiles.size, importFiles.mtimeMs],
        set: {
          state: "importing",
          attempts: sql`${importFiles.attempts} + 1`,
          leaseHolder: holder,
          leaseExpiresAt: expires,
          updatedAt: now,
        },
        setWhere:
          this.database.kind === "pglite"
            ? // One process per embedded database (its lock file): a lease found there was left by a
              // runner that is gone (killed, crashed), and waiting for it to expire helps no one.
              sql`${importFiles.state} <> 'imported'`
            : sql`${importFiles.state} <> 'imported' AND (${importFiles.leaseHolder} IS NULL OR ${importFiles.leaseExpiresAt} <= ${now} OR ${importFiles.leaseHolder} = ${holder})`,
      })
      .returning();
    const record = rows[0];
    if (record !== undefined) {
      return {
        acquired: true,
        lease: {
          fileId: record.id,
          holder,
          checkpointLine: record.checkpointLine,
          parts: record.parts,
          partsDone: record.partsDone,
          columns: parseColumns(record.columns, record.id),
          eventRowsThrough: record.eventRowsThrough,
        },
        record,
      };
    }
    const current = await this.find(version);
    return {
      acquired: false,
      reason: current?.state === "imported" ? "imported" : "leased",
      record: current,
    };
  }

  /** Extends the lease; false when another runner has taken it over. */
  async renew(lease: FileLease, now: Date, ttlMs: number): Promise<boolean> {
    const rows = await this.database.db
      .update(importFiles)
      .set({ leaseExpiresAt: new Date(now.getTime() + ttlMs) })
      .where(and(eq(importFiles.id, lease.fileId), eq(importFiles.leaseHolder, lease.holder)))
      .returning({ id: importFiles.id });
    return rows.length > 0;
  }

  /**
   * Advances the checkpoint and counters inside the caller's transaction, only while the lease is
   * held. Losing the lease throws, which rolls back the chunk: the new holder redoes it.
   */
  async commitChunk(tx: SqlTransaction, lease: FileLease, progress: ChunkProgress, now: Date, ttlMs: number) {
    if (progress.rejectedRows.length > 0) {
      await tx.query(
        `INSERT INTO rejected_rows (file_id, line, reason)
         SELECT $1, x.line, x.reason FROM json_to_recordset($2::json) AS x(line int, reason text)
         ON CONFLICT (file_id, line) DO NOTHING`,
        [lease.fileId, JSON.stringify(progress.rejectedRows)],
      );
    }
    const updated = await tx.query<{ id: number }>(
      `UPDATE import_files SET checkpoint_line = $3, rows = rows + $4, events = events + $5,
         rejected = rejected + $6, lease_expires_at = $7, updated_at = $8,
         parts = coalesce($9, parts), parts_done = coalesce($10, parts_done), columns = coalesce($11, columns)
       WHERE id = $1 AND lease_holder = $2 RETURNING id`,
      [
        lease.fileId,
        lease.holder,
        progress.checkpointLine,
        progress.rows,
        progress.events,
        progress.rejected,
        new Date(now.getTime() + ttlMs),
        now,
        progress.parts?.of ?? null,
        progress.parts?.done ?? null,
        progress.columns === undefined ? null : JSON.stringify(progress.columns),
      ],
    );
    if (updated.length === 0) throw leaseLost(lease);
    lease.checkpointLine = progress.checkpointLine;
    if (progress.parts !== undefined) {
      lease.parts = progress.parts.of;
      lease.partsDone = progress.parts.done;
    }
    if (progress.columns !== undefined) lease.columns = [...progress.columns];
  }

  async markImported(lease: FileLease, now: Date): Promise<void> {
    await this.finish(lease, { state: "imported", importedAt: now, error: null, updatedAt: now });
  }

  async markFailed(lease: FileLease, error: string, now: Date): Promise<void> {
    await this.finish(lease, { state: "failed", error, updatedAt: now });
  }

  /** Gives the lease up without changing the state (shutdown): the next run resumes the file. */
  async release(lease: FileLease, now: Date): Promise<void> {
    await this.finish(lease, { updatedAt: now });
  }

  private async finish(lease: FileLease, set: Partial<FileRecord>): Promise<void> {
    const rows = await this.database.db
      .update(importFiles)
      .set({ ...set, leaseHolder: null, leaseExpiresAt: null })
      .where(and(eq(importFiles.id, lease.fileId), eq(importFiles.leaseHolder, lease.holder)))
      .returning({ id: importFiles.id });
    if (rows.length === 0) throw leaseLost(lease);
  }
}

function leaseLost(lease: FileLease): BridgeError {
  return new BridgeError({
    code: "LEASE_LOST",
    message: `another runner took over file #${lease.fileId}; this runner's uncommitted work on it was dropped`,
    retryable: true,
  });
}
