import { describe, expect, it } from "vitest";
import { createJsonLogger } from "./logger.ts";

describe("createJsonLogger", () => {
  it("writes one JSON object per line with child fields, and never a secret", () => {
    const lines: string[] = [];
    const logger = createJsonLogger({
      write: (line) => lines.push(line),
      now: () => new Date(0),
      level: "info",
    });
    const job = logger.child({ job: "events", insecureAcceptAnyHostKey: true });
    job.info("file imported", {
      rows: 3,
      pgpPassphrase: "hunter2",
      apiToken: "t0k",
      error: new Error("boom"),
    });
    job.debug("hidden below the level");
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      time: "1970-01-01T00:00:00.000Z",
      level: "info",
      msg: "file imported",
      job: "events",
      insecureAcceptAnyHostKey: true,
      rows: 3,
      pgpPassphrase: "[redacted]",
      apiToken: "[redacted]",
      error: "boom",
    });
    expect(lines.join("")).not.toMatch(/hunter2|t0k/);
  });
});
