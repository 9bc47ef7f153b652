import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { strToU8, Zip, ZipDeflate, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mulberry32 } from "../../test/support/connect-data.ts";
import { type ConnectFileName, parseConnectFileName } from "./name.ts";
import { type ConnectEvent, type EventChunk, type ReadOptions, readConnectEvents } from "./read.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "connect-read-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fileName(name: string): ConnectFileName {
  const parsed = parseConnectFileName(name);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.file;
}

const OPEN = fileName("1234_OPEN_20240301_091500.txt");

async function write(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, content);
  return file;
}

async function readAll(file: string, options: Partial<ReadOptions> = {}): Promise<EventChunk[]> {
  const chunks: EventChunk[] = [];
  for await (const chunk of readConnectEvents(file, {
    file: OPEN,
    fileLabel: "/download/x.txt",
    delimiter: "|",
    zip: false,
    ...options,
  })) {
    chunks.push(chunk);
  }
  return chunks;
}

const events = (chunks: EventChunk[]) => chunks.flatMap((chunk) => chunk.events);
const rejected = (chunks: EventChunk[]) => chunks.flatMap((chunk) => chunk.rejected);

const PIPE_FILE = [
  "EVENT_TYPE_ID|ACCOUNT_ID|RIID|EVENT_CAPTURED_DT|EMAIL|OFFER_URL",
  "4|1234|1001|03-JAN-2019 13:05:32|a@example.com|https://x.example/a",
  "4|1234|1002|03-Jan-2019 13:05:33|b@example.com|",
  "",
].join("\n");

