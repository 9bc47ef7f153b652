import { describe, expect, it } from "vitest";
import { createJsonLogger } from "./logger.ts";
import { createProgressBar, type ImportProgress, progressLog, renderProgress } from "./progress.ts";

describe("renderProgress", () => {
  it.each([
    [
      { bytesDone: 0, bytesTotal: 2_097_152, rows: 0, phase: "download" as const },
      "[------------------------] 1/3 a.txt download 0.0/2.0 MB 0 rows",
    ],
    [
      { bytesDone: 1_048_576, bytesTotal: 2_097_152, rows: 0, phase: "decrypt" as const },
      "[############------------] 1/3 a.txt decrypt 1.0/2.0 MB 0 rows",
    ],
    [
      { bytesDone: 2_097_152, bytesTotal: 2_097_152, rows: 1234567, phase: "rows" as const },
      "[########################] 1/3 a.txt rows 2.0/2.0 MB 1,234,567 rows",
    ],
    [
      { bytesDone: 5, bytesTotal: 0, rows: 3, phase: "rows" as const },
      "[------------------------] 1/3 a.txt rows 0.0/0.0 MB 3 rows",
    ],
  ])("draws %o", (progress, expected) => {
    expect(
      renderProgress({ file: "a.txt", path: "/download/a.txt", filesDone: 0, filesTotal: 3, ...progress }),
    ).toBe(expected);
  });
});

describe("progressLog", () => {
  it("logs a long file's progress every interval, and nothing of a file done sooner", () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createJsonLogger({ write: (line) => lines.push(JSON.parse(line)) });
    let clock = 0;
    const log = progressLog(logger, 15_000, () => clock);
    const report = (file: string, at: number, phase: ImportProgress["phase"], bytesDone: number) => {
      clock = at;
      log({
        file,
        path: `/download/${file}`,
        phase,
        bytesDone,
        bytesTotal: 200,
        rows: bytesDone * 10,
        filesDone: 0,
        filesTotal: 2,
      });
    };
    report("a.txt", 0, "download", 0);
    report("a.txt", 5_000, "rows", 50);
    report("a.txt", 16_000, "rows", 100);
    report("a.txt", 20_000, "profiles", 120);
    report("a.txt", 31_000, "profiles", 200);
    // A new file starts its own clock: done within 15 s, it logs nothing.
    report("b.txt", 32_000, "download", 0);
    report("b.txt", 40_000, "rows", 200);
    expect(lines.map(({ msg, file, phase, percent, rows }) => ({ msg, file, phase, percent, rows }))).toEqual(
      [
        { msg: "file progress", file: "/download/a.txt", phase: "rows", percent: 50, rows: 1000 },
        { msg: "file progress", file: "/download/a.txt", phase: "profiles", percent: 100, rows: 2000 },
      ],
    );
  });
});

describe("createProgressBar", () => {
  it.each([
    [0, 119],
    [undefined, 119],
    [40, 39],
  ])("fits a terminal of %s columns", (columns, width) => {
    let written = "";
    const stream = { columns, write: (text: string) => (written += text) } as unknown as NodeJS.WriteStream;
    createProgressBar(stream).update({
      file: "x".repeat(200),
      path: "/download/x",
      phase: "rows",
      bytesDone: 1,
      bytesTotal: 2,
      rows: 1,
      filesDone: 0,
      filesTotal: 1,
    });
    expect(written.replace("\r\x1b[2K", "")).toHaveLength(width);
  });
});
