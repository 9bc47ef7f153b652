import type { ResolvedJob } from "../config/load.ts";
import type { FileSource } from "../sftp/source.ts";
import type { FileRecord, FileStates } from "../store/file-state.ts";
import { type Candidate, listCandidates } from "./import-activity.ts";

export interface AccountSummary {
  accountId: string;
  files: number;
  /** Export times from the file names (UTC). */
  firstExportAt: string;
  lastExportAt: string;
  /** False when the job's accountIds leave this account out. */
  selected: boolean;
}

/** The account ids detected in the folder (from the file names), with file counts and date ranges. */
export async function detectAccounts(
  source: FileSource,
  job: Pick<ResolvedJob, "accountIds" | "authorization">,
): Promise<AccountSummary[]> {
  const candidates = await listCandidates(source, { ...job, accountIds: [] });
  const accounts = new Map<string, AccountSummary>();
  for (const { connect } of candidates) {
    if (connect === undefined) continue;
    const at = connect.exportedAt.toISOString();
    const current = accounts.get(connect.accountId);
    if (current === undefined) {
      accounts.set(connect.accountId, {
        accountId: connect.accountId,
        files: 1,
        firstExportAt: at,
        lastExportAt: at,
        selected: job.accountIds.length === 0 || job.accountIds.includes(connect.accountId),
      });
      continue;
    }
    current.files++;
    if (at < current.firstExportAt) current.firstExportAt = at;
    if (at > current.lastExportAt) current.lastExportAt = at;
  }
  return [...accounts.values()].sort((a, b) => a.accountId.localeCompare(b.accountId));
}

export type FileStatus = "new" | "importing" | "imported" | "failed" | "skipped";

export interface FileListing {
  path: string;
  size: number;
  mtime: string;
  accountId: string | null;
  state: FileStatus;
  /** Why skipped or failed; for `importing`, where it resumes. */
  reason: string | null;
  rows: number;
  events: number;
  rejected: number;
}

/** Every file in the folder with its state: new, importing (resumable), imported, failed, skipped. */
export async function listFiles(
  source: FileSource,
  job: Pick<ResolvedJob, "accountIds" | "authorization">,
  files: FileStates,
  now: Date,
): Promise<FileListing[]> {
  const candidates = await listCandidates(source, job);
  const records = await files.list();
  const byVersion = new Map(records.map((r) => [`${r.path}\u0000${r.size}\u0000${r.mtimeMs}`, r]));
  return candidates.map((candidate) => {
    const { remote } = candidate;
    const record = byVersion.get(`${remote.path}\u0000${remote.size}\u0000${remote.mtimeMs}`);
    return listing(candidate, record, now);
  });
}

function listing(candidate: Candidate, record: FileRecord | undefined, now: Date): FileListing {
  const { remote } = candidate;
  const base = {
    path: remote.path,
    size: remote.size,
    mtime: new Date(remote.mtimeMs).toISOString(),
    accountId: candidate.connect?.accountId ?? null,
    rows: record?.rows ?? 0,
    events: record?.events ?? 0,
    rejected: record?.rejected ?? 0,
  };
  if (candidate.skip !== undefined) return { ...base, state: "skipped", reason: candidate.skip };
  if (record === undefined) return { ...base, state: "new", reason: null };
  if (record.state === "importing") {
    const leased =
      record.leaseHolder !== null && record.leaseExpiresAt !== null && record.leaseExpiresAt > now;
    const committed =
      record.parts === null
        ? `line ${record.checkpointLine}`
        : `rows to line ${record.checkpointLine}, ${record.partsDone} of ${record.parts} profile parts`;
    const reason = leased
      ? `being imported by ${record.leaseHolder} (${committed} committed)`
      : record.parts === null
        ? `resumes after line ${record.checkpointLine}`
        : `resumes with ${committed} committed`;
    return { ...base, state: "importing", reason };
  }
  return { ...base, state: record.state, reason: record.state === "failed" ? record.error : null };
}