describe("readConnectEvents", () => {
  it("turns rows into events with lower-cased columns, the file's event and an ISO _ts", async () => {
    const chunks = await readAll(await write("basic.txt", PIPE_FILE));
    expect(events(chunks)).toEqual([
      {
        line: 2,
        event: {
          event_type_id: "4",
          riid: "1001",
          event_captured_dt: "03-JAN-2019 13:05:32",
          email: "a@example.com",
          offer_url: "https://x.example/a",
          event: "OPEN",
          channel: "email",
          account_id: "1234",
          _ts: "2019-01-03T13:05:32.000Z",
        },
      },
      {
        line: 3,
        event: {
          event_type_id: "4",
          riid: "1002",
          event_captured_dt: "03-Jan-2019 13:05:33",
          email: "b@example.com",
          event: "OPEN",
          channel: "email",
          account_id: "1234",
          _ts: "2019-01-03T13:05:33.000Z",
        },
      },
    ]);
    expect(chunks.at(-1)?.lastLine).toBe(3);
  });

  it("names SMS events after the channel", async () => {
    const file = await write("sms.txt", "EVENT_UUID,EVENT_CAPTURED_DT\nu-1,01-MAR-2024 10:00:00\n");
    const chunks = await readAll(file, { file: fileName("99_SMS_SENT_20240301_120000.txt"), delimiter: "," });
    expect(events(chunks)[0]?.event).toMatchObject({ event: "SMS_SENT", channel: "sms", account_id: "99" });
  });

  it("keeps its own event, channel, account_id and _ts over columns of the same name", async () => {
    const content = "ACCOUNT_ID|EVENT|_TS|EVENT_CAPTURED_DT|__PROTO__\n999|CLICK|x|01-MAR-2024 10:00:00|y\n";
    const chunks = await readAll(await write("names.txt", content));
    const event = events(chunks)[0]?.event;
    expect(event).toEqual({
      event: "OPEN",
      channel: "email",
      account_id: "1234",
      _ts: "2024-03-01T10:00:00.000Z",
      event_captured_dt: "01-MAR-2024 10:00:00",
    });
    expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
  });

  it("reads quotes, escaped quotes, delimiters in quotes, CRLF, embedded newlines and a BOM", async () => {
    const content =
      '\uFEFF"RIID","EVENT_CAPTURED_DT","REASON"\r\n' +
      '1,01-MAR-2024 10:00:00,"said ""hi"", then left"\r\n' +
      '2,01-MAR-2024 10:00:01,"two\nlines"\r\n' +
      "3,01-MAR-2024 10:00:02,plain\r\n";
    const chunks = await readAll(await write("quoted.csv", content), { delimiter: "," });
    expect(rejected(chunks)).toEqual([]);
    expect(events(chunks).map(({ line, event }) => [line, event.riid, event.reason])).toEqual([
      [2, "1", 'said "hi", then left'],
      [4, "2", "two\nlines"],
      [5, "3", "plain"],
    ]);
  });

  it("decodes multi-byte characters split across read chunks", async () => {
    const names = ["Zoë", "東京", "🚀 launch", "naïve café"];
    const rows = names.map((name, index) => `${index}|01-MAR-2024 10:00:0${index}|${name}`);
    const file = await write("utf8.txt", `RIID|EVENT_CAPTURED_DT|NAME\n${rows.join("\n")}\n`);
    for (const readBufferBytes of [1, 2, 3, 5, 7]) {
      const chunks = await readAll(file, { readBufferBytes });
      expect(events(chunks).map(({ event }) => event.name)).toEqual(names);
    }
  });

  it("keeps bad rows with line and reason and reads on", async () => {
    const content = [
      "RIID|EVENT_CAPTURED_DT|EMAIL",
      "1|01-MAR-2024 10:00:00|a@example.com",
      "2|01-MAR-2024 10:00:00",
      "3|2024-03-01 10:00:00|c@example.com",
      "4||d@example.com",
      "5|31-FEB-2024 10:00:00|e@example.com",
      '6|01-MAR-2024 10:00:00|"never closed',
      "7|01-MAR-2024 10:00:07|g@example.com",
      "8|01-MAR-2024 10:00:08|h@example.com|extra",
      "9|01-MAR-2024 10:00:09|i@example.com",
      "",
    ].join("\n");
    const chunks = await readAll(await write("bad.txt", content));
    expect(rejected(chunks)).toEqual([
      { file: "/download/x.txt", line: 3, reason: "expected 3 columns, found 2" },
      {
        file: "/download/x.txt",
        line: 4,
        reason: 'EVENT_CAPTURED_DT "2024-03-01 10:00:00" is not a DD-Mon-YYYY HH24:MI:SS date',
      },
      { file: "/download/x.txt", line: 5, reason: "EVENT_CAPTURED_DT is empty" },
      {
        file: "/download/x.txt",
        line: 6,
        reason: 'EVENT_CAPTURED_DT "31-FEB-2024 10:00:00" is not a DD-Mon-YYYY HH24:MI:SS date',
      },
      { file: "/download/x.txt", line: 7, reason: "a quoted field is never closed" },
      { file: "/download/x.txt", line: 9, reason: "expected 3 columns, found 4" },
    ]);
    expect(events(chunks).map(({ line, event }) => [line, event.riid])).toEqual([
      [2, "1"],
      [8, "7"],
      [10, "9"],
    ]);
  });

  it("recovers after an unclosed quote that runs past the record size limit", async () => {
    const filler = Array.from(
      { length: 30_000 },
      (_, index) => `${index}|01-MAR-2024 10:00:00|x${"y".repeat(30)}`,
    );
    const content = `RIID|EVENT_CAPTURED_DT|EMAIL\n0|01-MAR-2024 10:00:00|"open\n${filler.join("\n")}\n`;
    const chunks = await readAll(await write("runaway.txt", content));
    expect(rejected(chunks)).toEqual([
      { file: "/download/x.txt", line: 2, reason: "a quoted field is never closed" },
    ]);
    expect(events(chunks)).toHaveLength(30_000);
    expect(events(chunks)[0]).toMatchObject({ line: 3, event: { riid: "0" } });
  });

  it("resumes after a checkpoint without repeating or losing rows", async () => {
    const rows = Array.from({ length: 9 }, (_, index) => `${index}|01-MAR-2024 10:00:0${index}|e`);
    rows[4] = "bad row";
    const file = await write("resume.txt", `RIID|EVENT_CAPTURED_DT|EMAIL\n${rows.join("\n")}\n`);
    const whole = await readAll(file, { chunkSize: 3 });
    expect(whole.map((chunk) => chunk.lastLine)).toEqual([4, 7, 10]);
    const resumed = await readAll(file, { chunkSize: 3, fromLine: whole[0]?.lastLine ?? 0 });
    expect([...events(whole.slice(0, 1)), ...events(resumed)]).toEqual(events(whole));
    expect([...rejected(whole.slice(0, 1)), ...rejected(resumed)]).toEqual(rejected(whole));
  });

  it.each([
    [
      "no EVENT_CAPTURED_DT (wrong delimiter)",
      "RIID,EVENT_CAPTURED_DT\n1,01-MAR-2024 10:00:00\n",
      /no EVENT_CAPTURED_DT/,
    ],
    ["a duplicate column", "RIID|riid|EVENT_CAPTURED_DT\n", /duplicate "riid"/],
    ["an unclosed quote", 'RIID|"EVENT_CAPTURED_DT\n1|2\n', /header row cannot be read/],
  ])("fails the file on a header with %s", async (_name, content, message) => {
    const file = await write("header.txt", content);
    await expect(readAll(file)).rejects.toMatchObject({ code: "CONNECT_FILE_BAD_HEADER", message });
  });

  it("yields nothing for an empty file", async () => {
    expect(await readAll(await write("empty.txt", ""))).toEqual([]);
  });
});

