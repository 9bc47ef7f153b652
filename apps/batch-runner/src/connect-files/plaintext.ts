import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { BridgeError } from "@responsys-bridge/core";
import { Unzip, UnzipInflate } from "fflate";

/**
 * The plaintext bytes of a Connect file: the file itself, or the single entry of a zip inflated on
 * the fly. `bytesRead` is how much of the file on disk has been read so far, for progress.
 */
export function openPlaintext(
  path: string,
  zip: boolean,
  readBufferBytes?: number,
): { stream: Readable; bytesRead: () => number } {
  if (!zip) {
    const stream = createReadStream(path, { highWaterMark: readBufferBytes ?? 256 * 1024 });
    return { stream, bytesRead: () => stream.bytesRead };
  }
  const read = { bytes: 0 };
  const stream = Readable.from(unzipSingleEntry(path, readBufferBytes ?? 64 * 1024, read), {
    objectMode: false,
  });
  return { stream, bytesRead: () => read.bytes };
}

/** Streams the one file inside a zip; directories are ignored, a second file is refused. */
async function* unzipSingleEntry(
  path: string,
  readBufferBytes: number,
  read: { bytes: number },
): AsyncGenerator<Uint8Array> {
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  const ready: Uint8Array[] = [];
  let entryName: string | undefined;
  let expectedSize: number | undefined;
  let produced = 0;
  let finished = false;
  let failure: BridgeError | undefined;

  unzip.onfile = (file) => {
    if (file.name.endsWith("/")) return;
    if (entryName !== undefined) {
      failure ??= zipError(
        "ZIP_UNSUPPORTED",
        path,
        `it holds more than one file ("${entryName}", "${file.name}")`,
      );
      return;
    }
    entryName = file.name;
    // With a data descriptor (streamed zips) fflate reports a negative size and no real originalSize.
    expectedSize = file.size !== undefined && file.size >= 0 ? file.originalSize : undefined;
    file.ondata = (error, data, final) => {
      if (error) {
        failure ??= zipError("ZIP_CORRUPT", path, `"${file.name}" cannot be inflated: ${error.message}`);
        return;
      }
      produced += data.length;
      ready.push(data);
      if (final) finished = true;
    };
    try {
      file.start();
    } catch (error) {
      failure ??= zipError("ZIP_UNSUPPORTED", path, `"${file.name}": ${messageOf(error)}`);
    }
  };

  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      unzip.push(chunk, final);
    } catch (error) {
      failure ??= zipError("ZIP_CORRUPT", path, messageOf(error));
    }
    if (failure) throw failure;
  };

  for await (const chunk of createReadStream(path, { highWaterMark: readBufferBytes })) {
    read.bytes += chunk.length;
    push(chunk, false);
    // ondata runs synchronously inside push, so `ready` holds at most one input chunk's output.
    yield* ready.splice(0);
  }
  push(new Uint8Array(0), true);
  yield* ready.splice(0);

  if (entryName === undefined)
    throw zipError("ZIP_CORRUPT", path, "no file entry was found (not a zip, or damaged)");
  if (!finished) throw zipError("ZIP_CORRUPT", path, `"${entryName}" ends early: the zip is truncated`);
  // fflate does not check the CRC; the size recorded in the local header catches most damage.
  if (expectedSize !== undefined && expectedSize !== produced) {
    throw zipError(
      "ZIP_CORRUPT",
      path,
      `"${entryName}" inflated to ${produced} bytes, the zip says ${expectedSize}`,
    );
  }
}

function zipError(code: "ZIP_CORRUPT" | "ZIP_UNSUPPORTED", path: string, reason: string): BridgeError {
  return new BridgeError({ code, message: `${path} is not a readable zip: ${reason}` });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
