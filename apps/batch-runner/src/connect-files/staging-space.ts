import { mkdir, statfs } from "node:fs/promises";
import { BridgeError } from "@responsys-bridge/core";
import type { RemoteFile } from "../sftp/source.ts";
import type { ConnectFileName } from "./name.ts";

/** Connect text deflates about 8:1: what a zip grows to, estimated. */
export const ZIP_INFLATION = 8;

const MB = 1024 * 1024;
const mb = (bytes: number) => `${Math.ceil(bytes / MB).toLocaleString("en-US")} MB`;

/** Staging disk the parts of a file imported by user take: about its text (a zip's, inflated). */
export function partsNeed(plaintextBytes: number, zip: boolean): number {
  return plaintextBytes * (zip ? ZIP_INFLATION : 1);
}

/**
 * Staging disk a file takes before its plaintext is known. Encrypted, the download and at least as
 * much plaintext are there while it is decrypted (GnuPG usually compresses, so the plaintext may be
 * several times larger: checked again once it is known, see ensurePartsSpace). Not encrypted, the
 * download is the plaintext, and a file imported by user adds its parts.
 */
export function downloadNeed(size: number, file: ConnectFileName, byUser: boolean): number {
  if (file.layers[0] === "pgp") return 2 * size;
  return size + (byUser ? partsNeed(size, file.layers.includes("zip")) : 0);
}

/**
 * Fails the file before its download when the staging folder cannot hold it: a disk that fills up
 * half-way ends in a bare ENOSPC, after minutes of work. The file is retried on the next run.
 */
export async function ensureDownloadSpace(
  stagingDir: string,
  remote: RemoteFile,
  file: ConnectFileName,
  byUser: boolean,
): Promise<void> {
  await mkdir(stagingDir, { recursive: true });
  const need = downloadNeed(remote.size, file, byUser);
  await ensureSpace(
    stagingDir,
    need,
    `importing ${remote.name} (${mb(remote.size)}) takes up to ${mb(need)} there`,
  );
}

/** The same once a decrypted plaintext is known, for the parts a file imported by user adds. */
export async function ensurePartsSpace(
  stagingDir: string,
  remote: RemoteFile,
  plaintextBytes: number,
  zip: boolean,
): Promise<void> {
  const need = partsNeed(plaintextBytes, zip);
  await ensureSpace(
    stagingDir,
    need,
    `the parts of ${remote.name} (its plaintext is ${mb(plaintextBytes)}${zip ? ", zipped" : ""}) take about ${mb(need)} there`,
  );
}

// What a decryption may fill of the free staging space: never all of it, as other files, a
// database or the system may share the disk.
const PLAINTEXT_SHARE = 0.9;

/**
 * The most plaintext a decryption may write into the staging folder now: nine tenths of its free
 * space once `reserved` bytes (the rest of a download) are set aside, and half that for a file
 * imported by user, whose parts take as much again. GnuPG compresses, so a file's plaintext is
 * unknown until it is decrypted, and a decompression bomb would otherwise fill the disk.
 */
export async function plaintextAllowance(
  stagingDir: string,
  byUser: boolean,
  reserved: number,
): Promise<number> {
  const disk = await statfs(stagingDir);
  return allowanceOf(Math.max(0, disk.bavail * disk.bsize - reserved), byUser);
}

export function allowanceOf(freeBytes: number, byUser: boolean): number {
  return Math.floor((freeBytes * PLAINTEXT_SHARE) / (byUser ? 2 : 1));
}

async function ensureSpace(stagingDir: string, need: number, what: string): Promise<void> {
  const disk = await statfs(stagingDir);
  const free = disk.bavail * disk.bsize;
  if (free >= need) return;
  throw new BridgeError({
    code: "STAGING_DISK_FULL",
    message: `the staging folder ${stagingDir} has ${mb(free)} free, and ${what}; free some space or move the staging folder`,
    details: { free, need },
  });
}
