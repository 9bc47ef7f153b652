import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as openpgp from "openpgp";
import { type DemoUser, demoUsers } from "./demo-users.ts";

/** The accounts whose exports the SFTP sandbox serves. */
export const DEMO_ACCOUNT_IDS = ["10001", "10002"] as const;

/** How many demo users appear in the Connect files (the first ones, who also get webhooks). */
export const CONNECT_USERS = 120;

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const PREFIX = [
  "EVENT_TYPE_ID",
  "ACCOUNT_ID",
  "LIST_ID",
  "RIID",
  "CUSTOMER_ID",
  "EVENT_CAPTURED_DT",
  "EVENT_STORED_DT",
  "CAMPAIGN_ID",
  "LAUNCH_ID",
];
const OFFERS = [
  {
    name: "spring_sale",
    category: "promotions",
    url: "https://shop.example.com/sale/spring?utm_source=rsys",
  },
  { name: "new_arrivals", category: "catalog", url: "https://shop.example.com/new?utm_campaign=welcome" },
  { name: "loyalty", category: "account", url: "https://www.example.com/account/loyalty" },
  { name: "blog_post", category: "content", url: "https://blog.example.com/2026/11/styling-tips" },
];
const DEVICES = ["iOS 17.4", "Android 14", "Windows 11", "macOS 14.3"];

/** One Connect export: its name, columns and rows (values as Responsys writes them). */
export interface ConnectExport {
  name: string;
  columns: string[];
  rows: string[][];
}

