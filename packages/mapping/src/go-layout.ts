// todate(layout, value) takes a Go reference-time layout ("Mon Jan 2 15:04:05 MST 2006"), as
// qlbridge passes it to time.Parse. This turns the common layout elements into a pattern once
// per layout; elements outside this list are matched literally.

import { type DateParts, expandYear, monthFromName, msFromParts, zoneOffsetMinutes } from "./time.ts";

type Part =
  | "year"
  | "yy"
  | "month"
  | "monthName"
  | "day"
  | "hour"
  | "hour12"
  | "minute"
  | "second"
  | "fraction"
  | "meridiem"
  | "zone"
  | "skip";

interface Layout {
  readonly pattern: RegExp;
  readonly parts: readonly Part[];
}

const ZONE = String.raw`(Z|[+-]\d{2}(?::?\d{2})?)`;

// Longest element first at each position, the order Go's nextStdChunk tries them.
const ELEMENTS: readonly [string, string, Part][] = [
  ["January", "([A-Za-z]+)", "monthName"],
  ["Jan", "([A-Za-z]{3})", "monthName"],
  ["Monday", "([A-Za-z]+)", "skip"],
  ["Mon", "([A-Za-z]{3})", "skip"],
  ["MST", "([A-Z]{3,5})", "zone"],
  ["2006", "(\\d{4})", "year"],
  ["Z07:00", ZONE, "zone"],
  ["Z0700", ZONE, "zone"],
  ["Z07", ZONE, "zone"],
  ["-07:00", ZONE, "zone"],
  ["-0700", ZONE, "zone"],
  ["-07", ZONE, "zone"],
  ["01", "(\\d{2})", "month"],
  ["02", "(\\d{2})", "day"],
  ["03", "(\\d{2})", "hour12"],
  ["04", "(\\d{2})", "minute"],
  ["05", "(\\d{2})", "second"],
  ["06", "(\\d{2})", "yy"],
  ["15", "(\\d{1,2})", "hour"],
  ["_2", " ?(\\d{1,2})", "day"],
  ["1", "(\\d{1,2})", "month"],
  ["2", "(\\d{1,2})", "day"],
  ["3", "(\\d{1,2})", "hour12"],
  ["4", "(\\d{1,2})", "minute"],
  ["5", "(\\d{1,2})", "second"],
  ["PM", "([AP]M)", "meridiem"],
  ["pm", "([ap]m)", "meridiem"],
];

const cache = new Map<string, Layout>();

function compileLayout(layout: string): Layout {
  let source = "^";
  const parts: Part[] = [];
  let i = 0;
  while (i < layout.length) {
    const fraction = /^[.,](0+|9+)(?!\d)/.exec(layout.slice(i));
    if (fraction && parts.at(-1) === "second") {
      source += String.raw`(?:[.,](\d+))?`;
      parts.push("fraction");
      i += fraction[0].length;
      continue;
    }
    const element = ELEMENTS.find(([text]) => layout.startsWith(text, i));
    if (element) {
      source += element[1];
      parts.push(element[2]);
      i += element[0].length;
      continue;
    }
    source += layout.charAt(i).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    i++;
  }
  return { pattern: new RegExp(`${source}$`), parts };
}

/** Epoch ms of `value` read with Go layout `layout`, or undefined when it does not match. */
export function parseWithGoLayout(layout: string, value: string): number | undefined {
  let compiled = cache.get(layout);
  if (compiled === undefined) {
    compiled = compileLayout(layout);
    if (cache.size < 256) cache.set(layout, compiled);
  }
  const match = compiled.pattern.exec(value);
  if (!match) return undefined;
  const parts: DateParts = { year: 0, month: 1, day: 1 };
  for (let index = 0; index < compiled.parts.length; index++) {
    const text = match[index + 1];
    if (text === undefined) continue;
    switch (compiled.parts[index]) {
      case "year":
        parts.year = Number(text);
        break;
      case "yy":
        parts.year = expandYear(text);
        break;
      case "month":
        parts.month = Number(text);
        break;
      case "monthName": {
        const month = monthFromName(text);
        if (month === undefined) return undefined;
        parts.month = month;
        break;
      }
      case "day":
        parts.day = Number(text);
        break;
      case "hour":
      case "hour12":
        parts.hour = Number(text);
        break;
      case "minute":
        parts.minute = Number(text);
        break;
      case "second":
        parts.second = Number(text);
        break;
      case "fraction":
        parts.fraction = text;
        break;
      case "meridiem":
        parts.meridiem = text;
        break;
      case "zone": {
        const offset = zoneOffsetMinutes(text);
        // Go gives an unknown zone abbreviation a zero offset; so do we.
        parts.offsetMinutes = offset ?? 0;
        break;
      }
      default:
        break;
    }
  }
  return msFromParts(parts);
}
