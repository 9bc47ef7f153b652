import { createReadStream, createWriteStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { BridgeError } from "@responsys-bridge/core";
import * as openpgp from "openpgp";

/** An unlocked OpenPGP private key, ready to decrypt many files (unlocking costs ~120 ms and ~125 MB once). */
export interface PgpKey {
  readonly privateKey: openpgp.PrivateKey;
  /** Hex fingerprint of the primary key, for messages and `check`. */
  readonly fingerprint: string;
}

/** Reads an armored private key and unlocks it with the passphrase when it is protected. */
export async function loadPgpKey(armoredKey: string, passphrase?: string): Promise<PgpKey> {
  let privateKey: openpgp.PrivateKey;
  try {
    privateKey = await openpgp.readPrivateKey({ armoredKey });
  } catch (error) {
    throw new BridgeError({
      code: "PGP_BAD_KEY",
      message: `the PGP private key cannot be read (expected an armored private key block): ${messageOf(error)}`,
      cause: error,
    });
  }
  const fingerprint = privateKey.getFingerprint().toUpperCase();
  if (privateKey.isDecrypted()) return { privateKey, fingerprint };
  if (passphrase === undefined || passphrase === "") {
    throw new BridgeError({
      code: "PGP_BAD_PASSPHRASE",
      message: `the PGP private key ${fingerprint} is passphrase-protected and no passphrase was given`,
    });
  }
  try {
    return { privateKey: await openpgp.decryptKey({ privateKey, passphrase }), fingerprint };
  } catch (error) {
    throw new BridgeError({
      code: "PGP_BAD_PASSPHRASE",
      message: `the passphrase does not unlock the PGP private key ${fingerprint}`,
      cause: error,
    });
  }
}

export interface DecryptOptions {
  /** Bytes of the encrypted input read so far. */
  onProgress?: (bytesRead: number) => void;
  /** Stops the decryption; the partial output is deleted and the signal's reason is thrown. */
  signal?: AbortSignal;
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
  const format = await sniffFormat(inputPath);
  if (format.kind === "not-pgp") {
    throw new BridgeError({
      code: "PGP_NOT_ENCRYPTED",
      message: `${inputPath} is not a PGP-encrypted message: ${format.reason}`,
    });
  }
  try {
    await decryptTo(inputPath, outputPath, key, format.kind, options);
  } catch (error) {
    await rm(outputPath, { force: true });
    if (options.signal?.aborted) throw options.signal.reason;
    throw classifyDecryptError(inputPath, key, error);
  }
}

async function decryptTo(
  inputPath: string,
  outputPath: string,
  key: PgpKey,
  kind: "armored" | "binary",
  options: DecryptOptions,
): Promise<void> {
  let bytesRead = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytesRead += chunk.length;
      options.onProgress?.(bytesRead);
      callback(null, chunk);
    },
  });
  const input = createReadStream(inputPath, { highWaterMark: 1 << 20 }).pipe(counter);
  // Armored text is ASCII, so decoding each chunk on its own cannot split a character.
  const message =
    kind === "armored"
      ? await openpgp.readMessage({ armoredMessage: toWebStream<string>(input.setEncoding("latin1")) })
      : await openpgp.readMessage({ binaryMessage: toWebStream<Uint8Array>(input) });
  // Streaming mode emits plaintext before the MDC check at the end; that is safe here only because
  // the output is a staging file that is deleted unless the stream ends cleanly (SPEC §4.3).
  const { data } = await openpgp.decrypt({
    message,
    decryptionKeys: key.privateKey,
    format: "binary",
    config: { allowUnauthenticatedStream: true },
  });
  await pipeline(Readable.fromWeb(asNodeWebStream(data)), createWriteStream(outputPath), {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
}

/**
 * Node types Readable.toWeb as node:stream/web's ReadableStream<any>; openpgp wants the global
 * (DOM-typed) ReadableStream of one chunk type. They are the same runtime class.
 */
function toWebStream<T>(readable: Readable): ReadableStream<T> {
  return Readable.toWeb(readable) as unknown as ReadableStream<T>;
}

/**
 * openpgp types its output as its own web-stream type, which node:stream/web's ReadableStream
 * does not accept though it is the same runtime object (pipeline-lab §8).
 */
function asNodeWebStream(data: unknown): NodeReadableStream<Uint8Array> {
  if (!(data instanceof ReadableStream)) {
    throw new BridgeError({ code: "PGP_DECRYPT_FAILED", message: "openpgp did not return a stream" });
  }
  return data as NodeReadableStream<Uint8Array>;
}

type Format = { kind: "armored" | "binary" } | { kind: "not-pgp"; reason: string };

// Packet tags an encrypted message may start with: public-key or symmetric session key, or marker.
const SESSION_KEY_TAGS = new Set([1, 3, 10]);

/** Tells armored from binary from not-PGP by the first bytes, so the errors can say which. */
async function sniffFormat(inputPath: string): Promise<Format> {
  const handle = await open(inputPath, "r");
  const head = Buffer.alloc(64);
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
function classifyDecryptError(inputPath: string, key: PgpKey, error: unknown): BridgeError {
  if (error instanceof BridgeError) return error;
  const message = messageOf(error);
  const make = (code: string, text: string) =>
    new BridgeError({ code, message: `${inputPath}: ${text} (${message})`, cause: error });
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
  if (
    error instanceof Error &&
    "code" in error &&
    typeof error.code === "string" &&
    /^E[A-Z]+$/.test(error.code)
  ) {
    return new BridgeError({
      code: "PGP_IO_ERROR",
      message: `${inputPath}: cannot write the decrypted file: ${message}`,
      retryable: true,
      cause: error,
    });
  }
  return make("PGP_DECRYPT_FAILED", "the file cannot be decrypted");
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
