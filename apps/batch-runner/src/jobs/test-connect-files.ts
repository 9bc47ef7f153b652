import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { zipSync } from "fflate";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/**
 * An import job over a local folder, for tests that read it with FolderSource (the SFTP fields go
 * unused). Spread it and override what a test needs.
 */
export const folderJob = {
  id: "job",
  accountIds: [] as string[],
  delimiter: ",",
  authorization: {
    type: "responsys_sftp" as const,
    host: "127.0.0.1",
    port: 22,
    username: "u",
    privateKey: "",
    hostKey: undefined as string | undefined,
    insecureAcceptAnyHostKey: true,
    folder: "/download",
    pgpPrivateKey: undefined,
    pgpPassphrase: undefined,
  },
};

export const CONNECT_COLUMNS = [
  "EVENT_TYPE_ID",
  "ACCOUNT_ID",
  "LIST_ID",
  "RIID",
  "CUSTOMER_ID",
  "EVENT_CAPTURED_DT",
  "EVENT_STORED_DT",
  "CAMPAIGN_ID",
  "LAUNCH_ID",
  "EMAIL",
  "OFFER_URL",
];

/** `2026-03-01T09:15:00Z` → `01-Mar-2026 09:15:00`, the Connect date format. */
export function connectDate(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(at.getUTCDate())}-${MONTHS[at.getUTCMonth()]}-${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
}

/**
 * A Connect export body: `rows` events of `users` distinct recipients, one minute apart from
 * `start`, with the bad rows asked for (wrong column count, bad date) at the given row indexes.
 */
export function connectText(options: {
  rows: number;
  users: number;
  start: Date;
  delimiter?: string;
  badColumnCountAt?: number[];
  badDateAt?: number[];
}): string {
  const d = options.delimiter ?? ",";
  const lines = [CONNECT_COLUMNS.join(d)];
  for (let i = 0; i < options.rows; i++) {
    const user = i % options.users;
    const at = new Date(options.start.getTime() + i * 60_000);
    const date = options.badDateAt?.includes(i) ? "31-Foo-2026 99:00:00" : connectDate(at);
    const cells = [
      "1",
      "12345",
      "9",
      String(1000 + user),
      `C${user}`,
      date,
      date,
      "77",
      String(500 + (i % 3)),
      `User${user}@Example.com`,
      `https://shop.example.com/p/${i % 5}?utm=x`,
    ];
    if (options.badColumnCountAt?.includes(i)) cells.pop();
    lines.push(cells.join(d));
  }
  return `${lines.join("\n")}\n`;
}

/** Writes a Connect file (plain text, or zipped when the name ends in .zip) with a fixed mtime. */
export async function writeConnectFile(
  folder: string,
  name: string,
  text: string,
  mtime = new Date("2026-03-01T12:00:00Z"),
) {
  await mkdir(folder, { recursive: true });
  const path = join(folder, name);
  const inner = name.replace(/\.zip$/, ".txt");
  const body = name.endsWith(".zip") ? zipSync({ [inner]: new TextEncoder().encode(text) }) : text;
  await writeFile(path, body);
  await utimes(path, mtime, mtime);
  return path;
}
