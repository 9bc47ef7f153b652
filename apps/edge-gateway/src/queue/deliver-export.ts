import { BridgeError, type InteractObject } from "@responsys-bridge/core";
import {
  type ExtensionTarget,
  fieldsExtension,
  listMergeRequest,
  listUsers,
  segmentsExtension,
} from "./export-audience.ts";
import type { ExportAudienceJob } from "./export-job.ts";
import type { QueuedUser } from "./queued-user.ts";
import type { ExportAudienceResponsys, RecordResult } from "./responsys-port.ts";

/** One user Responsys refused in an otherwise successful batch. */
export interface RejectedUser {
  user: QueuedUser;
  code: string;
  reason: string;
}

export interface BatchOutcome {
  /** Users whose every write succeeded. */
  delivered: QueuedUser[];
  rejected: RejectedUser[];
}

/** Tables already known to exist (with their columns), so a flush does not list PETs every time. */
export type KnownTables = Set<string>;

function tableKey(list: InteractObject, table: InteractObject): string {
  return `${list.objectName}\u0000${table.folderName}\u0000${table.objectName}`.toLowerCase();
}

// Responsys answers `MERGEFAILED: Record 3 = INVALID_PARAMETER: …`; the code is the first word.
function rejection(user: QueuedUser, error: string, where: string): RejectedUser {
  return { user, code: "MERGEFAILED", reason: `${where}: ${error}` };
}

function assertResultCount(results: RecordResult[], expected: number, what: string): void {
  if (results.length !== expected) {
    throw new BridgeError({
      code: "UNEXPECTED_RESPONSE",
      message: `Responsys answered ${results.length} records for the ${expected} sent to ${what}.`,
      retryable: true,
    });
  }
}

async function ensureExtension(
  responsys: ExportAudienceResponsys,
  list: InteractObject,
  target: ExtensionTarget,
  known: KnownTables,
): Promise<void> {
  const key = tableKey(list, target.table);
  if (known.has(key)) return;
  const tables = await responsys.listExtensions(list);
  const name = target.table.objectName.toLowerCase();
  const found = tables.find((table) => table.objectName.toLowerCase() === name);
  if (found === undefined) {
    if (target.existing) {
      throw new BridgeError({
        code: "FIELDS_TABLE_NOT_FOUND",
        message: `The fields table ${target.table.objectName} does not exist on list ${list.objectName}.`,
        retryable: false,
      });
    }
    await responsys.createExtension(list, target.table, target.columns);
  } else {
    const have = new Set(found.fields.map((field) => field.toLowerCase()));
    const missing = target.columns.filter((column) => !have.has(column.fieldName.toLowerCase()));
    if (missing.length > 0) {
      throw new BridgeError({
        code: "EXTENSION_COLUMNS_MISSING",
        message: `Table ${target.table.objectName} has no column ${missing.map((c) => c.fieldName).join(", ")}; add it in Responsys.`,
        retryable: false,
      });
    }
  }
  known.add(key);
}

async function writeExtension(
  responsys: ExportAudienceResponsys,
  list: InteractObject,
  target: ExtensionTarget | null,
  known: KnownTables,
  rejected: RejectedUser[],
): Promise<void> {
  if (target === null || target.writes.length === 0) return;
  await ensureExtension(responsys, list, target, known);
  for (const write of target.writes) {
    const results = await responsys.mergeExtensionMembers(list, target.table, write.request);
    assertResultCount(results, write.users.length, target.table.objectName);
    results.forEach((result, index) => {
      const user = write.users[index];
      if (!result.ok && user !== undefined)
        rejected.push(rejection(user, result.error, target.table.objectName));
    });
  }
}

/**
 * Sends one batch (at most 200 users) of an Export Audience job: the list merge, then the fields
 * and membership PETs for the users the list took. Request-level failures are thrown (the whole
 * batch is retried later; merges are idempotent); refused records come back as `rejected`.
 */
export async function deliverExportBatch(
  responsys: ExportAudienceResponsys,
  job: ExportAudienceJob,
  users: readonly QueuedUser[],
  known: KnownTables,
): Promise<BatchOutcome> {
  const rejected: RejectedUser[] = [];
  const riids = new Map<string, string>();
  const listTargets = listUsers(users);
  if (listTargets.length > 0) {
    const results = await responsys.mergeListMembers(job.list, listMergeRequest(job, listTargets));
    assertResultCount(results, listTargets.length, job.list.objectName);
    results.forEach((result, index) => {
      const user = listTargets[index];
      if (user === undefined) return;
      if (result.ok) riids.set(user.key, result.riid);
      else rejected.push(rejection(user, result.error, job.list.objectName));
    });
  }
  // A PET row needs its list record: users the list refused go no further.
  const refused = new Set(rejected.map((entry) => entry.user.key));
  const accepted = users.filter((user) => !refused.has(user.key));
  await writeExtension(responsys, job.list, fieldsExtension(job, accepted, riids), known, rejected);
  await writeExtension(responsys, job.list, segmentsExtension(job, accepted, riids), known, rejected);
  const failed = new Set(rejected.map((entry) => entry.user.key));
  return { delivered: users.filter((user) => !failed.has(user.key)), rejected };
}
