import { describe, expect, it } from "vitest";
import { backfillEnter, MAX_BACKFILL_USERS, parseBackfillBody } from "./backfill.ts";

describe("parseBackfillBody", () => {
  it("reads a JSON array and NDJSON alike", () => {
    const users = [{ email: "a@x.io" }, { email: "b@x.io", _segments: ["vip"] }];
    const fromArray = parseBackfillBody(JSON.stringify(users));
    const fromLines = parseBackfillBody(`${users.map((user) => JSON.stringify(user)).join("\n")}\n`);
    expect(fromArray).toEqual({ ok: true, users });
    expect(fromLines).toEqual(fromArray);
  });

  it.each([
    ["", null, /empty/],
    ["[]", null, /no users/],
    ["[1]", 0, /JSON object/],
    ['{"email":"a"}\n{bad', 1, /line 2/],
    ['[{"email":"a"},{"_segments":"vip"}]', 1, /_segments/],
    ['{"a":1}', null, null],
    [JSON.stringify(Array(MAX_BACKFILL_USERS + 1).fill({})), null, /at most/],
  ])("%#: %j", (body, index, reason) => {
    const result = parseBackfillBody(body);
    if (reason === null) {
      expect(result.ok).toBe(true);
      return;
    }
    expect(result).toMatchObject({ ok: false, index });
    expect(result.ok ? "" : result.reason).toMatch(reason);
  });
});

describe("backfillEnter", () => {
  it("adds an enter for the audience after the user's own events", () => {
    const user = backfillEnter({ email: "a@x.io" }, "vip", "2026-01-01T00:00:00.000000000Z");
    expect(user.data.segment_events).toEqual([
      { slug: "vip", event: "enter", enter: "2026-01-01T00:00:00.000000000Z" },
    ]);
  });
});
