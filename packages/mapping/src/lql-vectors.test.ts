// Every vector of shared/reference/lql-vectors.json (copied to test/fixtures), run from the JSON.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.ts";
import { parseMapping } from "./mapping.ts";
import { applyEvent, type Profile } from "./profile.ts";

interface Vector {
  expr: string;
  context: Record<string, unknown>;
  expect: unknown;
  ok: boolean;
  type: string;
  kind: string;
  asserted: boolean;
  source: string;
}

const vectors: Vector[] = JSON.parse(
  readFileSync(new URL("../test/fixtures/lql-vectors.json", import.meta.url), "utf8"),
);

// Vectors not run, and why. Everything else runs, asserted by qlbridge or not.
const LEFT_OUT: Record<string, string> = {
  'hash.sip("http://www.google.com?q=123") % 10':
    "arithmetic operators are outside the SPEC §5 grammar (function calls, identifiers, literals); the hash itself is covered by the vector before it",
  'todatein(`dateExample`, "America/Los_Angeles")':
    "todatein() is not in the SPEC §5 function list, and time zone rules would need tz data the Worker bundle does not carry",
};

// qlbridge's tests call emptyslice(), a test-only function returning an empty list; our grammar
// writes that list literally.
function rewrite(expr: string): string {
  return expr.replaceAll("emptyslice()", "[]");
}

/** Times compare as instants: Date results against the vector's ISO text. */
function normalise(value: unknown, type: string): unknown {
  if (value === null || value === undefined) return null;
  if (type === "time") return value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (type === "map[string]time" && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, time]) => [
        key,
        time instanceof Date ? time.getTime() : Date.parse(String(time)),
      ]),
    );
  }
  return value;
}

const single = vectors.filter((vector) => !("events" in vector.context));
const aggregates = vectors.filter((vector) => "events" in vector.context);

describe("LQL vectors: one expression on one event", () => {
  it("covers every vector but the ones left out on purpose", () => {
    expect(vectors).toHaveLength(85);
    expect(vectors.filter((vector) => vector.expr in LEFT_OUT)).toHaveLength(Object.keys(LEFT_OUT).length);
  });

  it.each(
    single.filter((vector) => !(vector.expr in LEFT_OUT)).map((vector) => [vector.expr, vector] as const),
  )("%s", (_expr, vector) => {
    const result = evaluate(rewrite(vector.expr), vector.context);
    if (!vector.ok) {
      expect(result).toBeUndefined();
      return;
    }
    expect(normalise(result, vector.type)).toEqual(normalise(vector.expect, vector.type));
  });
});

describe("LQL vectors: aggregates folded over events into a profile field", () => {
  it.each(aggregates.map((vector) => [vector.expr, vector] as const))("%s", (_expr, vector) => {
    const mapping = parseMapping(`SELECT ${vector.expr} AS result, key AS id FROM stream INTO user BY id`);
    const events = vector.context.events;
    if (!Array.isArray(events)) throw new Error(`vector ${vector.expr} has no event list`);
    let profile: Profile = {};
    for (const event of events) profile = applyEvent(profile, event, mapping);
    expect(profile.result).toEqual(vector.expect);
  });
});
