import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../test/support/connect-data.ts";
import { DelimitedParser, type DelimitedRecord, type RecordProblem } from "./delimited.ts";

/** Feeds `bytes` to a parser `size` bytes at a time, taking records after every push. */
function parseInReads(bytes: Uint8Array, delimiter: string, size: number, maxRecordBytes?: number) {
  const parser = new DelimitedParser({
    delimiter,
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
  });
  const records: DelimitedRecord[] = [];
  const drain = () => {
    for (let record = parser.next(); record !== undefined; record = parser.next()) records.push(record);
  };
  for (let at = 0; at < bytes.length; at += size) {
    parser.push(bytes.subarray(at, at + size));
    drain();
  }
  parser.end();
  drain();
  return records;
}

const parse = (text: string, delimiter = "|", maxRecordBytes?: number) =>
  parseInReads(new TextEncoder().encode(text), delimiter, 1 << 16, maxRecordBytes);

/**
 * The rules written out plainly, one character at a time over the whole text: what the streaming
 * parser must produce whatever the read sizes.
 */
function referenceParse(input: string, delimiter: string, maxRecordBytes: number): DelimitedRecord[] {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input;
  const byteLength = (from: number, to: number) => new TextEncoder().encode(text.slice(from, to)).length;
  const atLineEnd = (at: number) =>
    at >= text.length ||
    text[at] === "\n" ||
    (text[at] === "\r" && (at + 1 >= text.length || text[at + 1] === "\n"));
  const records: DelimitedRecord[] = [];
  let at = 0;
  let line = 1;
  const problem = (reason: RecordProblem) => {
    records.push({ line, problem: reason });
    const lf = text.indexOf("\n", at);
    at = lf === -1 ? text.length : lf + 1;
    line++;
  };
  while (at < text.length) {
    const lf = text.indexOf("\n", at);
    const lineEnd = lf === -1 ? text.length : lf;
    if (text.slice(at, lineEnd) === "" || text.slice(at, lineEnd) === "\r") {
      at = lineEnd + 1;
      line++;
      continue;
    }
    if (byteLength(at, lineEnd) > maxRecordBytes) {
      problem("too_long");
      continue;
    }
    const fields: string[] = [];
    let index = at;
    let extraLines = 0;
    let unclosed = false;
    for (;;) {
      let value = "";
      if (text[index] === '"') {
        index++;
        for (;;) {
          if (index >= text.length) {
            unclosed = true;
            break;
          }
          const char = text[index];
          if (char === '"' && text[index + 1] === '"') {
            value += '"';
            index += 2;
          } else if (char === '"' && (atLineEnd(index + 1) || text[index + 1] === delimiter)) {
            index++;
            break;
          } else if (char === '"') {
            value = `"${value}"`;
            index++;
            while (!atLineEnd(index) && text[index] !== delimiter) value += text[index++];
            break;
          } else {
            if (char === "\n") extraLines++;
            value += char;
            index++;
          }
        }
        if (unclosed) break;
      } else {
        while (!atLineEnd(index) && text[index] !== delimiter) value += text[index++];
      }
      fields.push(value);
      if (atLineEnd(index)) break;
      index++;
    }
    const recordEnd = text[index] === "\r" ? index + 1 : index;
    if (unclosed || byteLength(at, recordEnd) > maxRecordBytes) {
      problem("unclosed_quote");
      continue;
    }
    line += extraLines;
    records.push({ line, fields });
    at = recordEnd + 1;
    line++;
  }
  return records;
}

const DELIMITERS = ["|", ",", "\t", ";", "§"];
// Pieces weighted towards what breaks parsers: quotes, line ends of both kinds, multi-byte text.
const PIECES = [
  "a",
  "bc",
  "1",
  " ",
  '"',
  '""',
  "\n",
  "\r\n",
  "\r",
  "é",
  "東京",
  "🚀",
  "x\u00a0y",
  "DELIM",
  "DELIM",
];

function randomText(next: () => number, delimiter: string): string {
  const length = Math.floor(next() * 60);
  let text = next() < 0.2 ? "\uFEFF" : "";
  for (let index = 0; index < length; index++) {
    const piece = PIECES[Math.floor(next() * PIECES.length)] ?? "";
    text += piece === "DELIM" ? delimiter : piece;
  }
  return text;
}

