import { open, rm } from "node:fs/promises";
import { BridgeError } from "@responsys-bridge/core";
import { runnerWorker } from "../runner-worker.ts";
import type { InputGrowth, PgpFailureStage, PgpMessage, PgpTask } from "./pgp-worker.ts";

/**
 * An unlocked private key, kept armored (without its passphrase protection) so that each decryption
 * worker reads it without the S2K cost. It lives only in this process's memory, as the unlocked key
 * object would; it is never written anywhere.
 */
export interface PgpKey {
  readonly armoredKey: string;
  /** Hex fingerprint of the primary key, for messages and `check`. */
  readonly fingerprint: string;
}

/** Reads an armored private key and unlocks it with the passphrase (when it is protected), once. */
export async function loadPgpKey(armoredKey: string, passphrase?: string): Promise<PgpKey> {
  const outcome = await runTask({ op: "unlock", armoredKey, passphrase });
  if (outcome.type === "done") {
    return { armoredKey: outcome.unlockedKey ?? armoredKey, fingerprint: outcome.fingerprint };
  }
  throw keyError(outcome.stage, outcome.message, outcome.fingerprint);
}

/**
 * An input file that a download is still writing: it tells its listener how many bytes are
 * written so far each time that grows, and when the file is whole. The decryption reads no
 * further than that, and waits for more.
 */
export interface GrowingInput {
  /** Returns a function that stops the calls. */
  listen(listener: (bytes: number, whole: boolean) => void): () => void;
}

export interface DecryptOptions {
  /** Bytes of the encrypted input read so far. */
  onProgress?: (bytesRead: number) => void;
  /** Stops the decryption; the partial output is deleted and the signal's reason is thrown. */
  signal?: AbortSignal;
  /**
   * The most plaintext to write (GnuPG compresses, so a small file can inflate a lot); beyond it
   * the decryption stops with STAGING_DISK_FULL and the partial output is deleted.
   */
  maxPlaintextBytes?: number;
  /** The input is still being downloaded (absent: the input file is whole). */
  growingInput?: GrowingInput;
}

/**
 * Decrypts a PGP message (armored or binary, compressed or not) into outputPath. Returns only once
 * the integrity check at the end of the message has passed; on any failure outputPath is deleted,
 * so no plaintext of a damaged or forged file is ever left for the parser.
 */
export async function decryptFile(
  inputPath: string,
  outputPath: string,
  key: PgpKey,
  options: DecryptOptions = {},
): Promise<void> {
  if (options.growingInput !== undefined) await written(options.growingInput, FORMAT_BYTES, options.signal);
  const format = await sniffFormat(inputPath);
  if (format.kind === "not-pgp") {
    throw new BridgeError({
      code: "PGP_NOT_ENCRYPTED",
      message: `${inputPath} is not a PGP-encrypted message: ${format.reason}`,
    });
  }
  let outcome: Extract<PgpMessage, { type: "done" | "failed" }>;
  try {
    outcome = await runTask(
      {
        op: "decrypt",
        armoredKey: key.armoredKey,
        inputPath,
        outputPath,
        armored: format.kind === "armored",
        maxPlaintextBytes: options.maxPlaintextBytes,
        growing: options.growingInput !== undefined,
      },
      options,
    );
  } catch (error) {
    await rm(outputPath, { force: true });
    throw error;
  }
  if (outcome.type === "done") return;
  await rm(outputPath, { force: true });
  if (outcome.stage === "too-large") throw tooLarge(inputPath, options.maxPlaintextBytes ?? 0);
  if (outcome.stage !== "decrypt") throw keyError(outcome.stage, outcome.message, outcome.fingerprint);
  throw classifyDecryptError(inputPath, key, outcome.message, outcome.ioCode);
}

/** Resolves once `bytes` of a growing input are written, or all of it; rejects if `signal` aborts first. */
async function written(input: GrowingInput, bytes: number, signal: AbortSignal | undefined): Promise<void> {
  signal?.throwIfAborted();
  const done = new AbortController();
  try {
    await new Promise<void>((resolve, reject) => {
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true, signal: done.signal });
      const unlisten = input.listen((soFar, whole) => {
        if (soFar >= bytes || whole) resolve();
      });
      done.signal.addEventListener("abort", unlisten, { once: true });
    });
  } finally {
    done.abort();
  }
}

/** Runs one task in a fresh worker; a signal terminates the worker and rejects with its reason. */
function runTask(
  task: PgpTask,
  options: DecryptOptions = {},
): Promise<Extract<PgpMessage, { type: "done" | "failed" }>> {
  const { signal, onProgress, growingInput } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const worker = runnerWorker(new URL("./pgp-worker.ts", import.meta.url), task);
    const unlisten = growingInput?.listen((bytes, whole) => {
      const growth: InputGrowth = { bytes, whole };
      worker.postMessage(growth);
    });
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      unlisten?.();
      signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
      settle();
    };
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.on("message", (message: PgpMessage) => {
      if (message.type === "progress") onProgress?.(message.bytes);
      else finish(() => resolve(message));
    });
    worker.on("error", (error) =>
      finish(() =>
        reject(
          new BridgeError({
            code: "PGP_DECRYPT_FAILED",
            message: `the PGP worker failed: ${error.message}`,
            cause: error,
          }),
        ),
      ),
    );
    worker.on("exit", (code) =>
      finish(() =>
        reject(
          new BridgeError({ code: "PGP_DECRYPT_FAILED", message: `the PGP worker exited (code ${code})` }),
        ),
      ),
    );
  });
}