interface GeneratedFile {
  text: string;
  events: EventChunk["events"];
  rejected: EventChunk["rejected"];
}

/**
 * A random Connect file and the rows it must give, worked out while writing it: quoted notes
 * with quotes, delimiters and line breaks, multi-byte names, LF and CRLF, blank lines, bad rows,
 * and sometimes a quote left open on the last row.
 */
function generateFile(seed: number, delimiter: string): GeneratedFile {
  const next = mulberry32(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)] as T;
  const names = ["Zoë", "東京", "🚀 launch", "naïve café", "plain", ""];
  const notePieces = ["x", "y z", '"', delimiter, "\n", "\r\n", "é", "🚀", ""];
  const parts = [`\uFEFFRIID${delimiter}EVENT_CAPTURED_DT${delimiter}NAME${delimiter}NOTE\n`];
  const events: GeneratedFile["events"] = [];
  const rejected: GeneratedFile["rejected"] = [];
  let line = 1;
  const rows = 20 + Math.floor(next() * 40);
  for (let index = 0; index < rows; index++) {
    while (next() < 0.1) {
      parts.push(pick(["\n", "\r\n"]));
      line++;
    }
    const end = pick(["\n", "\r\n"]);
    const second = String(index % 60).padStart(2, "0");
    const date = `01-MAR-2024 10:00:${second}`;
    const name = pick(names);
    const kind = next();
    if (kind < 0.08) {
      parts.push(`${index}${delimiter}${date}${end}`);
      line++;
      rejected.push({ file: "/download/x.txt", line, reason: "expected 4 columns, found 2" });
      continue;
    }
    if (kind < 0.14) {
      parts.push(`${index}${delimiter}2024-03-01${delimiter}${name}${delimiter}n${end}`);
      line++;
      const reason = 'EVENT_CAPTURED_DT "2024-03-01" is not a DD-Mon-YYYY HH24:MI:SS date';
      rejected.push({ file: "/download/x.txt", line, reason });
      continue;
    }
    const note = Array.from({ length: Math.floor(next() * 5) }, () => pick(notePieces)).join("");
    const quoted = /["\r\n]/.test(note) || note.includes(delimiter) || next() < 0.3;
    const written = quoted ? `"${note.replaceAll('"', '""')}"` : note;
    parts.push(`${index}${delimiter}${date}${delimiter}${name}${delimiter}${written}${end}`);
    line += 1 + (note.match(/\n/g)?.length ?? 0);
    const event: ConnectEvent = {
      riid: String(index),
      event_captured_dt: date,
      event: "OPEN",
      channel: "email",
      account_id: "1234",
      _ts: `2024-03-01T10:00:${second}.000Z`,
    };
    if (name !== "") event.name = name;
    if (note !== "") event.note = note;
    events.push({ line, event });
  }
  if (next() < 0.5) {
    parts.push(`${rows}${delimiter}01-MAR-2024 10:00:00${delimiter}x${delimiter}"open\nand on`);
    rejected.push({ file: "/download/x.txt", line: line + 1, reason: "a quoted field is never closed" });
    // Reading starts again on the line after the broken one.
    rejected.push({ file: "/download/x.txt", line: line + 2, reason: "expected 4 columns, found 1" });
  }
  return { text: parts.join(""), events, rejected };
}