describe("DelimitedParser", () => {
  it.each([
    ["plain fields", "a|b|c\n", [{ line: 1, fields: ["a", "b", "c"] }]],
    ["no line end at the end", "a|b", [{ line: 1, fields: ["a", "b"] }]],
    ["empty fields", "|a||\n", [{ line: 1, fields: ["", "a", "", ""] }]],
    [
      "CRLF",
      "a|b\r\nc|d\r\n",
      [
        { line: 1, fields: ["a", "b"] },
        { line: 2, fields: ["c", "d"] },
      ],
    ],
    [
      "mixed LF and CRLF",
      "a\nb\r\nc",
      [
        { line: 1, fields: ["a"] },
        { line: 2, fields: ["b"] },
        { line: 3, fields: ["c"] },
      ],
    ],
    [
      "empty lines skipped but counted",
      "\n\r\na\n\n\nb\n\n",
      [
        { line: 3, fields: ["a"] },
        { line: 6, fields: ["b"] },
      ],
    ],
    ["a lone CR inside a field", "a\rb|c\n", [{ line: 1, fields: ["a\rb", "c"] }]],
    ["a BOM", "\uFEFFa|b\n", [{ line: 1, fields: ["a", "b"] }]],
    [
      "a BOM later is text",
      "a\n\uFEFFb\n",
      [
        { line: 1, fields: ["a"] },
        { line: 2, fields: ["\uFEFFb"] },
      ],
    ],
    ["quoted fields", '"a"|"b|c"|""\n', [{ line: 1, fields: ["a", "b|c", ""] }]],
    ["escaped quotes", '"say ""hi"""|x\n', [{ line: 1, fields: ['say "hi"', "x"] }]],
    [
      "a quoted line break ends the record on its last line",
      'a|"b\nc"\nd|e\n',
      [
        { line: 2, fields: ["a", "b\nc"] },
        { line: 3, fields: ["d", "e"] },
      ],
    ],
    ["a quoted CRLF is kept", 'a|"b\r\nc"\r\n', [{ line: 2, fields: ["a", "b\r\nc"] }]],
    ["a quoted empty line is kept", '"a\n\nb"\n', [{ line: 3, fields: ["a\n\nb"] }]],
    ["a quote inside an unquoted field is text", 'ab"c|d"\n', [{ line: 1, fields: ['ab"c', 'd"'] }]],
    ["a quote after a space is text", ' "a"|b\n', [{ line: 1, fields: [' "a"', "b"] }]],
    ["text after a closing quote keeps the quotes", '"a"b|c\n', [{ line: 1, fields: ['"a"b', "c"] }]],
    ["an escaped quote before a relaxed close", '"a""b"c\n', [{ line: 1, fields: ['"a"b"c'] }]],
    ["a closing quote before a lone CR", '"a"\rb\n', [{ line: 1, fields: ['"a"\rb'] }]],
    ["a closing quote at the end of the input", '"a|b"', [{ line: 1, fields: ["a|b"] }]],
    ["a line of one quoted empty field", '""\n', [{ line: 1, fields: [""] }]],
    ["multi-byte text", "Zoë|東京|🚀\n", [{ line: 1, fields: ["Zoë", "東京", "🚀"] }]],
    [
      "an unclosed quote: its line is a problem, the next line is read",
      'a\n"b|c\nd|e\n',
      [
        { line: 1, fields: ["a"] },
        { line: 2, problem: "unclosed_quote" },
        { line: 3, fields: ["d", "e"] },
      ],
    ],
    [
      "an unclosed quote on the last line",
      'a\n"b',
      [
        { line: 1, fields: ["a"] },
        { line: 2, problem: "unclosed_quote" },
      ],
    ],
    ["an escaped quote at the very end", '"a""', [{ line: 1, problem: "unclosed_quote" }]],
    ["an empty input", "", []],
    ["only a BOM", "\uFEFF", []],
  ])("reads %s", (_name, text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it.each([",", "\t", ";", "§"])("splits on %j", (delimiter) => {
    expect(parse(`a${delimiter}"b${delimiter}c"${delimiter}d|e\n`, delimiter)).toEqual([
      { line: 1, fields: ["a", `b${delimiter}c`, "d|e"] },
    ]);
  });

  it("reports a line longer than the limit and reads on after it", () => {
    expect(parse(`${"x".repeat(20)}\nab\n`, "|", 10)).toEqual([
      { line: 1, problem: "too_long" },
      { line: 2, fields: ["ab"] },
    ]);
  });

  it("reports a quoted field still open at the limit on its first line and rereads what follows", () => {
    expect(parse('"a\nb\nc\nd\ne\nf\n', "|", 6)).toEqual([
      { line: 1, problem: "unclosed_quote" },
      { line: 2, fields: ["b"] },
      { line: 3, fields: ["c"] },
      { line: 4, fields: ["d"] },
      { line: 5, fields: ["e"] },
      { line: 6, fields: ["f"] },
    ]);
  });

  /** Pushes the reads one by one, checking after each that the parser holds little. */
  function readBounded(reads: string[], maxRecordBytes: number): DelimitedRecord[] {
    const parser = new DelimitedParser({ delimiter: "|", maxRecordBytes });
    const records: DelimitedRecord[] = [];
    for (const read of reads) {
      parser.push(new TextEncoder().encode(read));
      for (let record = parser.next(); record !== undefined; record = parser.next()) records.push(record);
      expect(parser.bufferedBytes).toBeLessThanOrEqual(maxRecordBytes + read.length);
    }
    parser.end();
    for (let record = parser.next(); record !== undefined; record = parser.next()) records.push(record);
    return records;
  }

  it("holds no more than the limit and a read while skipping a line that never ends", () => {
    const reads = [...Array.from({ length: 1000 }, () => "y".repeat(64)), "\nok\n"];
    expect(readBounded(reads, 100)).toEqual([
      { line: 1, problem: "too_long" },
      { line: 2, fields: ["ok"] },
    ]);
  });

  it("holds no more than the limit and a read while a quoted field never closes", () => {
    const reads = ['"a\n', ...Array.from({ length: 1000 }, () => `${"y".repeat(63)}\n`)];
    const records = readBounded(reads, 100);
    expect(records[0]).toEqual({ line: 1, problem: "unclosed_quote" });
    expect(records.slice(1)).toEqual(
      Array.from({ length: 1000 }, (_, index) => ({ line: index + 2, fields: ["y".repeat(63)] })),
    );
  });

  it.each([
    ["two characters", "ab"],
    ["a quote", '"'],
    ["CR", "\r"],
    ["LF", "\n"],
    ["nothing", ""],
  ])("refuses a delimiter that is %s", (_name, delimiter) => {
    expect(() => new DelimitedParser({ delimiter })).toThrow(
      expect.objectContaining({ code: "INVALID_DELIMITER" }),
    );
  });

  it("decodes bytes that are not UTF-8 as replacement characters, line by line", () => {
    const bytes = Uint8Array.from([0x61, 0xff, 0x7c, 0xe2, 0x82, 0x0a, 0x62, 0x0a]);
    expect(parseInReads(bytes, "|", 1)).toEqual([
      { line: 1, fields: ["a\uFFFD", "\uFFFD"] },
      { line: 2, fields: ["b"] },
    ]);
  });

  // The main guard: random text full of quotes, line ends and multi-byte characters, read in many
  // sizes (so lines, characters and CRLFs are split at every possible place), must come out as
  // the whole-text reference reads it.
  it("reads random text the same whatever the read size, as the reference does", () => {
    const next = mulberry32(20240301);
    for (let round = 0; round < 400; round++) {
      const delimiter = DELIMITERS[round % DELIMITERS.length] ?? "|";
      const lines = Array.from({ length: 1 + Math.floor(next() * 6) }, () => randomText(next, delimiter));
      const text = lines.join(next() < 0.5 ? "\n" : "\r\n");
      const maxRecordBytes = round % 3 === 0 ? 40 : 1 << 20;
      const expected = referenceParse(text, delimiter, maxRecordBytes);
      const bytes = new TextEncoder().encode(text);
      for (const size of [1, 2, 3, 7, 64, 4096]) {
        const actual = parseInReads(bytes, delimiter, size, maxRecordBytes);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          expect({ round, size, text, actual }).toEqual({ round, size, text, actual: expected });
        }
      }
    }
  });

  it("reads a large text the same in reads of any size as in one piece", () => {
    const next = mulberry32(7);
    const rows = Array.from({ length: 4000 }, (_, index) => {
      const wide = next() < 0.05 ? `"${"long 東京 text\n".repeat(Math.floor(next() * 400))}"` : "short";
      return `${index}|${next() < 0.3 ? '"quoted|""x"""' : "plain"}|${wide}`;
    });
    const bytes = new TextEncoder().encode(`${rows.join("\n")}\n`);
    const whole = parseInReads(bytes, "|", bytes.length);
    expect(whole).toHaveLength(4000);
    for (const size of [1000, 4099, 65_537, 100_003]) expect(parseInReads(bytes, "|", size)).toEqual(whole);
  });

  it("agrees with the reference on the hand-written cases", () => {
    const cases = ['a|"b\nc"\nd\n', '"a""b"c|"d\r\ne"\r\n', '\n"x\n\n', '"a\n"b"\n', 'a"|"\n"|b\n'];
    for (const text of cases) expect(parse(text)).toEqual(referenceParse(text, "|", 1 << 20));
  });
});
