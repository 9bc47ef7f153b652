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

/**
 * parseConnectTimestamp for a stream of rows: the usual zero-padded form is read by position, and
 * the date part (`03-JAN-2019`), shared by most rows of a file, is validated once. Other forms
 * take the general path.
 */
export class ConnectTimestampReader {
  #dayText = "";
  #dayIso: string | undefined;

  read(text: string): string | undefined {
    if (
      text.length !== 20 ||
      text.charCodeAt(2) !== 45 /* - */ ||
      text.charCodeAt(11) !== 32 /* space */ ||
      text.charCodeAt(14) !== 58 /* : */ ||
      text.charCodeAt(17) !== 58
    ) {
      return parseConnectTimestamp(text);
    }
    const day = text.slice(0, 11);
    if (day !== this.#dayText) {
      this.#dayText = day;
      this.#dayIso = parseConnectTimestamp(`${day} 00:00:00`)?.slice(0, 10);
    }
    if (this.#dayIso === undefined) return undefined;
    const hours = twoDigits(text, 12);
    const minutes = twoDigits(text, 15);
    const seconds = twoDigits(text, 18);
    if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
    return `${this.#dayIso}T${text.slice(12)}.000Z`;
  }
}

/** The number in two ASCII digits at `at`, or 99 when they are not digits. */
function twoDigits(text: string, at: number): number {
  const tens = text.charCodeAt(at) - 48;
  const ones = text.charCodeAt(at + 1) - 48;
  if (tens < 0 || tens > 9 || ones < 0 || ones > 9) return 99;
  return tens * 10 + ones;
}
