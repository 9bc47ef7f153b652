// Time for LQL: parse the date strings qlbridge's dateparse.ParseAny accepts (the common subset),
// and compute calendar parts in UTC without allocating a Date per call. Go rules carried over:
// a string without an offset is UTC, and slashed dates are US month-first (4/7/14 is April 7).

export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
/** The range a JS Date can hold; anything outside is not a time. */
const MAX_TIME_MS = 8.64e15;

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  january: 1,
  february: 2,
  march: 3,
  april: 4,
  june: 6,
  july: 7,
  august: 8,
  september: 9,
  october: 10,
  november: 11,
  december: 12,
};

/** Month number 1–12 for an English month name or abbreviation, any case. */
export function monthFromName(name: string): number | undefined {
  return MONTHS[name.toLowerCase()];
}

function floorMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Hour of the day 0–23, in UTC. */
export function hourOfDay(ms: number): number {
  return Math.floor(floorMod(ms, MS_PER_DAY) / MS_PER_HOUR);
}

/** Day of the week with Sunday = 0, in UTC. 1970-01-01 was a Thursday. */
export function dayOfWeek(ms: number): number {
  return floorMod(Math.floor(ms / MS_PER_DAY) + 4, 7);
}

/** Year, month (1–12) and day of a UTC time, by Howard Hinnant's days-to-civil algorithm. */
export function civilDate(ms: number): { year: number; month: number; day: number } {
  const z = Math.floor(ms / MS_PER_DAY) + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, "0"));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, "0"));
/** 10000-01-01T00:00:00Z: below it (and from 1970) every year prints as four digits. */
const YEAR_10000_MS = 253_402_300_800_000;

/** ISO 8601 UTC with milliseconds, the form profiles store dates in (Date#toISOString, without a Date). */
export function isoFromMs(ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const { year, month, day } = civilDate(ms);
  const inDay = ms % MS_PER_DAY;
  const seconds = Math.floor(inDay / 1000);
  return `${year}-${PAD2[month]}-${PAD2[day]}T${PAD2[Math.floor(seconds / 3600)]}:${PAD2[Math.floor(seconds / 60) % 60]}:${PAD2[seconds % 60]}.${PAD3[inDay % 1000]}Z`;
}

/** Go's rule for two-digit years ("06"): 69–99 are 19xx, 00–68 are 20xx. */
export function expandYear(text: string): number {
  const year = Number(text);
  if (text.length > 2) return year;
  return year >= 69 ? 1900 + year : 2000 + year;
}

/** Offset in minutes east of UTC for Z, UTC, GMT, ±hh, ±hhmm or ±hh:mm; undefined when unreadable. */
export function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === "") return 0;
  const upper = zone.toUpperCase();
  if (upper === "Z" || upper === "UTC" || upper === "GMT") return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? "0");
  return match[1] === "-" ? -minutes : minutes;
}

export interface DateParts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  /** Fraction-of-second digits as written (".5" is 500 ms). */
  fraction?: string;
  /** "AM"/"PM" turns a 12-hour clock into 24-hour. */
  meridiem?: string;
  /** Offset in minutes east of UTC; 0 when the text had none. */
  offsetMinutes?: number;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch ms for checked calendar parts, or undefined when a part is out of range (Feb 30, 25:00…). */
export function msFromParts(parts: DateParts): number | undefined {
  const { year, month, day } = parts;
  let hour = parts.hour ?? 0;
  const minute = parts.minute ?? 0;
  const second = parts.second ?? 0;
  if (parts.meridiem !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    const pm = parts.meridiem.toUpperCase() === "PM";
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  const millis = parts.fraction ? Math.floor(Number(`0.${parts.fraction}`) * 1000) : 0;
  // Date.UTC reads years 0–99 as 19xx, so the year is set on its own.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, millis));
  date.setUTCFullYear(year);
  const ms = date.getTime() - (parts.offsetMinutes ?? 0) * 60_000;
  return Math.abs(ms) <= MAX_TIME_MS ? ms : undefined;
}

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*([AaPp][Mm])?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2})?`;
const ISO = new RegExp(String.raw`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]${TIME})?$`);
const US_SLASHED = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?:[ T]${TIME})?$`);
const MONTH_FIRST = new RegExp(
  String.raw`^(?:[A-Za-z]{3,9},?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?:,?\s+${TIME})?$`,
);
// Also Responsys Connect's EVENT_CAPTURED_DT, 03-JAN-2019 13:05:32, and RFC 1123 "Mon, 02 Jan 2006 15:04:05 GMT".
const DAY_FIRST = new RegExp(
  String.raw`^(?:[A-Za-z]{3,9},?\s+)?(\d{1,2})[\s-]([A-Za-z]{3,9})\.?[\s-](\d{4}|\d{2})(?:\s+${TIME})?$`,
);
const ANSI_C = new RegExp(String.raw`^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+${TIME}\s+(\d{4})$`);

