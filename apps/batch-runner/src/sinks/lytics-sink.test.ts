import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Database } from "../store/database.ts";
import { type FileLease, FileStates } from "../store/file-state.ts";
import { openTestDatabase } from "../store/test-database.ts";
import { createLyticsSink, type LyticsSinkOptions, splitBatches } from "./lytics-sink.ts";
import type { ChunkInput } from "./sink.ts";

const NOW = new Date("2026-03-02T00:00:00Z");

interface Received {
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  events: Array<Record<string, unknown>>;
}

/**
 * A small collect endpoint: answers from `script` in turn (then 200), recording every request.
 * A step with status 0 never answers.
 */
async function collectServer(script: Array<{ status: number; headers?: Record<string, string> }>) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (part: Buffer) => {
      body += part.toString("utf8");
    });
    req.on("end", () => {
      received.push({
        url: req.url ?? "",
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        events: JSON.parse(body),
      });
      const next = script.shift() ?? { status: 200 };
      if (next.status === 0) return;
      res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
      res.end(JSON.stringify({ status: next.status, data: { message_count: 1 } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const close = () => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  };
  return { url: `http://127.0.0.1:${port}`, received, close };
}

function chunk(lines: number, rejectedLines: number[]): ChunkInput {
  const events = [];
  for (let line = 2; line < 2 + lines + rejectedLines.length; line++) {
    if (rejectedLines.includes(line)) continue;
    events.push({
      line,
      event: { event: "OPEN", riid: String(line).padStart(4, "0"), _ts: "2026-03-01T09:00:00.000Z" },
    });
  }
  return {
    events,
    rejected: rejectedLines.map((line) => ({ line, reason: "bad date" })),
    lastLine: 1 + lines + rejectedLines.length,
  };
}

describe("lytics sink", () => {
  const sinkFor = (url: string, options: Partial<LyticsSinkOptions>) =>
    createLyticsSink({
      url,
      stream: "responsys_events",
      apiToken: "t",
      database,
      files,
      now: () => NOW,
      leaseTtlMs: 60_000,
      ...options,
    });

  let database: Database;
  let cleanup: () => Promise<void>;
  let files: FileStates;
  let lease: FileLease;

  beforeEach(async () => {
    ({ database, cleanup } = await openTestDatabase());
    files = new FileStates(database, "to-lytics");
    const outcome = await files.acquire(
      {
        path: "/download/12345_OPEN_20260301_000000.txt",
        name: "12345_OPEN_20260301_000000.txt",
        size: 1,
        mtimeMs: 1,
        accountId: "12345",
      },
      "runner",
      NOW,
      60_000,
    );
    if (!outcome.acquired) throw new Error("lease");
    lease = outcome.lease;
  }, 60_000);
  afterEach(async () => {
    await cleanup();
  });

  it("posts batches with the raw token, retries 429 and 503 with backoff, and checkpoints each batch", async () => {
    const server = await collectServer([{ status: 429, headers: { "retry-after": "3" } }, { status: 503 }]);
    const sleeps: number[] = [];
    try {
      const sink = sinkFor(`${server.url}/`, {
        stream: "responsys_events",
        apiToken: "raw-token",
        maxBatchEvents: 10,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      const written = await sink.write(lease, chunk(25, [5, 20]));
      expect(written).toEqual({ events: 25, rejected: 2 });
      expect(server.received.map((r) => r.events.length)).toEqual([10, 10, 10, 10, 5]);
      expect(sleeps).toEqual([3000, 2000]);
      for (const request of server.received) {
        expect(request.url).toBe("/collect/json/responsys_events?timestamp_field=_ts");
        expect(request.authorization).toBe("raw-token");
        expect(request.contentType).toBe("application/json");
      }
      expect(server.received[4]?.events.at(-1)).toMatchObject({
        riid: "0028",
        _ts: "2026-03-01T09:00:00.000Z",
      });
      const [record] = await files.list();
      expect(record).toMatchObject({ checkpointLine: 28, rows: 27, events: 25, rejected: 2 });
    } finally {
      await server.close();
    }
  });

  it("keeps the checkpoint of the last acknowledged batch when a later batch is refused", async () => {
    const server = await collectServer([{ status: 200 }, { status: 400 }]);
    try {
      const sink = sinkFor(server.url, {
        stream: "responsys_events",
        apiToken: "t",
        maxBatchEvents: 10,
        sleep: async () => {},
      });
      await expect(sink.write(lease, chunk(25, [5, 20]))).rejects.toMatchObject({
        code: "LYTICS_COLLECT_FAILED",
        status: 400,
      });
      const [record] = await files.list();
      // Batch 1 holds events of lines 2–12 (line 5 is a bad row): checkpoint 12, one bad row so far.
      expect(record).toMatchObject({ checkpointLine: 12, events: 10, rejected: 1 });
      expect(await database.query("SELECT line, reason FROM rejected_rows")).toEqual([
        { line: 5, reason: "bad date" },
      ]);
      expect(lease.checkpointLine).toBe(12);
    } finally {
      await server.close();
    }
  });

  it("gives up on a request that gets no answer in time, and sends the batch again", async () => {
    const server = await collectServer([{ status: 0 }, { status: 0 }]);
    const sleeps: number[] = [];
    try {
      const sink = sinkFor(server.url, {
        requestTimeoutMs: 200,
        maxAttempts: 2,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });
      // Two silent answers in a row use up the attempts: the error says why.
      await expect(sink.write(lease, chunk(3, []))).rejects.toMatchObject({
        code: "LYTICS_COLLECT_FAILED",
        retryable: true,
        // 200 ms, and 1 ms per 100 bytes of the batch's body.
        message: expect.stringMatching(
          /^Lytics collect request failed after 2 attempt\(s\): no answer within 20\d ms$/,
        ),
      });
      expect((await files.list())[0]?.checkpointLine).toBe(0);
      // The endpoint answers again: the same events go through and the checkpoint moves.
      expect(await sink.write(lease, chunk(3, []))).toEqual({ events: 3, rejected: 0 });
      expect(server.received.map((request) => request.events.length)).toEqual([3, 3, 3]);
      expect(sleeps).toEqual([1000]);
      expect((await files.list())[0]?.checkpointLine).toBe(4);
    } finally {
      await server.close();
    }
  });

  it("gives up after its attempts on a server that keeps failing", async () => {
    const server = await collectServer(Array.from({ length: 3 }, () => ({ status: 500 })));
    try {
      const sink = sinkFor(server.url, {
        stream: "s",
        apiToken: "t",
        maxAttempts: 3,
        sleep: async () => {},
      });
      await expect(sink.write(lease, chunk(3, []))).rejects.toMatchObject({
        code: "LYTICS_COLLECT_FAILED",
        retryable: true,
      });
      expect(server.received).toHaveLength(3);
      expect((await files.list())[0]?.checkpointLine).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe("splitBatches", () => {
  it("keeps every body under the byte limit and never splits an event", () => {
    const input = chunk(40, []);
    const one = JSON.stringify(input.events[0]?.event).length;
    const batches = splitBatches(input, 2 + (one + 1) * 7, 1000);
    expect(batches.map((b) => b.events.length)).toEqual([7, 7, 7, 7, 7, 5]);
    for (const batch of batches)
      expect(`[${batch.events.join(",")}]`.length).toBeLessThanOrEqual(2 + (one + 1) * 7);
    expect(batches.at(-1)?.lastLine).toBe(41);
    expect(splitBatches({ events: [], rejected: [{ line: 3, reason: "x" }], lastLine: 3 }, 100, 10)).toEqual([
      { events: [], lastLine: 3 },
    ]);
  });
});