/** `DD-MON-YYYY HH24:MI:SS` in UTC, as Connect writes EVENT_CAPTURED_DT. */
export function connectTimestamp(ms: number): string {
  const at = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(at.getUTCDate())}-${MONTHS[at.getUTCMonth()]}-${at.getUTCFullYear()} ${two(at.getUTCHours())}:${two(at.getUTCMinutes())}:${two(at.getUTCSeconds())}`;
}

function nameStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
}

/**
 * The exports of one account for one day: SENT, OPEN, CLICK, BOUNCE and SMS_SENT, with the
 * columns of the Connect layouts (responsys-api.md §6.3). Deterministic for a given `exportedAt`.
 */
export function accountExports(accountId: string, accountIndex: number, exportedAt: number): ConnectExport[] {
  const users = demoUsers(CONNECT_USERS).filter(
    (user) => user.index % DEMO_ACCOUNT_IDS.length === accountIndex,
  );
  const dayStart = exportedAt - 20 * 3600_000;
  const campaignId = String(1_200_000 + accountIndex * 10 + 1);
  const launchId = String(40_000_000 + accountIndex * 100 + 1);
  const at = (user: DemoUser, step: number) => dayStart + user.index * 61_000 + step * 3_600_000;
  const prefix = (eventType: string, user: DemoUser, time: number) => [
    eventType,
    accountId,
    "20451",
    user.riid,
    user.customerId,
    connectTimestamp(time),
    connectTimestamp(time + 45_000),
    campaignId,
    launchId,
  ];
  const stamp = nameStamp(exportedAt);
  const sent: ConnectExport = {
    name: `${accountId}_SENT_${stamp}.txt`,
    columns: [
      ...PREFIX,
      "EMAIL",
      "EMAIL_ISP",
      "EMAIL_FORMAT",
      "OFFER_SIGNATURE_ID",
      "MESSAGE_SIZE",
      "SEGMENT_INFO",
    ],
    rows: users.map((user) => [
      ...prefix("1", user, at(user, 0)),
      user.email,
      "example.com",
      "H",
      "88110",
      "48211",
      "new_signups",
    ]),
  };
  const openers = users.filter((user) => user.index % 5 !== 4);
  const open: ConnectExport = {
    name: `${accountId}_OPEN_${stamp}.txt`,
    columns: [...PREFIX, "EMAIL_FORMAT", "EMAIL", "DEVICE_OS"],
    rows: openers.flatMap((user) =>
      // Some people open twice: the profile counts both.
      Array.from({ length: 1 + (user.index % 3 === 0 ? 1 : 0) }, (_, n) => [
        ...prefix("4", user, at(user, 1 + n)),
        "H",
        user.email,
        DEVICES[user.index % DEVICES.length] ?? "iOS 17.4",
      ]),
    ),
  };
  const clickers = users.filter((user) => user.index % 3 === 0);
  const click: ConnectExport = {
    name: `${accountId}_CLICK_${stamp}.txt`,
    columns: [
      ...PREFIX,
      "EMAIL_FORMAT",
      "EMAIL",
      "OFFER_NAME",
      "OFFER_NUMBER",
      "OFFER_CATEGORY",
      "OFFER_URL",
    ],
    rows: clickers.map((user, n) => {
      const offer = OFFERS[n % OFFERS.length] ?? OFFERS[0];
      return [
        ...prefix("5", user, at(user, 2)),
        "H",
        user.email,
        offer?.name ?? "",
        String(1 + (n % OFFERS.length)),
        offer?.category ?? "",
        offer?.url ?? "",
      ];
    }),
  };
  const bouncers = users.filter((user) => user.index % 5 === 4);
  const bounce: ConnectExport = {
    name: `${accountId}_BOUNCE_${stamp}.txt`,
    columns: [...PREFIX, "EMAIL", "EMAIL_FORMAT", "BOUNCE_TYPE", "REASON", "REASON_CODE"],
    rows: bouncers.map((user) => [
      ...prefix("2", user, at(user, 0) + 120_000),
      user.email,
      "H",
      "S",
      "Mailbox full",
      "5.2.2",
    ]),
  };
  const texted = users.filter((user) => Math.floor(user.index / 2) % 2 === 0);
  const smsSent: ConnectExport = {
    name: `${accountId}_SMS_SENT_${stamp}.txt`,
    columns: ["EVENT_UUID", ...PREFIX, "MOBILE_NUMBER", "PROGRAM_ID", "COUNTRY_CODE"],
    rows: texted.map((user) => [
      `6f1c0000-0000-4000-8000-${user.riid.padStart(12, "0")}`,
      ...prefix("30", user, at(user, 3)),
      user.mobile,
      "7001",
      "US",
    ]),
  };
  return [sent, open, click, bounce, smsSent];
}

/** The text of an export: a header row and `|`-delimited rows, CRLF like Responsys writes them. */
export function exportText(file: ConnectExport, delimiter = "|"): string {
  return [file.columns, ...file.rows].map((row) => `${row.join(delimiter)}\r\n`).join("");
}

/**
 * Writes every account's exports into `folder`, each PGP-encrypted to `armoredPublicKey`
 * (`<name>.txt.gpg`, binary, compressed). Does nothing when the folder already holds exports.
 */
export async function ensureConnectFiles(
  folder: string,
  armoredPublicKey: string,
  exportedAt: number,
): Promise<{ created: string[]; existing: string[] }> {
  await mkdir(folder, { recursive: true });
  const existing = (await readdir(folder)).filter((name) => /^\d+_.*\.gpg$/.test(name)).sort();
  if (existing.length > 0) return { created: [], existing };
  return { created: await writeConnectExports(folder, armoredPublicKey, exportedAt), existing: [] };
}

/** Writes one more day of exports (named by `exportedAt`), as Connect does on each scheduled run. */
export async function writeConnectExports(
  folder: string,
  armoredPublicKey: string,
  exportedAt: number,
): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const encryptionKeys = await openpgp.readKey({ armoredKey: armoredPublicKey });
  const created: string[] = [];
  for (const [index, accountId] of DEMO_ACCOUNT_IDS.entries()) {
    for (const file of accountExports(accountId, index, exportedAt)) {
      const message = await openpgp.createMessage({
        binary: new TextEncoder().encode(exportText(file)),
        filename: file.name,
      });
      const encrypted = await openpgp.encrypt({
        message,
        encryptionKeys,
        format: "binary",
        config: { preferredCompressionAlgorithm: openpgp.enums.compression.zlib },
      });
      const name = `${file.name}.gpg`;
      await writeFile(join(folder, name), encrypted);
      created.push(name);
    }
  }
  return created;
}