function tooLarge(inputPath: string, limit: number): BridgeError {
  const mb = Math.floor(limit / (1024 * 1024)).toLocaleString("en-US");
  return new BridgeError({
    code: "STAGING_DISK_FULL",
    message: `${inputPath}: the decrypted file grows past ${mb} MB, all the staging folder can spare for it; decryption stopped and its output was deleted. Free some space or move the staging folder (a small file that inflates this much may also be a decompression bomb)`,
    details: { maxPlaintextBytes: limit },
  });
}

function keyError(stage: PgpFailureStage, message: string, fingerprint: string | undefined): BridgeError {
  const name = fingerprint === undefined ? "" : ` ${fingerprint}`;
  if (stage === "key") {
    return new BridgeError({
      code: "PGP_BAD_KEY",
      message: `the PGP private key cannot be read (expected an armored private key block): ${message}`,
    });
  }
  if (stage === "no-passphrase") {
    return new BridgeError({
      code: "PGP_BAD_PASSPHRASE",
      message: `the PGP private key${name} is passphrase-protected and no passphrase was given`,
    });
  }
  return new BridgeError({
    code: "PGP_BAD_PASSPHRASE",
    message: `the passphrase does not unlock the PGP private key${name} (${message})`,
  });
}

// The format is told by the first bytes (sniffFormat).
const FORMAT_BYTES = 64;

type Format = { kind: "armored" | "binary" } | { kind: "not-pgp"; reason: string };

// Packet tags an encrypted message may start with: public-key or symmetric session key, or marker.
const SESSION_KEY_TAGS = new Set([1, 3, 10]);

/** Tells armored from binary from not-PGP by the first bytes, so the errors can say which. */
async function sniffFormat(inputPath: string): Promise<Format> {
  const handle = await open(inputPath, "r");
  const head = Buffer.alloc(FORMAT_BYTES);
  let length: number;
  try {
    ({ bytesRead: length } = await handle.read(head, 0, head.length, 0));
  } finally {
    await handle.close();
  }
  if (length === 0) return { kind: "not-pgp", reason: "the file is empty" };
  const text = head.subarray(0, length).toString("latin1").trimStart();
  if (text.startsWith("-----BEGIN PGP MESSAGE-----")) return { kind: "armored" };
  if (text.startsWith("-----BEGIN PGP")) {
    return { kind: "not-pgp", reason: `it is an armored "${text.split("\n")[0]?.trim()}", not a message` };
  }
  const first = head[0] ?? 0;
  if ((first & 0x80) === 0) return { kind: "not-pgp", reason: "it does not start with an OpenPGP packet" };
  // New format: tag in the low 6 bits; old format: bits 5..2.
  const tag = first & 0x40 ? first & 0x3f : (first >> 2) & 0x0f;
  if (!SESSION_KEY_TAGS.has(tag)) {
    return {
      kind: "not-pgp",
      reason: `its first OpenPGP packet (tag ${tag}) is not an encrypted session key`,
    };
  }
  return { kind: "binary" };
}

/** Maps openpgp's plain Error messages (pipeline-lab §3.3) onto our codes. */
function classifyDecryptError(
  inputPath: string,
  key: PgpKey,
  message: string,
  ioCode: string | undefined,
): BridgeError {
  const make = (code: string, text: string) =>
    new BridgeError({ code, message: `${inputPath}: ${text} (${message})` });
  if (/no decryption key packets|session key decryption failed|no (matching|suitable) key/i.test(message)) {
    return make("PGP_WRONG_KEY", `the file is not encrypted to the configured PGP key ${key.fingerprint}`);
  }
  if (/modification detected|authentication|integrity|mdc|not authenticated/i.test(message)) {
    return make("PGP_INTEGRITY_FAILED", "the integrity check failed: the file was modified or damaged");
  }
  if (/unexpected end|premature|truncat|misformed armored text|armor/i.test(message)) {
    return make("PGP_TRUNCATED", "the file ends before the PGP message does: it is truncated");
  }
  if (/inflate|deflate|zlib|decompress|invalid (block|distance|code)|bzip/i.test(message)) {
    return make("PGP_INTEGRITY_FAILED", "the decrypted data is damaged: the file was modified or corrupted");
  }
  if (ioCode !== undefined && /^E[A-Z]+$/.test(ioCode)) {
    return new BridgeError({
      code: "PGP_IO_ERROR",
      message: `${inputPath}: cannot write the decrypted file: ${message}`,
      retryable: true,
    });
  }
  return make("PGP_DECRYPT_FAILED", "the file cannot be decrypted");
}
