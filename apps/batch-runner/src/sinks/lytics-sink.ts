import { BridgeError } from "@responsys-bridge/core";
import type { Database } from "../store/database.ts";
import type { FileLease, FileStates } from "../store/file-state.ts";
import {
  type ChunkInput,
  type ChunkWrite,
  type ChunkWritten,
  type LineSink,
  rejectedBetween,
} from "./sink.ts";

export interface LyticsSinkOptions {
  url: string;
  stream: string;
  apiToken: string;
  database: Database;
  files: FileStates;
  now: () => Date;
  leaseTtlMs: number;
  fetch?: typeof fetch;
  /** Waits between retries; tests pass one that records and returns at once. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Body size limit. Lytics' collect API takes up to 10 MB per request; stay under it. */
  maxBatchBytes?: number;
  maxBatchEvents?: number;
  maxAttempts?: number;
  /**
   * How long one request may wait for Lytics' answer before it counts as failed and is retried,
   * on top of the time its body takes to send at 100 KB/s.
   */
  requestTimeoutMs?: number;
}

const DEFAULT_MAX_BATCH_BYTES = 9 * 1024 * 1024;
const DEFAULT_MAX_BATCH_EVENTS = 5000;
const DEFAULT_MAX_ATTEMPTS = 8;
// An endpoint that has not answered a minute after the body could be sent is stuck. Without a
// limit of ours, fetch waits up to 5 minutes per attempt. The allowance for the body keeps a slow
// uplink from failing every attempt of a large batch: 9 MB get 90 s more.
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const SLOWEST_UPLOAD_BYTES_PER_MS = 100;
const BASE_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 60_000;

/**
 * Sends events to Lytics' collect API (`POST {url}/collect/json/{stream}?timestamp_field=_ts`) in
 * JSON-array batches and advances the file's checkpoint after each acknowledged batch. A crash
 * between the acknowledgement and the checkpoint resends that one batch: at-least-once, by design
 * of an API with no idempotency key.
 */
export function createLyticsSink(options: LyticsSinkOptions): LineSink {
  const fetchImpl = options.fetch ?? fetch;
  const sleep = options.sleep ?? abortableSleep;
  const maxBytes = options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
  const maxEvents = options.maxBatchEvents ?? DEFAULT_MAX_BATCH_EVENTS;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const base = options.url.replace(/\/+$/, "");
  const collectUrl = `${base}/collect/json/${encodeURIComponent(options.stream)}?timestamp_field=_ts`;

  async function post(url: string, body: string, signal?: AbortSignal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let status: number;
      let retryAfterMs: number | undefined;
      let detail: string;
      // A request that times out may still have been taken: the retry can send its events twice,
      // as a crash before the checkpoint can (at-least-once, above).
      const limitMs = requestTimeoutMs + Math.ceil(body.length / SLOWEST_UPLOAD_BYTES_PER_MS);
      const timeout = AbortSignal.timeout(limitMs);
      try {
        const response = await fetchImpl(url, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: options.apiToken },
          body,
          signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
        });
        status = response.status;
        detail = (await response.text().catch(() => "")).slice(0, 300);
        if (response.ok) return;
        retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      } catch (error) {
        if (signal?.aborted) throw error;
        status = 0;
        detail = timeout.aborted
          ? `no answer within ${limitMs} ms`
          : error instanceof Error
            ? error.message
            : String(error);
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (!retryable || attempt >= maxAttempts) {
        throw new BridgeError({
          code: status === 401 || status === 403 ? "LYTICS_UNAUTHORIZED" : "LYTICS_COLLECT_FAILED",
          message: `Lytics collect ${status === 0 ? "request failed" : `answered ${status}`} after ${attempt} attempt(s): ${detail}`,
          retryable,
          status: status === 0 ? undefined : status,
        });
      }
      const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** (attempt - 1));
      await sleep(Math.max(backoff, retryAfterMs ?? 0), signal);
    }
  }

  const prepare = (chunk: ChunkInput): ChunkWrite => {
    const batches = splitBatches(chunk, maxBytes, maxEvents);
    return async (lease: FileLease, signal?: AbortSignal): Promise<ChunkWritten> => {
      let committedUpTo = lease.checkpointLine;
      let events = 0;
      let rejected = 0;
      for (const [index, batch] of batches.entries()) {
        if (batch.events.length > 0) await post(collectUrl, `[${batch.events.join(",")}]`, signal);
        const upTo = index === batches.length - 1 ? chunk.lastLine : batch.lastLine;
        const rejectedRows = rejectedBetween(chunk.rejected, committedUpTo, upTo);
        const at = options.now();
        await options.database.transaction((tx) =>
          options.files.commitChunk(
            tx,
            lease,
            {
              checkpointLine: upTo,
              rows: batch.events.length + rejectedRows.length,
              events: batch.events.length,
              rejected: rejectedRows.length,
              rejectedRows,
            },
            at,
            options.leaseTtlMs,
          ),
        );
        committedUpTo = upTo;
        events += batch.events.length;
        rejected += rejectedRows.length;
      }
      return { events, rejected };
    };
  };

  return {
    type: "lytics",
    prepare,
    write: (lease, chunk, signal) => prepare(chunk)(lease, signal),
    async check() {
      // dryrun asks Lytics to validate without storing: proves the URL, the stream and the token.
      await post(`${base}/collect/json/${encodeURIComponent(options.stream)}?dryrun=true`, "[]");
      return `lytics: ${base} accepted the API token for stream ${options.stream}`;
    },
  };
}

interface Batch {
  events: string[];
  lastLine: number;
}

/** Splits a chunk into batches under the byte and count limits; always at least one batch. */
export function splitBatches(chunk: ChunkInput, maxBytes: number, maxEvents: number): Batch[] {
  const batches: Batch[] = [];
  let current: Batch = { events: [], lastLine: chunk.lastLine };
  let bytes = 2;
  for (const { line, event } of chunk.events) {
    const json = JSON.stringify(event);
    const size = Buffer.byteLength(json) + 1;
    if (current.events.length > 0 && (bytes + size > maxBytes || current.events.length >= maxEvents)) {
      batches.push(current);
      current = { events: [], lastLine: chunk.lastLine };
      bytes = 2;
    }
    current.events.push(json);
    current.lastLine = line;
    bytes += size;
  }
  batches.push(current);
  return batches;
}

function parseRetryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