function withTime(
  year: number,
  month: number,
  day: number,
  m: RegExpExecArray,
  at: number,
): number | undefined {
  if (m[at] === undefined) return msFromParts({ year, month, day });
  const offsetMinutes = zoneOffsetMinutes(m[at + 5]);
  if (offsetMinutes === undefined) return undefined;
  return msFromParts({
    year,
    month,
    day,
    hour: Number(m[at]),
    minute: Number(m[at + 1]),
    second: Number(m[at + 2] ?? "0"),
    fraction: m[at + 3] ?? "",
    ...(m[at + 4] === undefined ? {} : { meridiem: m[at + 4] }),
    offsetMinutes,
  });
}

function parseDigits(text: string): number | undefined {
  // dateparse reads all-digit strings by length: unix seconds, unix ms, yyyymmdd, yyyymmddhhmmss.
  switch (text.length) {
    case 10:
      return Number(text) * 1000;
    case 13:
      return Number(text);
    case 8:
      return msFromParts({
        year: Number(text.slice(0, 4)),
        month: Number(text.slice(4, 6)),
        day: Number(text.slice(6, 8)),
      });
    case 14:
      return msFromParts({
        year: Number(text.slice(0, 4)),
        month: Number(text.slice(4, 6)),
        day: Number(text.slice(6, 8)),
        hour: Number(text.slice(8, 10)),
        minute: Number(text.slice(10, 12)),
        second: Number(text.slice(12, 14)),
      });
    default:
      return undefined;
  }
}

/** The value of `count` ASCII digits of `text` from `at`, or -1 when one is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Days from 1970-01-01 to a civil date (Howard Hinnant's days-from-civil; month 1–12). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Epoch ms of the canonical form profiles and events use, `yyyy-mm-ddThh:mm:ss.sssZ`, read by
 * hand (a few times faster than Date.parse); undefined for any other text or an impossible date.
 * Text it accepts is exactly what isoFromMs() prints for the result, so callers may keep the text.
 */
export function parseCanonicalIso(text: string): number | undefined {
  if (
    text.length !== 24 ||
    text.charCodeAt(4) !== 45 || // -
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 || // T
    text.charCodeAt(13) !== 58 || // :
    text.charCodeAt(16) !== 58 ||
    text.charCodeAt(19) !== 46 || // .
    text.charCodeAt(23) !== 90 // Z
  ) {
    return undefined;
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const millis = digitsAt(text, 20, 3);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0)
    return undefined;
  return (
    daysFromCivil(year, month, day) * MS_PER_DAY +
    hour * MS_PER_HOUR +
    minute * 60_000 +
    second * 1000 +
    millis
  );
}

/** Epoch ms of a date string in one of the supported forms, or undefined when it is not a date. */
export function parseDateText(input: string): number | undefined {
  // Fast path for the canonical form events carry.
  const canonical = parseCanonicalIso(input);
  if (canonical !== undefined) return canonical;
  const text = input.trim();
  if (text.length === 24 && text.charCodeAt(10) === 84 && text.charCodeAt(23) === 90) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  if (/^\d+$/.test(text)) return parseDigits(text);
  let m = ISO.exec(text);
  if (m) return withTime(Number(m[1]), Number(m[2]), Number(m[3]), m, 4);
  m = US_SLASHED.exec(text);
  if (m) return withTime(expandYear(m[3] ?? ""), Number(m[1]), Number(m[2]), m, 4);
  m = MONTH_FIRST.exec(text);
  if (m) {
    const month = monthFromName(m[1] ?? "");
    return month === undefined ? undefined : withTime(Number(m[3]), month, Number(m[2]), m, 4);
  }
  m = DAY_FIRST.exec(text);
  if (m) {
    const month = monthFromName(m[2] ?? "");
    return month === undefined ? undefined : withTime(expandYear(m[3] ?? ""), month, Number(m[1]), m, 4);
  }
  m = ANSI_C.exec(text);
  if (m) {
    const month = monthFromName(m[1] ?? "");
    return month === undefined ? undefined : withTime(Number(m[9]), month, Number(m[2]), m, 3);
  }
  return undefined;
}

/**
 * Epoch ms of a time value: a Date, a number (read as epoch ms, the unit LQL converts times to)
 * or a date string. Undefined for anything else.
 */
export function toTimeMs(value: unknown): number | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) && Math.abs(value) <= MAX_TIME_MS ? value : undefined;
  if (typeof value === "string") return value === "" ? undefined : parseDateText(value);
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: MS_PER_HOUR,
  d: MS_PER_DAY,
  w: 7 * MS_PER_DAY,
};

/** `now`, `now-3d`, `now+1h-30m` relative to `nowMs`; units s m h d w M (months) y. */
export function parseDateMath(text: string, nowMs: number): number | undefined {
  if (!/^now(?:[+-]\d+[smhdwMy])*$/.test(text)) return undefined;
  let ms = nowMs;
  for (const step of text.slice(3).matchAll(/([+-])(\d+)([smhdwMy])/g)) {
    const amount = Number(step[2]) * (step[1] === "-" ? -1 : 1);
    const unit = step[3] ?? "";
    const fixed = UNIT_MS[unit];
    if (fixed !== undefined) {
      ms += amount * fixed;
      continue;
    }
    const date = new Date(ms);
    if (unit === "M") date.setUTCMonth(date.getUTCMonth() + amount);
    else date.setUTCFullYear(date.getUTCFullYear() + amount);
    ms = date.getTime();
  }
  return Number.isNaN(ms) ? undefined : ms;
}
