import {
  type IdentifierColumn,
  type InteractObject,
  isHashColumn,
  toFieldName,
} from "@responsys-bridge/core";
import type { ExportAudienceJob } from "./export-job.ts";
import type { QueuedUser } from "./queued-user.ts";

// How an Export Audience batch becomes Responsys requests (SPEC §3.4): one list merge, then
// optionally the fields PET and the Lytics_Segments PET. Pure: the flusher sends what this builds.

/** The membership PET every Export Audience job with audienceMemberships writes to. */
export const SEGMENTS_TABLE = "Lytics_Segments";

export interface ListMergeRequest {
  fieldNames: string[];
  records: string[][];
  mergeRule: {
    insertOnNoMatch: boolean;
    updateOnMatch: "REPLACE_ALL";
    matchColumnName1: IdentifierColumn;
    matchColumnName2: IdentifierColumn | null;
    matchOperator: "NONE";
    defaultPermissionStatus: "OPTIN" | "OPTOUT";
  };
}

export interface ExtensionMergeRequest {
  fieldNames: string[];
  records: string[][];
  insertOnNoMatch: boolean;
  updateOnMatch: "REPLACE_ALL";
  matchColumnName1: string;
  matchColumnName2: string | null;
}

/** A PET the flush writes to: where it lives, and the columns it must have. */
export interface ExtensionTarget {
  table: InteractObject;
  /** Columns created with a new table (STR500 for fields, INTEGER for memberships). */
  columns: { fieldName: string; fieldType: "STR500" | "INTEGER" }[];
  /** True when the job named an existing table, which is then used as it is. */
  existing: boolean;
  /** One merge per way of matching rows (usually one), each at most 200 records. */
  writes: ExtensionWrite[];
}

export interface ExtensionWrite {
  request: ExtensionMergeRequest;
  /** The user of each record, in order. */
  users: QueuedUser[];
}

function matchColumns(job: ExportAudienceJob): IdentifierColumn[] {
  return job.matchColumn2 ? [job.matchColumn1, job.matchColumn2] : [job.matchColumn1];
}

// Hash match columns can only update (Responsys cannot insert a record it knows by a digest).
function insertsOnNoMatch(job: ExportAudienceJob): boolean {
  return !matchColumns(job).some(isHashColumn);
}

/** The mapped Responsys identifier columns, each once, in mapping order. */
export function identifierColumns(job: ExportAudienceJob): string[] {
  return [...new Set(job.idMappings.map((mapping) => mapping.responsysField))];
}

/** PET match column names drop the trailing underscore of the list's system fields. */
export function extensionMatchColumn(column: string): string {
  return column.replace(/_+$/, "");
}

