import { isBridgeError } from "@responsys-bridge/core";
import { describe, expect, it } from "vitest";
import { evaluate } from "./evaluate.ts";
import { parseMapping } from "./mapping.ts";
import { parseExpression } from "./parser.ts";

function parseFailure(run: () => unknown): { message: string; line: unknown; column: unknown } {
  try {
    run();
  } catch (error) {
    if (!isBridgeError(error, "LQL_PARSE_ERROR")) throw error;
    return { message: error.message, line: error.details?.line, column: error.details?.column };
  }
  throw new Error("expected a parse error");
}

describe("parseExpression", () => {
  it("reads calls, fields, quoted fields, strings, numbers, booleans and lists", () => {
    expect(
      parseExpression("valuect(hash(urlmain(`offer url`)), \"x\", -1.5e2, true, [a, 'b'])"),
    ).toMatchObject({
      type: "call",
      name: "valuect",
      args: [
        {
          type: "call",
          name: "hash",
          args: [{ type: "call", name: "urlmain", args: [{ type: "field", name: "offer url" }] }],
        },
        { type: "string", value: "x" },
        { type: "number", value: -150 },
        { type: "bool", value: true },
        {
          type: "list",
          items: [
            { type: "field", name: "a" },
            { type: "string", value: "b" },
          ],
        },
      ],
    });
  });

  it("unescapes string literals and lower-cases function names", () => {
    expect(parseExpression('TOLOWER("a\\"b\\\\c\\n")')).toMatchObject({
      name: "tolower",
      args: [{ value: 'a"b\\c\n' }],
    });
  });
});

// Each case: the text, and the line and column the error must point at.
const SYNTAX_ERRORS: [string, string, number, number, string][] = [
  ["missing AS", "SELECT\n  email(email) email", 2, 16, "expected AS"],
  ["unterminated string", 'SELECT\n  eq(event, "OPEN) AS x', 2, 13, "unterminated string"],
  ["unknown character", "SELECT\n  count(event) AS x IF eq(event, 1) + 2", 2, 37, 'unexpected character "+"'],
  ["missing comma between items", "SELECT a AS x\n  b AS y FROM s INTO user BY x", 2, 3, "expected FROM"],
  ["trailing comma", "SELECT a AS x,\nFROM s INTO user BY x", 2, 1, "a comma too many"],
  ["unclosed call", "SELECT\n  count(event AS x FROM s INTO user BY x", 2, 15, 'expected "," or ")"'],
  ["INTO other table", "SELECT a AS x FROM s INTO content BY x", 1, 27, "only INTO user"],
  ["text after the end", "SELECT a AS x FROM s INTO user BY x junk", 1, 37, 'unexpected "junk"'],
  [
    "comment does not hide an error",
    "SELECT -- fields follow\n  a AS x -- the only one\n  FROM s INTO user BY",
    3,
    22,
    "expected an identity field",
  ],
  [
    "unknown function",
    "SELECT\n  count(event) AS a,\n  upper(email) AS b FROM s INTO user BY a",
    3,
    3,
    "unknown function upper()",
  ],
  [
    "wrong argument count",
    "SELECT\n  map(channel) AS a FROM s INTO user BY a",
    2,
    3,
    "map() takes 2 argument(s), got 1",
  ],
  ["unknown KIND", "SELECT a AS x KIND integer FROM s INTO user BY x", 1, 20, "unknown KIND integer"],
  [
    "KIND that does not fit",
    "SELECT count(a) AS x KIND string FROM s INTO user BY x",
    1,
    27,
    "KIND string does not fit count()",
  ],
  [
    "map KIND on a plain field",
    "SELECT a AS x KIND map[string]intsum FROM s INTO user BY x",
    1,
    20,
    "KIND map[string]intsum needs map()",
  ],
  ["field mapped twice", "SELECT a AS x,\n  b AS x FROM s INTO user BY x", 2, 8, "field x is mapped twice"],
  ["reserved field name", "SELECT a AS _updated FROM s INTO user BY a", 1, 13, "reserved"],
  ["BY names no field", "SELECT a AS x FROM s\nINTO user BY y", 2, 14, "BY names y"],
  [
    "IF given twice",
    "SELECT a AS x IF exists(a) IF exists(b) FROM s INTO user BY x",
    1,
    28,
    "IF is given twice",
  ],
  ["bad escape", 'SELECT "a\\q" AS x FROM s INTO user BY x', 1, 10, "unknown escape"],
];

describe("parseMapping errors point at the line and column", () => {
  it.each(SYNTAX_ERRORS)("%s", (_name, text, line, column, fragment) => {
    const failure = parseFailure(() => parseMapping(text));
    expect({ line: failure.line, column: failure.column }).toEqual({ line, column });
    expect(failure.message).toContain(`line ${line}, column ${column}:`);
    expect(failure.message).toContain(fragment);
  });

  it("evaluate() rejects an event that is not an object", () => {
    expect(() => evaluate("email", JSON.parse("null"))).toThrow(/plain object/);
  });

  it("gives evaluate() the same errors", () => {
    const failure = parseFailure(() => evaluate("hash(", {}));
    expect(failure).toMatchObject({ line: 1, column: 6 });
  });
});

describe("parseMapping", () => {
  const mapping = parseMapping(`
    -- a comment line
    SELECT
      count(event) AS opens SHORTDESC "Opens" IF eq(event, "OPEN"),
      max(epochms()) AS last_seen LONGDESC "Latest event" KIND date,
      max(score) AS top_score,
      min(score) AS low_score KIND int,
      set(tags) AS tags,
      valuect(hourofday()) AS hourly,
      map(channel, epochms()) AS by_channel,
      map(channel, status) AS status_by_channel,
      maptime(channel) AS seen_by_channel,
      todate(signup) AS signed_up,
      toint(age) AS age,
      exists(vip) AS vip,
      riid AS id KIND string,
      split(labels, ",") AS labels
    FROM events INTO USER BY id OR tags ALIAS my_events;
  `);

  it("reads the stream, identities and alias", () => {
    expect(mapping).toMatchObject({ stream: "events", by: ["id", "tags"], alias: "my_events" });
  });

  it("infers each field's kind and merge rule from its outer function or type", () => {
    expect(mapping.fields.map((field) => [field.name, field.kind, field.merge])).toEqual([
      ["opens", "int", "sum"],
      ["last_seen", "date", "max"],
      ["top_score", "number", "max"],
      ["low_score", "int", "min"],
      ["tags", "[]string", "union"],
      ["hourly", "map[string]intsum", "sum_per_key"],
      ["by_channel", "map[string]time", "latest_per_key"],
      ["status_by_channel", "map[string]value", "latest_per_key"],
      ["seen_by_channel", "map[string]time", "latest_per_key"],
      ["signed_up", "date", "latest"],
      ["age", "int", "latest"],
      ["vip", "bool", "latest"],
      ["id", "string", "latest"],
      ["labels", "[]string", "union"],
    ]);
  });

  it("keeps normalised expression and condition text and descriptions", () => {
    expect(mapping.fields[0]).toEqual({
      name: "opens",
      kind: "int",
      merge: "sum",
      expression: "count(event)",
      condition: 'eq(event, "OPEN")',
      shortDesc: "Opens",
      longDesc: undefined,
    });
    expect(mapping.fields[1]?.longDesc).toBe("Latest event");
  });

  it("is frozen", () => {
    expect(Object.isFrozen(mapping)).toBe(true);
    expect(Object.isFrozen(mapping.fields)).toBe(true);
  });
});
