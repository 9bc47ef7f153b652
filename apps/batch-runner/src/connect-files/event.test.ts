import { describe, expect, it } from "vitest";
import { type ConnectEvent, RowEvents } from "./event.ts";
import { type ConnectFileName, parseConnectFileName } from "./name.ts";

function fileName(name: string): ConnectFileName {
  const parsed = parseConnectFileName(name);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.file;
}

const CLICK = fileName("77_PUSH_CLICK_20240301_091500.txt");
const DATE = "01-MAR-2024 10:00:00";
const BASE: ConnectEvent = {
  event: "PUSH_CLICK",
  channel: "push",
  account_id: "77",
  _ts: "2024-03-01T10:00:00.000Z",
};

/** What an event must be, built the plain way: base fields, then each non-empty cell in column order. */
function expectedEvent(columns: string[], row: string[]): ConnectEvent {
  const event: ConnectEvent = { ...BASE };
  columns.forEach((column, index) => {
    const value = row[index] ?? "";
    if (value !== "" && !["event", "channel", "account_id", "_ts"].includes(column)) event[column] = value;
  });
  return event;
}

/** Every combination of empty cells over `width` columns beside the date, row by row. */
function rowsWithEveryGap(width: number, count: number): string[][] {
  return Array.from({ length: count }, (_, row) => [
    DATE,
    ...Array.from({ length: width }, (_, cell) =>
      ((row * 7919) >> cell) % 3 === 0 ? "" : `v${row}.${cell}`,
    ),
  ]);
}

describe("RowEvents", () => {
  it.each([
    ["a few columns", 4, 40],
    ["more distinct gaps than templates", 9, 600],
    ["more columns than a template mask holds", 40, 50],
  ])("builds each event with its non-empty cells, in column order, for %s", (_name, width, count) => {
    const columns = ["event_captured_dt", ...Array.from({ length: width }, (_, cell) => `c${cell}`)];
    const rows = RowEvents.fromHeader(
      columns.map((column) => column.toUpperCase()),
      CLICK,
      "f",
    );
    for (const row of rowsWithEveryGap(width, count)) {
      const event = rows.toEvent(row);
      const expected = expectedEvent(columns, row);
      expect(event).toEqual(expected);
      expect(Object.keys(event)).toEqual(Object.keys(expected));
      expect(Object.getPrototypeOf(event)).toBe(Object.prototype);
    }
  });

  it.each([
    ["one value", (row: number) => `same-${row % 1}`],
    ["a few values", (row: number) => `few-${row % 7}`],
    ["a new value each row", (row: number) => `new-${row}`],
    ["many values, each seen twice", (row: number) => `wide-${row % 1500}`],
  ])("keeps every cell's value for a column with %s", (_name, cellOf) => {
    const rows = RowEvents.fromHeader(["EVENT_CAPTURED_DT", "CAMPAIGN"], CLICK, "f");
    for (let row = 0; row < 3000; row++) {
      expect(rows.toEvent([DATE, cellOf(row)])).toEqual({
        ...BASE,
        event_captured_dt: DATE,
        campaign: cellOf(row),
      });
    }
  });

  it("gives each row the date of its own EVENT_CAPTURED_DT, bad rows between them included", () => {
    const rows = RowEvents.fromHeader(["EVENT_CAPTURED_DT"], CLICK, "f");
    const dates = [DATE, DATE, "bad", DATE, "02-MAR-2024 11:30:00", "02-MAR-2024 11:30:00", "", DATE];
    expect(dates.map((date) => rows.toEvent([date]))).toEqual([
      { ...BASE, event_captured_dt: DATE },
      { ...BASE, event_captured_dt: DATE },
      'EVENT_CAPTURED_DT "bad" is not a DD-Mon-YYYY HH24:MI:SS date',
      { ...BASE, event_captured_dt: DATE },
      { ...BASE, event_captured_dt: "02-MAR-2024 11:30:00", _ts: "2024-03-02T11:30:00.000Z" },
      { ...BASE, event_captured_dt: "02-MAR-2024 11:30:00", _ts: "2024-03-02T11:30:00.000Z" },
      "EVENT_CAPTURED_DT is empty",
      { ...BASE, event_captured_dt: DATE },
    ]);
  });

  it("never shares an object between two events", () => {
    const rows = RowEvents.fromHeader(["EVENT_CAPTURED_DT", "RIID"], CLICK, "f");
    const first = rows.toEvent([DATE, "1"]);
    const second = rows.toEvent([DATE, "2"]);
    expect(first).not.toBe(second);
    expect([first, second]).toEqual([
      { ...BASE, event_captured_dt: DATE, riid: "1" },
      { ...BASE, event_captured_dt: DATE, riid: "2" },
    ]);
  });

  it.each([
    [["1"], "expected 2 columns, found 1"],
    [[" ", "1"], "EVENT_CAPTURED_DT is empty"],
    [["01-MAR-2024", "1"], 'EVENT_CAPTURED_DT "01-MAR-2024" is not a DD-Mon-YYYY HH24:MI:SS date'],
  ])("rejects %j: %s", (row, reason) => {
    const rows = RowEvents.fromHeader(["EVENT_CAPTURED_DT", "RIID"], CLICK, "f");
    expect(rows.toEvent([DATE, "0"])).toMatchObject({ riid: "0" });
    expect(rows.toEvent(row)).toBe(reason);
  });

  it.each([
    [["RIID", "EVENT_CAPTURED_DT", "riid"], /duplicate "riid"/],
    [["RIID", " ", "EVENT_CAPTURED_DT"], /an empty column name/],
    [["RIID", "EMAIL"], /no EVENT_CAPTURED_DT column/],
    [["\u0000R\u0000I\u0000I\u0000D", "EVENT_CAPTURED_DT"], /looks UTF-16 encoded/],
  ])("refuses the header %j", (header, message) => {
    expect(() => RowEvents.fromHeader(header, CLICK, "f")).toThrow(
      expect.objectContaining({ code: "CONNECT_FILE_BAD_HEADER", message: expect.stringMatching(message) }),
    );
  });
});
