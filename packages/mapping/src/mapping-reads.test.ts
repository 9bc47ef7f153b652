import { describe, expect, it } from "vitest";
import { parseMapping } from "./mapping.ts";
import { applyEvents } from "./profile.ts";

describe("the fields a mapping reads", () => {
  const mapping = parseMapping(`
    SELECT set(tags) AS tags IF contains(kind, "x"),
           a.b AS ab IF exists(\`odd name\`),
           count(oneof(first, [second, "text"])) AS seen,
           max(epochms()) AS last_ts
    FROM s INTO user BY ab`);

  it("lists every field read in expressions, conditions, lists and paths, and _ts", () => {
    expect(mapping.reads).toEqual(["_ts", "a", "a.b", "first", "kind", "odd name", "second", "tags"]);
  });

  it("maps an event cut down to them as the whole event", () => {
    const event = {
      _ts: "2026-03-01T09:00:00.000Z",
      a: { b: "1", c: "2" },
      "odd name": "y",
      kind: "xyz",
      tags: "t1",
      second: "s",
      other: "never read",
    };
    const keep = new Set(mapping.reads);
    const cut = Object.fromEntries(Object.entries(event).filter(([name]) => keep.has(name)));
    expect(cut).not.toHaveProperty("other");
    expect(applyEvents({}, [cut], mapping)).toEqual(applyEvents({}, [event], mapping));
    expect(applyEvents({}, [cut], mapping)).toMatchObject({ ab: "1", tags: ["t1"], seen: 1 });
  });
});