/** The name of the PET a job creates for its additional fields when it names none. */
export function fieldsTableName(jobId: string): string {
  return `LyticsUser_Fields${jobId.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** Users whose list record a batch merges: enters and changes; an exit changes no list record. */
export function listUsers(users: readonly QueuedUser[]): QueuedUser[] {
  return users.filter((user) => user.event !== "exit");
}

/** The list merge for a batch (at most 200 users, exits already left out). */
export function listMergeRequest(job: ExportAudienceJob, users: readonly QueuedUser[]): ListMergeRequest {
  const columns = identifierColumns(job);
  return {
    fieldNames: columns,
    records: users.map((user) => columns.map((column) => user.identifiers[column] ?? "")),
    mergeRule: {
      insertOnNoMatch: insertsOnNoMatch(job),
      updateOnMatch: "REPLACE_ALL",
      matchColumnName1: job.matchColumn1,
      matchColumnName2: job.matchColumn2 ?? null,
      matchOperator: "NONE",
      defaultPermissionStatus: job.defaultPermissionStatus ?? "OPTOUT",
    },
  };
}

/** How the rows of a PET write are matched to list records. */
interface RowKey {
  columns: string[];
  values: (user: QueuedUser) => string[];
  matchColumnName1: string;
  matchColumnName2: string | null;
  insertOnNoMatch: boolean;
}

function jobRowKey(job: ExportAudienceJob): RowKey {
  const keys = matchColumns(job);
  return {
    // A PET merge must carry a list merge key with its underscore (DEV PET members page).
    columns: keys,
    values: (user) => keys.map((column) => user.identifiers[column] ?? ""),
    matchColumnName1: extensionMatchColumn(job.matchColumn1),
    matchColumnName2: job.matchColumn2 ? extensionMatchColumn(job.matchColumn2) : null,
    insertOnNoMatch: insertsOnNoMatch(job),
  };
}

function riidRowKey(riids: ReadonlyMap<string, string>): RowKey {
  return {
    columns: ["RIID_"],
    values: (user) => [riids.get(user.key) ?? ""],
    matchColumnName1: "RIID",
    matchColumnName2: null,
    insertOnNoMatch: true,
  };
}

/**
 * The PET writes for `users`: one merge matched like the list. A job matching on a hash column
 * cannot insert PET rows by that hash, so users whose RIID the list merge just returned are
 * written by RIID (insert allowed) and only the others (exits) by the hash, update-only.
 */
function extensionWrites(
  job: ExportAudienceJob,
  users: readonly QueuedUser[],
  riids: ReadonlyMap<string, string>,
  valueColumns: string[],
  values: (user: QueuedUser) => string[],
): ExtensionWrite[] {
  const groups: { key: RowKey; users: QueuedUser[] }[] = insertsOnNoMatch(job)
    ? [{ key: jobRowKey(job), users: [...users] }]
    : [
        { key: riidRowKey(riids), users: users.filter((user) => riids.has(user.key)) },
        { key: jobRowKey(job), users: users.filter((user) => !riids.has(user.key)) },
      ];
  return groups
    .filter((group) => group.users.length > 0)
    .map(({ key, users: members }) => ({
      users: members,
      request: {
        fieldNames: [...key.columns, ...valueColumns],
        records: members.map((user) => [...key.values(user), ...values(user)]),
        insertOnNoMatch: key.insertOnNoMatch,
        updateOnMatch: "REPLACE_ALL",
        matchColumnName1: key.matchColumnName1,
        matchColumnName2: key.matchColumnName2,
      },
    }));
}

/**
 * The fields PET write for the users whose list merge succeeded (exits left out), or null
 * without additionalFields. `riids` maps user keys to the RIIDs the list merge returned.
 */
export function fieldsExtension(
  job: ExportAudienceJob,
  users: readonly QueuedUser[],
  riids: ReadonlyMap<string, string> = new Map(),
): ExtensionTarget | null {
  const fields = job.additionalFields ?? [];
  if (fields.length === 0) return null;
  const columns = fields.map((field) => toFieldName(field));
  return {
    table: { folderName: job.list.folderName, objectName: job.fieldsTable ?? fieldsTableName(job.id) },
    columns: columns.map((fieldName) => ({ fieldName, fieldType: "STR500" })),
    existing: job.fieldsTable !== null && job.fieldsTable !== undefined,
    writes: extensionWrites(job, listUsers(users), riids, columns, (user) =>
      fields.map((field) => user.fields[field] ?? ""),
    ),
  };
}

/**
 * The Lytics_Segments write, or null without audienceMemberships. Exits are written (their 0 for
 * the job's audience) only when the job's audience is among the memberships.
 */
export function segmentsExtension(
  job: ExportAudienceJob,
  users: readonly QueuedUser[],
  riids: ReadonlyMap<string, string> = new Map(),
): ExtensionTarget | null {
  const audiences = job.audienceMemberships ?? [];
  if (audiences.length === 0) return null;
  const targets = audiences.includes(job.audience) ? [...users] : listUsers(users);
  const columns = audiences.map((audience) => toFieldName(audience));
  return {
    table: { folderName: job.list.folderName, objectName: SEGMENTS_TABLE },
    columns: columns.map((fieldName) => ({ fieldName, fieldType: "INTEGER" })),
    existing: false,
    writes: extensionWrites(job, targets, riids, columns, (user) =>
      audiences.map((audience) => (user.memberships[audience] === true ? "1" : "0")),
    ),
  };
}
