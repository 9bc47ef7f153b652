import type { InteractObject } from "@responsys-bridge/core";
import type { ResponsysClient } from "@responsys-bridge/responsys-client";
import { apiError } from "../http/errors.ts";
import { responsysFailure } from "../responsys/http-errors.ts";

function missing(field: string, message: string): Error {
  return apiError("INVALID_JOB", `${field}: ${message}`, 400, { details: { field } });
}

async function ask<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw responsysFailure(error);
  }
}

/**
 * Checks that Responsys has the profile list a job names, and its fields table when one is named,
 * so a typo is a 400 now rather than a failing job later. Responsys names are not case-sensitive.
 */
export async function checkListTargets(
  client: ResponsysClient,
  list: InteractObject,
  fieldsTable: string | null,
): Promise<void> {
  const lists = await ask(() => client.lists.list());
  const listName = list.objectName.toLowerCase();
  if (!lists.some((candidate) => candidate.name.toLowerCase() === listName)) {
    throw missing("list.objectName", `Responsys has no profile list named ${list.objectName}`);
  }
  if (fieldsTable === null) return;
  const tables = await ask(() => client.extensions.list(list.objectName));
  const tableName = fieldsTable.toLowerCase();
  if (!tables.some((table) => table.objectName.toLowerCase() === tableName)) {
    throw missing(
      "fieldsTable",
      `list ${list.objectName} has no profile extension table named ${fieldsTable}`,
    );
  }
}
