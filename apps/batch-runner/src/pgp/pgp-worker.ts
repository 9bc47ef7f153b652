// openpgp work done in a worker thread, one worker per task. openpgp's decryption streams hold
// buffers of their own; in the main thread that garbage lingered until a major GC and raised the
// runner's peak RSS by ~100 MB (measured). A worker's memory is returned the moment it exits. The
// key is unlocked once (op "unlock"), its S2K hashed as a stream (s2k.ts); decryptions get it
// unlocked.
//
// Node loads this file itself (type stripping) when no TypeScript loader is present, as under
// vitest: erasable TypeScript only, and nothing but openpgp, node: imports, s2k.ts and
// young-garbage.ts.
import { closeSync, createReadStream, openSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { ReadableStream as NodeReadableStream } from "node:stream/web";
import { parentPort, workerData } from "node:worker_threads";
import { createInflate, createInflateRaw, type Inflate, type InflateRaw } from "node:zlib";
import * as openpgp from "openpgp";
import { YoungGarbage } from "../young-garbage.ts";
import { s2kOf, streamS2k } from "./s2k.ts";

export type PgpTask =
  | { op: "unlock"; armoredKey: string; passphrase: string | undefined }
  | {
      op: "decrypt";
      /** Unlocked by a previous "unlock" task. */
      armoredKey: string;
      inputPath: string;
      outputPath: string;
      armored: boolean;
      /** The most plaintext to write; more fails the task at stage "too-large". */
      maxPlaintextBytes: number | undefined;
      /** A download is still writing the input: InputGrowth messages say how far it is. */
      growing: boolean;
    };

/** Sent to a "growing" decrypt task: the input's bytes written so far, and whether it is whole. */
export interface InputGrowth {
  bytes: number;
  whole: boolean;
}

export type PgpMessage =
  | { type: "progress"; bytes: number }
  | { type: "done"; fingerprint: string; unlockedKey?: string }
  | { type: "failed"; stage: PgpFailureStage; message: string; fingerprint?: string; ioCode?: string };

/**
 * Where a task failed: reading the key, a missing or wrong passphrase, the message itself, or a
 * plaintext larger than the task allows.
 */
export type PgpFailureStage = "key" | "no-passphrase" | "passphrase" | "decrypt" | "too-large";

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
  const s2k = s2kOf(privateKey.keyPacket);
  if (s2k !== undefined) streamS2k(s2k);
  const fingerprint = privateKey.getFingerprint().toUpperCase();
  if (passphrase === undefined || passphrase === "") throw new TaskFailure("no-passphrase", "", fingerprint);
  try {
    return await openpgp.decryptKey({ privateKey, passphrase });
  } catch (error) {
    throw new TaskFailure("passphrase", messageOf(error), fingerprint);
  }
}

// openpgp passes every chunk through a chain of web streams, at a cost per chunk; so: large chunks,
// no copies, no hops between Node and web streams. On the 1M-row bench file (25 MB in, 145 MB out)
// that took the decrypt from ~2.6 to ~1.5 s (medians; `gpg --decrypt` ~0.9 s).
const READ_CHUNK_BYTES = 1 << 20;
// GnuPG writes 8 KiB partial bodies, ~47 KB once inflated: one output chunk each (the built-in
// DecompressionStream cuts them into 16 KiB ones, each a trip to the thread pool).
const INFLATE_CHUNK_BYTES = 256 * 1024;
// A young collection after every this many bytes of plaintext written (see young-garbage.ts).
const YOUNG_COLLECTION_BYTES = 8 * 1024 * 1024;

/**
 * zlib's inflater behind the DecompressionStream interface, for openpgp. Unlike the built-in: larger
 * output chunks, handed on without a copy, and an input side that goes on taking data once zlib has
 * failed (inflaterInput says why).
 */
class InflateStream {
  readonly readable: ReadableStream<Uint8Array<ArrayBuffer>>;
  readonly writable: WritableStream<BufferSource>;

  constructor(format: CompressionFormat) {
    const options = { chunkSize: INFLATE_CHUNK_BYTES, rejectGarbageAfterEnd: true };
    // openpgp asks for these two only (ZIP and ZLIB); for any other the built-in throws a TypeError
    // too, on which openpgp falls back to its own inflater.
    let inflater: Inflate | InflateRaw;
    if (format === "deflate") inflater = createInflate(options);
    else if (format === "deflate-raw") inflater = createInflateRaw(options);
    else throw new TypeError(`unsupported compression format: ${format}`);
    // Read a chunk at a time, as openpgp asks; zlib pauses while its own 16 KiB buffer is full, so
    // little is held whatever the compression ratio.
    this.readable = webStreamOf<Uint8Array<ArrayBuffer>>(inflater);
    this.writable = inflaterInput(inflater);
  }
}

/**
 * Feeds the inflater, waiting while it is full. Once zlib has failed (or the output was cancelled)
 * it takes the rest of the compressed data and drops it: nothing more can come out, and openpgp
 * reads on to the MDC at the end of the message, whose verdict it reports first. Failing this side
 * too, as the built-in does, stalls openpgp for good when zlib fails before its first output chunk
 * (a bit flipped in the first KBs of compressed data): the worker just exited, with no answer.
 */
