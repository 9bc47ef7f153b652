// Lytics stamps events in RFC 3339 with any offset and up to nanoseconds
// (`2020-10-14T13:27:33.916374949-07:00`). JavaScript dates stop at milliseconds, so event
// times are kept as a canonical UTC string with exactly nine fraction digits: two instants
// compare correctly as plain strings, and a retried delivery gives the same string again.

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysIn(year: number, month: number): number {
  if (month === 2 && isLeapYear(year)) return 29;
  return DAYS_IN_MONTH[month - 1] ?? 0;
}

/**
 * Parses an RFC 3339 timestamp into the canonical form `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ` (UTC,
 * nine fraction digits), or null when `value` is not a valid RFC 3339 timestamp.
 */
export function parseEventTime(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 40) return null;
  const match = RFC3339.exec(value);
  if (match === null) return null;
  const [, y, mo, d, h, mi, s, fraction = "", zulu, sign, offH, offM] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  // RFC 3339 allows a leap second (60); JavaScript time has none, so it folds onto :59.
  const second = Math.min(Number(s), 59);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (hour > 23 || minute > 59 || Number(s) > 60) return null;
  let offsetMinutes = 0;
  if (zulu === undefined) {
    const offsetHours = Number(offH);
    const offsetMins = Number(offM);
    if (offsetHours > 23 || offsetMins > 59) return null;
    offsetMinutes = (offsetHours * 60 + offsetMins) * (sign === "-" ? -1 : 1);
  }
  // setUTCFullYear keeps years below 100 literal (Date.UTC would map 99 to 1999).
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offsetMinutes, second, 0);
  const iso = date.toISOString();
  // Shifting by the offset can leave the four-digit year range; such instants are not usable.
  if (!/^\d{4}-/.test(iso) || iso.startsWith("0000")) return null;
  return `${iso.slice(0, 19)}.${fraction.padEnd(9, "0")}Z`;
}

/** The canonical event time of a JavaScript epoch-milliseconds instant. */
export function eventTimeFromMillis(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 23)}000000Z`;
}

/** Epoch milliseconds of a canonical event time (sub-millisecond digits dropped). */
export function eventTimeToMillis(eventTime: string): number {
  return Date.parse(`${eventTime.slice(0, 23)}Z`);
}
