const MONTHS: Record<string, number> = {
  JAN: 0,
  FEB: 1,
  MAR: 2,
  APR: 3,
  MAY: 4,
  JUN: 5,
  JUL: 6,
  AUG: 7,
  SEP: 8,
  OCT: 9,
  NOV: 10,
  DEC: 11,
};

// `DD-Mon-YYYY HH24:MI:SS` in UTC (responsys-api.md §6.3), with optional fractional seconds as
// Oracle TIMESTAMP columns may print them.
const CONNECT_TIMESTAMP = /^(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/** `03-JAN-2019 13:05:32` → `2019-01-03T13:05:32.000Z`; undefined when it is not such a date. */
export function parseConnectTimestamp(text: string): string | undefined {
  const match = CONNECT_TIMESTAMP.exec(text.trim());
  if (!match) return undefined;
  const [, day = "", monthName = "", year = "", hours = "", minutes = "", seconds = "", fraction = ""] =
    match;
  const month = MONTHS[monthName.toUpperCase()];
  if (month === undefined) return undefined;
  const ms = fraction === "" ? 0 : Math.floor(Number(fraction.padEnd(3, "0").slice(0, 3)));
  const time = Date.UTC(
    Number(year),
    month,
    Number(day),
    Number(hours),
    Number(minutes),
    Number(seconds),
    ms,
  );
  const at = new Date(time);
  const valid =
    at.getUTCDate() === Number(day) &&
    at.getUTCMonth() === month &&
    at.getUTCHours() === Number(hours) &&
    at.getUTCMinutes() === Number(minutes) &&
    at.getUTCSeconds() === Number(seconds);
  return valid ? at.toISOString() : undefined;
}
