import { once } from "node:events";
import { createWriteStream } from "node:fs";

/** mulberry32: a small seeded PRNG, so generated files are the same on every run. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The 12 columns of a Responsys OPEN export as in pipeline-lab §1. */
export const OPEN_COLUMNS = [
  "EVENT_TYPE_ID",
  "ACCOUNT_ID",
  "LIST_ID",
  "RIID",
  "CUSTOMER_ID",
  "EVENT_CAPTURED_DT",
  "EVENT_STORED_DT",
  "CAMPAIGN_ID",
  "LAUNCH_ID",
  "EMAIL_FORMAT",
  "EMAIL_ADDRESS",
  "DEVICE_OS",
] as const;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DEVICES = ["iOS 17.4", "Android 14", "Windows 11", "macOS 14.3", "Linux", "iPadOS 17.2", "Android 13"];
const FIRST_NAMES = [
  "jennifer",
  "michael",
  "olivia",
  "liam",
  "sophia",
  "noah",
  "amelia",
  "lucas",
  "mia",
  "ethan",
];
const LAST_NAMES = [
  "rodriguez",
  "johnson",
  "williams",
  "nakamura",
  "oconnor",
  "schmidt",
  "kowalski",
  "dubois",
];
const DOMAINS = ["example.com", "mail.example.org", "inbox.example.net", "corp.example.co.uk"];

/** `DD-MON-YYYY HH:MI:SS` for an epoch-ms time, in UTC. */
export function connectDate(time: number): string {
  const at = new Date(time);
  const two = (value: number) => String(value).padStart(2, "0");
  return `${two(at.getUTCDate())}-${MONTHS[at.getUTCMonth()]}-${at.getUTCFullYear()} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`;
}

export interface OpenRowsOptions {
  rows: number;
  users: number;
  seed: number;
  accountId?: string;
  delimiter?: string;
  /** First capture time; each row is 0–2 s after the previous one. */
  startMs?: number;
}

/** Header + rows of a synthetic OPEN export; user n has RIID, customer id and e-mail stable. */
export function* openExportLines(options: OpenRowsOptions): Generator<string> {
  const delimiter = options.delimiter ?? "|";
  const random = mulberry32(options.seed);
  const accountId = options.accountId ?? "1234";
  let time = options.startMs ?? Date.UTC(2024, 2, 1, 9, 0, 0);
  yield `${OPEN_COLUMNS.join(delimiter)}\n`;
  for (let row = 0; row < options.rows; row++) {
    const user = Math.floor(random() * options.users);
    time += Math.floor(random() * 2000);
    const launch = 5000 + Math.floor(random() * 40);
    // Wide, realistic values (~160 bytes a row, as in pipeline-lab §1), stable per user.
    const fields = [
      "4",
      accountId,
      "20451",
      String(100_000_000 + user * 7),
      `CUST${String(user * 31 + 7).padStart(10, "0")}`,
      connectDate(time),
      connectDate(time + 30_000 + Math.floor(random() * 90_000)),
      String(1_200_000 + launch * 3),
      String(40_000_000 + launch),
      random() < 0.8 ? "H" : "T",
      `${FIRST_NAMES[user % FIRST_NAMES.length]}.${LAST_NAMES[user % LAST_NAMES.length]}${user}@${DOMAINS[user % DOMAINS.length]}`,
      DEVICES[Math.floor(random() * DEVICES.length)] ?? "iOS 17.4",
    ];
    yield `${fields.join(delimiter)}\n`;
  }
}

/** Writes lines to a file with backpressure, in ~1 MiB writes. */
export async function writeLines(filePath: string, lines: Iterable<string>): Promise<void> {
  const output = createWriteStream(filePath);
  let buffer = "";
  for (const line of lines) {
    buffer += line;
    if (buffer.length >= 1 << 20) {
      if (!output.write(buffer)) await once(output, "drain");
      buffer = "";
    }
  }
  output.end(buffer);
  await once(output, "finish");
}