function inflaterInput(inflater: Inflate | InflateRaw): WritableStream<BufferSource> {
  return new WritableStream({
    write(chunk) {
      if (
        inflater.destroyed ||
        inflater.write(chunk instanceof ArrayBuffer ? new Uint8Array(chunk) : chunk)
      ) {
        return;
      }
      return new Promise((resolve) => {
        const resume = () => {
          inflater.off("drain", resume);
          inflater.off("close", resume);
          resolve();
        };
        inflater.on("drain", resume);
        inflater.on("close", resume);
      });
    },
    close() {
      if (!inflater.destroyed) inflater.end();
    },
    abort(reason) {
      inflater.destroy(reason instanceof Error ? reason : undefined);
    },
  });
}

async function decrypt(
  task: Extract<PgpTask, { op: "decrypt" }>,
  key: openpgp.PrivateKey,
  report: (message: PgpMessage) => void,
): Promise<void> {
  // openpgp inflates through the global; this worker's realm runs nothing but openpgp.
  globalThis.DecompressionStream = InflateStream;
  let bytesRead = 0;
  const counted = (bytes: number) => {
    bytesRead += bytes;
    report({ type: "progress", bytes: bytesRead });
  };
  const chunks = (encoding: BufferEncoding | undefined) =>
    task.growing
      ? growingFileChunks(task.inputPath, encoding, counted)
      : fileChunks(task.inputPath, encoding, counted);
  // Armored text is ASCII, so decoding each chunk on its own cannot split a character, and in
  // latin1 a character is a byte: the progress still counts bytes.
  const message = task.armored
    ? await openpgp.readMessage({ armoredMessage: webStreamOf<string>(chunks("latin1")) })
    : await openpgp.readMessage({ binaryMessage: webStreamOf<Uint8Array>(chunks(undefined)) });
  // Streaming mode emits plaintext before the MDC check at the end; that is safe here only because
  // the output is a staging file that the caller deletes unless this ends cleanly (SPEC §4.3).
  const { data } = await openpgp.decrypt({
    message,
    decryptionKeys: key,
    format: "binary",
    config: { allowUnauthenticatedStream: true },
  });
  // Written synchronously: this thread has nothing else to do meanwhile, and a chunk costs one
  // system call instead of a Node stream and a trip to the thread pool.
  const output = openSync(task.outputPath, "w");
  const limit = task.maxPlaintextBytes ?? Number.POSITIVE_INFINITY;
  const garbage = new YoungGarbage(YOUNG_COLLECTION_BYTES);
  let total = 0;
  try {
    for await (const chunk of asNodeWebStream(data)) {
      total += chunk.length;
      // Checked before the write: a compressed message can inflate far beyond its own size.
      if (total > limit) throw new TaskFailure("too-large", `more than ${limit} bytes of plaintext`);
      for (let written = 0; written < chunk.length; ) written += writeSync(output, chunk, written);
      garbage.add(chunk.length);
    }
  } finally {
    closeSync(output);
  }
}

/** The file's chunks (strings, with an encoding) as they are read, each counted by `onRead`. */
async function* fileChunks(
  path: string,
  encoding: BufferEncoding | undefined,
  onRead: (bytes: number) => void,
): AsyncGenerator<string | Buffer> {
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES, encoding })) {
    const read: string | Buffer = chunk;
    onRead(read.length);
    yield read;
  }
}

/**
 * The chunks of a file that a download is still writing, as far as the main thread says it is
 * written (never past that: the bytes beyond may not be final). A chunk waits for a full read's
 * worth unless the file is whole, as openpgp's cost is per chunk.
 */
async function* growingFileChunks(
  path: string,
  encoding: BufferEncoding | undefined,
  onRead: (bytes: number) => void,
): AsyncGenerator<string | Buffer> {
  const input = new InputProgress();
  const handle = await open(path, "r");
  try {
    for (let position = 0; ; ) {
      const ready = input.bytes - position;
      if (ready <= 0 && input.whole) return;
      if (ready < READ_CHUNK_BYTES && !input.whole) {
        await input.grown();
        continue;
      }
      // A buffer of its own per chunk: openpgp keeps references to what it is given.
      const buffer = Buffer.allocUnsafe(Math.min(ready, READ_CHUNK_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) throw new Error(`${path} is shorter than its download says`);
      position += bytesRead;
      onRead(bytesRead);
      const chunk = buffer.subarray(0, bytesRead);
      yield encoding === undefined ? chunk : chunk.toString(encoding);
    }
  } finally {
    await handle.close();
  }
}

/** What the main thread has said of a growing input (InputGrowth messages). */
class InputProgress {
  bytes = 0;
  whole = false;
  #wake: (() => void) | undefined;

  constructor() {
    parentPort?.on("message", (growth: InputGrowth) => {
      this.bytes = growth.bytes;
      this.whole = growth.whole;
      this.#wake?.();
      this.#wake = undefined;
    });
  }

  /** Resolves at the next message. */
  grown(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }
}

/**
 * ReadableStream.from, which the DOM typings lack: node:stream/web's class, the global one at run
 * time. Without the copy of each Buffer that Readable.toWeb makes; nothing here reuses a buffer.
 */
function webStreamOf<T>(source: AsyncIterable<unknown>): ReadableStream<T> {
  return NodeReadableStream.from(source) as unknown as ReadableStream<T>;
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
