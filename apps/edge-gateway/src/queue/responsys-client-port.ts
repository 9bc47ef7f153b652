import { BridgeError } from "@responsys-bridge/core";
import type { ResponsysClient } from "@responsys-bridge/responsys-client";
import type { GatewayConfig } from "../env.ts";
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

/** Builds the Responsys client a job's flush uses. */
export type ClientProvider = (
  env: Env,
  job: ExportAudienceJob,
  config: GatewayConfig,
) => Promise<ResponsysClient>;

let provider: ClientProvider | undefined;

/**
 * Sets where flushes get their Responsys client. The Worker entry installs the production one
 * (token and pacing shared per authorization); tests may install one bound to a sandbox.
 */
export function provideResponsysClient(next: ClientProvider): void {
  provider = next;
}

/** The Responsys operations for one job's flush. */
export async function exportAudiencePort(
  env: Env,
  job: ExportAudienceJob,
  config: GatewayConfig,
): Promise<ExportAudienceResponsys> {
  if (provider === undefined) {
    throw new BridgeError({
      code: "RESPONSYS_CLIENT_UNAVAILABLE",
      message: "No Responsys client provider is installed in this Worker.",
      retryable: true,
    });
  }
  return clientPort(await provider(env, job, config));
}
