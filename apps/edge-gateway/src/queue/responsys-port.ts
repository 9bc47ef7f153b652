import type { InteractObject } from "@responsys-bridge/core";
import type { ExtensionMergeRequest, ListMergeRequest } from "./export-audience.ts";

/** One merged record as Responsys answered it: its RIID, or the `MERGEFAILED: …` text. */
export type RecordResult = { ok: true; riid: string } | { ok: false; error: string };

export interface ExtensionDescription {
  objectName: string;
  folderName: string | null;
  fields: string[];
}

/**
 * The Responsys operations an Export Audience flush needs. The gateway's Responsys client
 * (token and pacing shared per authorization) implements it; failures are thrown as
 * ResponsysError, per-record outcomes are values.
 */
export interface ExportAudienceResponsys {
  mergeListMembers(list: InteractObject, request: ListMergeRequest): Promise<RecordResult[]>;
  listExtensions(list: InteractObject): Promise<ExtensionDescription[]>;
  createExtension(
    list: InteractObject,
    table: InteractObject,
    fields: readonly { fieldName: string; fieldType: string }[],
  ): Promise<void>;
  mergeExtensionMembers(
    list: InteractObject,
    table: InteractObject,
    request: ExtensionMergeRequest,
  ): Promise<RecordResult[]>;
}

/** Wraps a port so every call made through it, failed or not, is counted. */
export function countingPort(port: ExportAudienceResponsys): {
  port: ExportAudienceResponsys;
  calls: () => number;
} {
  let calls = 0;
  const counted = <A extends unknown[], R>(call: (...args: A) => Promise<R>) => {
    return (...args: A): Promise<R> => {
      calls += 1;
      return call(...args);
    };
  };
  return {
    port: {
      mergeListMembers: counted((list, request) => port.mergeListMembers(list, request)),
      listExtensions: counted((list) => port.listExtensions(list)),
      createExtension: counted((list, table, fields) => port.createExtension(list, table, fields)),
      mergeExtensionMembers: counted((list, table, request) =>
        port.mergeExtensionMembers(list, table, request),
      ),
    },
    calls: () => calls,
  };
}
