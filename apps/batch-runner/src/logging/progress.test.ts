import { describe, expect, it } from "vitest";
import { renderProgress } from "./progress.ts";

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
    expect(renderProgress({ file: "a.txt", filesDone: 0, filesTotal: 3, ...progress })).toBe(expected);
  });
});
