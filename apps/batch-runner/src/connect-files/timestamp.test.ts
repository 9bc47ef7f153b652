import { expect, it } from "vitest";
import { ConnectTimestampReader, parseConnectTimestamp } from "./timestamp.ts";

// One reader across all cases, so its day cache is exercised with changing and repeated days.
const reader = new ConnectTimestampReader();

it.each([
  ["03-JAN-2019 13:05:32", "2019-01-03T13:05:32.000Z"],
  ["3-Jan-2019 13:05:32", "2019-01-03T13:05:32.000Z"],
  ["29-feb-2024 00:00:00", "2024-02-29T00:00:00.000Z"],
  ["31-DEC-2023 23:59:59", "2023-12-31T23:59:59.000Z"],
  ["01-MAR-2024 09:15:00.123456", "2024-03-01T09:15:00.123Z"],
  ["01-MAR-2024 9:15:00", "2024-03-01T09:15:00.000Z"],
  ["01-MAR-2024 23:59:59", "2024-03-01T23:59:59.000Z"],
  ["02-mar-2024 00:00:00", "2024-03-02T00:00:00.000Z"],
  [" 01-MAR-2024 09:15:00 ", "2024-03-01T09:15:00.000Z"],
])("reads %s", (text, iso) => {
  expect(parseConnectTimestamp(text)).toBe(iso);
  expect(reader.read(text)).toBe(iso);
});

it.each([
  "",
  "2024-03-01 09:15:00",
  "29-FEB-2023 00:00:00",
  "32-JAN-2024 00:00:00",
  "01-XYZ-2024 00:00:00",
  "01-MAR-2024 24:00:00",
  "01-MAR-2024 23:60:00",
  "01-MAR-2024 23:59:60",
  "01-MAR-2024 2a:00:00",
  "01-MAR-2024 0:00:000",
  "01-MAR-2024",
  "01/03/2024 09:15:00",
])("refuses %j", (text) => {
  expect(parseConnectTimestamp(text)).toBeUndefined();
  expect(reader.read("01-MAR-2024 10:00:00")).toBe("2024-03-01T10:00:00.000Z");
  expect(reader.read(text)).toBeUndefined();
});
