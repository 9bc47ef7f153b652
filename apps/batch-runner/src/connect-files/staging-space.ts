import { mkdir, statfs } from "node:fs/promises";
import { BridgeError } from "@responsys-bridge/core";
import type { RemoteFile } from "../sftp/source.ts";
import type { ConnectFileName } from "./name.ts";

/** Connect text deflates about 8:1: what a zip grows to, estimated. */
export const ZIP_INFLATION = 8;

const MB = 1024 * 1024;

/**
 * The most staging disk a file takes while it is imported. Encrypted, the download and the
 * plaintext are both there while it is decrypted. Imported by user (store sink), the parts hold
 * about the plaintext's size (more than the events' fields the mapping reads, never all) beside the
 * plaintext itself, and a zip's parts are the size of its inflated text.
 */
export function stagingNeed(size: number, file: ConnectFileName, byUser: boolean): number {
  const decrypting = file.layers[0] === "pgp" ? size : 0;
  const parts = byUser ? size * (file.layers.includes("zip") ? ZIP_INFLATION : 1) : 0;
  return size + Math.max(decrypting, parts);
}

/**
 * Fails the file before its download when the staging folder cannot hold it: a disk that fills up
 * half-way ends in a bare ENOSPC, after minutes of work. The file is retried on the next run.
 */
export async function ensureStagingSpace(
  stagingDir: string,
  remote: RemoteFile,
  file: ConnectFileName,
  byUser: boolean,
): Promise<void> {
  await mkdir(stagingDir, { recursive: true });
  const disk = await statfs(stagingDir);
  const free = disk.bavail * disk.bsize;
  const need = stagingNeed(remote.size, file, byUser);
  if (free >= need) return;
  const mb = (bytes: number) => `${Math.ceil(bytes / MB).toLocaleString("en-US")} MB`;
  throw new BridgeError({
    code: "STAGING_DISK_FULL",
    message:
      `the staging folder ${stagingDir} has ${mb(free)} free, and importing ${remote.name} ` +
      `(${mb(remote.size)}) takes up to ${mb(need)} there; free some space or move the staging folder`,
    details: { free, need },
  });
}