describe("readConnectEvents across read and chunk boundaries", () => {
  const cases = [1, 2, 3, 4, 5, 6].map((seed) => ({
    seed,
    delimiter: ["|", ",", "\t", ";", "§"][seed % 5] ?? "|",
  }));

  it.each(cases)(
    "gives the written rows whatever the read and chunk sizes (seed $seed)",
    async ({ seed, delimiter }) => {
      const expected = generateFile(seed, delimiter);
      const file = await write(`random-${seed}.txt`, expected.text);
      const zipFile = await write(`random-${seed}.zip`, zipSync({ "a.txt": strToU8(expected.text) }));
      const readings: Array<[string, Partial<ReadOptions>]> = [
        ...[1, 2, 3, 7, 64, 4096].map((readBufferBytes): [string, Partial<ReadOptions>] => [
          `reads of ${readBufferBytes}`,
          { readBufferBytes, chunkSize: 1 + (readBufferBytes % 5) },
        ]),
        ["defaults", {}],
        ["zip", { zip: true, readBufferBytes: 7, chunkSize: 4 }],
      ];
      for (const [label, options] of readings) {
        const chunks = await readAll(options.zip ? zipFile : file, { delimiter, ...options });
        expect({ label, events: events(chunks), rejected: rejected(chunks) }).toEqual({
          label,
          events: expected.events,
          rejected: expected.rejected,
        });
        const chunkSize = options.chunkSize ?? 1000;
        for (const chunk of chunks) {
          const lines = [...chunk.events, ...chunk.rejected].map((row) => row.line);
          expect(lines.length).toBeGreaterThan(0);
          expect(lines.length).toBeLessThanOrEqual(chunkSize);
          expect(chunk.lastLine).toBe(Math.max(...lines));
        }
      }
    },
  );

  it.each(cases.slice(0, 3))(
    "resumes from any chunk's lastLine with exactly the rows after it (seed $seed)",
    async ({ seed, delimiter }) => {
      const expected = generateFile(seed, delimiter);
      const file = await write(`resume-${seed}.txt`, expected.text);
      const chunks = await readAll(file, { delimiter, chunkSize: 3 });
      for (const chunk of chunks) {
        const resumed = await readAll(file, {
          delimiter,
          chunkSize: 3,
          fromLine: chunk.lastLine,
          readBufferBytes: 5,
        });
        expect(events(resumed)).toEqual(expected.events.filter((row) => row.line > chunk.lastLine));
        expect(rejected(resumed)).toEqual(expected.rejected.filter((row) => row.line > chunk.lastLine));
      }
    },
  );
});

describe("readConnectEvents on zip files", () => {
  const content = `${PIPE_FILE}5|1234|1003|04-JAN-2019 00:00:00|ü@example.com|\n`;

  it.each([
    ["deflated", () => zipSync({ "1234_OPEN_20240301_091500.txt": strToU8(content) })],
    ["stored", () => zipSync({ "a.txt": [strToU8(content), { level: 0 }] })],
    ["with a folder entry", () => zipSync({ "dir/": new Uint8Array(0), "dir/a.txt": strToU8(content) })],
    ["streamed (data descriptor)", () => streamedZip("a.txt", content)],
  ])("reads the entry of a %s zip", async (name, make) => {
    const bytes = make();
    const file = await write(`${name}.zip`, bytes);
    // Progress counts the zip's own bytes read from disk, not the inflated ones.
    const read: number[] = [];
    const chunks = await readAll(file, { zip: true, readBufferBytes: 7, onBytesRead: (n) => read.push(n) });
    expect(events(chunks).map(({ event }) => event.email)).toEqual([
      "a@example.com",
      "b@example.com",
      "ü@example.com",
    ]);
    expect(read).toEqual([...read].sort((a, b) => a - b));
    expect(read.some((n) => n > 0 && n < bytes.length)).toBe(true);
    expect(read.at(-1)).toBe(bytes.length);
  });

  it("resumes inside a zip after an unclosed quote", async () => {
    const text = 'RIID|EVENT_CAPTURED_DT\n"1|01-MAR-2024 10:00:00\n2|01-MAR-2024 10:00:00\n';
    const file = await write("quote.zip", zipSync({ "a.txt": strToU8(text) }));
    const chunks = await readAll(file, { zip: true });
    expect(rejected(chunks).map((row) => row.line)).toEqual([2]);
    expect(events(chunks).map(({ event }) => event.riid)).toEqual(["2"]);
  });

  it.each([
    ["not a zip at all", () => strToU8("RIID|EVENT_CAPTURED_DT\n"), "ZIP_CORRUPT"],
    ["truncated", () => zipSync({ "a.txt": strToU8(content.repeat(50)) }).subarray(0, 200), "ZIP_CORRUPT"],
    ["damaged deflate data", () => damaged(zipSync({ "a.txt": strToU8(content.repeat(50)) })), "ZIP_CORRUPT"],
    ["two files", () => zipSync({ "a.txt": strToU8(content), "b.txt": strToU8(content) }), "ZIP_UNSUPPORTED"],
  ])("fails a zip that is %s", async (name, make, code) => {
    const file = await write(`bad-${name}.zip`, make());
    await expect(readAll(file, { zip: true })).rejects.toMatchObject({ code });
  });
});

function streamedZip(name: string, text: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    parts.push(data);
  });
  const entry = new ZipDeflate(name);
  zip.add(entry);
  entry.push(strToU8(text), true);
  zip.end();
  return Buffer.concat(parts);
}

function damaged(zip: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(zip);
  for (let index = 60; index < 90; index++) copy[index] = (copy[index] ?? 0) ^ 0xff;
  return copy;
}
