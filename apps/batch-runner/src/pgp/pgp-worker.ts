// openpgp work done in a worker thread, one worker per task. openpgp allocates the whole
// iterated-S2K input (~65 MB for GnuPG's default count, ~130 MB of RSS in all) to unlock a key, and
// its decryption streams hold buffers of their own; in the main thread that garbage lingered until a
// major GC and raised the runner's peak RSS by ~100 MB (measured). A worker's memory is returned
// the moment it exits. The key is unlocked once (op "unlock"); decryptions get it unlocked.
//
// Node loads this file itself (type stripping) when no TypeScript loader is present, as under
// vitest: erasable TypeScript only, and nothing but openpgp and node: imports.
import { createReadStream, createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { parentPort, workerData } from "node:worker_threads";
import * as openpgp from "openpgp";

export type PgpTask =
  | { op: "unlock"; armoredKey: string; passphrase: string | undefined }
  | {
      op: "decrypt";
      /** Unlocked by a previous "unlock" task. */
      armoredKey: string;
      inputPath: string;
      outputPath: string;
      armored: boolean;
    };

export type PgpMessage =
  | { type: "progress"; bytes: number }
  | { type: "done"; fingerprint: string; unlockedKey?: string }
  | { type: "failed"; stage: PgpFailureStage; message: string; fingerprint?: string; ioCode?: string };

/** Where a task failed: reading the key, a missing or wrong passphrase, or the message itself. */
export type PgpFailureStage = "key" | "no-passphrase" | "passphrase" | "decrypt";

// No parameter properties: they are not erasable TypeScript.
class TaskFailure extends Error {
  readonly stage: PgpFailureStage;
  readonly fingerprint: string | undefined;

  constructor(stage: PgpFailureStage, message: string, fingerprint?: string) {
    super(message);
    this.stage = stage;
    this.fingerprint = fingerprint;
  }
}

async function unlockKey(armoredKey: string, passphrase: string | undefined): Promise<openpgp.PrivateKey> {
  let privateKey: openpgp.PrivateKey;
  try {
    privateKey = await openpgp.readPrivateKey({ armoredKey });
  } catch (error) {
    throw new TaskFailure("key", messageOf(error));
  }
  if (privateKey.isDecrypted()) return privateKey;
  const fingerprint = privateKey.getFingerprint().toUpperCase();
  if (passphrase === undefined || passphrase === "") throw new TaskFailure("no-passphrase", "", fingerprint);
  try {
    return await openpgp.decryptKey({ privateKey, passphrase });
  } catch (error) {
    throw new TaskFailure("passphrase", messageOf(error), fingerprint);
  }
}

async function decrypt(
  task: Extract<PgpTask, { op: "decrypt" }>,
  key: openpgp.PrivateKey,
  report: (message: PgpMessage) => void,
): Promise<void> {
  let bytesRead = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesRead += chunk.length;
      report({ type: "progress", bytes: bytesRead });
      callback(null, chunk);
    },
  });
  const input = createReadStream(task.inputPath, { highWaterMark: 1 << 20 }).pipe(counter);
  // Armored text is ASCII, so decoding each chunk on its own cannot split a character.
  const message = task.armored
    ? await openpgp.readMessage({ armoredMessage: toWebStream<string>(input.setEncoding("latin1")) })
    : await openpgp.readMessage({ binaryMessage: toWebStream<Uint8Array>(input) });
  // Streaming mode emits plaintext before the MDC check at the end; that is safe here only because
  // the output is a staging file that the caller deletes unless this ends cleanly (SPEC §4.3).
  const { data } = await openpgp.decrypt({
    message,
    decryptionKeys: key,
    format: "binary",
    config: { allowUnauthenticatedStream: true },
  });
  await pipeline(Readable.fromWeb(asNodeWebStream(data)), createWriteStream(task.outputPath));
}

/** Node types Readable.toWeb as node:stream/web's stream; openpgp wants the global one: the same class. */
function toWebStream<T>(readable: Readable): ReadableStream<T> {
  return Readable.toWeb(readable) as unknown as ReadableStream<T>;
}

/** openpgp types its output as its own web-stream type; at run time it is a global ReadableStream. */
function asNodeWebStream(data: unknown): NodeReadableStream<Uint8Array> {
  if (!(data instanceof ReadableStream)) throw new Error("openpgp did not return a stream");
  return data as NodeReadableStream<Uint8Array>;
}

async function run(task: PgpTask, report: (message: PgpMessage) => void): Promise<void> {
  try {
    const key = await unlockKey(task.armoredKey, task.op === "unlock" ? task.passphrase : undefined);
    const fingerprint = key.getFingerprint().toUpperCase();
    if (task.op === "decrypt") {
      await decrypt(task, key, report);
      report({ type: "done", fingerprint });
      return;
    }
    // An unlocked key serialises without its passphrase protection: later tasks read it without
    // paying for the S2K again (openpgp clears s2kUsage once a key is decrypted).
    report({ type: "done", fingerprint, unlockedKey: key.armor() });
  } catch (error) {
    if (error instanceof TaskFailure) {
      const { stage, message, fingerprint } = error;
      report({ type: "failed", stage, message, ...(fingerprint === undefined ? {} : { fingerprint }) });
      return;
    }
    const ioCode =
      error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
    report({
      type: "failed",
      stage: "decrypt",
      message: messageOf(error),
      ...(ioCode === undefined ? {} : { ioCode }),
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (parentPort !== null) {
  const port = parentPort;
  void run(workerData as PgpTask, (message) => port.postMessage(message));
}
