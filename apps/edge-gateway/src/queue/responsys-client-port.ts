import type { ResponsysClient } from "@responsys-bridge/responsys-client";
import type { GatewayConfig } from "../env.ts";
import { responsysClientFor } from "../responsys/client.ts";
import type { ExportAudienceJob } from "./export-job.ts";
import type { ExportAudienceResponsys } from "./responsys-port.ts";

/** The Export Audience operations on a ResponsysClient. */
export function clientPort(client: ResponsysClient): ExportAudienceResponsys {
  return {
    mergeListMembers: (list, request) => client.lists.mergeMembers(list.objectName, request),
    listExtensions: async (list) =>
      (await client.extensions.list(list.objectName)).map((table) => ({
        objectName: table.objectName,
        folderName: table.folderName ?? null,
        fields: table.fields.map((field) => field.fieldName),
      })),
    createExtension: async (list, table, fields) => {
      await client.extensions.create(list.objectName, {
        objectName: table.objectName,
        folderName: table.folderName,
        fields: fields.map((field) => ({
          fieldName: field.fieldName,
          fieldType: field.fieldType === "INTEGER" ? "INTEGER" : "STR500",
        })),
      });
    },
    mergeExtensionMembers: (list, table, request) =>
      client.extensions.mergeMembers(list.objectName, table.objectName, request),
  };
}

/**
 * The Responsys operations for one job's flush: the authorization's shared client (one token and
 * one pacing budget per account). No in-client retries: a failed call fails the batch, which the
 * queue retries on its own backoff from the alarm, however long the outage lasts.
 */
export function exportAudiencePort(
  env: Env,
  job: ExportAudienceJob,
  config: GatewayConfig,
): ExportAudienceResponsys {
  return clientPort(responsysClientFor(env, job.authorizationId, config, { maxRetries: 0 }));
}
