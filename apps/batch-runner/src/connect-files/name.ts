/** The channel a Connect export belongs to; e-mail files carry no channel token in their name. */
export type Channel = "email" | "sms" | "mms" | "push" | "webpush";

/** One layer of a Connect file, from its extension chain. */
export type FileLayer = "pgp" | "zip" | "text";

/** What a Connect export file name says about the file. */
export interface ConnectFileName {
  accountId: string;
  channel: Channel;
  /** The feed token as written in the name: `OPEN`, `CLICK`, `OPT_OUT`, `SENT`… */
  feed: string;
  /** The event name: the feed for e-mail, prefixed with the channel otherwise (`SMS_SENT`). */
  event: string;
  /** The export time in the name, read as UTC. */
  exportedAt: Date;
  /** Outermost first: `txt.gpg` → `["pgp", "text"]`, `zip` → `["zip"]`. */
  layers: FileLayer[];
}

export type ParsedConnectFileName = { ok: true; file: ConnectFileName } | { ok: false; reason: string };

const CHANNEL_TOKENS: Record<string, Channel> = { SMS: "sms", MMS: "mms", PUSH: "push", WEBPUSH: "webpush" };

const EXTENSION_LAYERS: Record<string, FileLayer> = {
  txt: "text",
  csv: "text",
  zip: "zip",
  gpg: "pgp",
  pgp: "pgp",
};

// Rank inside a valid chain: text is innermost, then zip, then pgp outermost.
const LAYER_DEPTH: Record<FileLayer, number> = { text: 0, zip: 1, pgp: 2 };

// Feed tokens contain underscores (OPT_OUT, LAUNCH_STATE), so the pattern anchors on the
// `_YYYYMMDD_HHMMSS.` suffix and takes the feed lazily.
const NAME_PATTERN =
  /^(\d+)_(?:(SMS|MMS|PUSH|WEBPUSH)_)?([A-Z][A-Z0-9_]*?)_(\d{8})_(\d{6})\.([A-Za-z0-9.]+)$/;

const EXPECTED_SHAPE =
  "<accountId>_[SMS_|MMS_|PUSH_|WEBPUSH_]<FEED>_<YYYYMMDD>_<HHMMSS>.<txt|csv|zip|gpg|pgp>";

/** Reads a Connect export file name; any other name gives `{ ok: false, reason }`. */
export function parseConnectFileName(name: string): ParsedConnectFileName {
  const match = NAME_PATTERN.exec(name);
  if (!match) return { ok: false, reason: `name does not match ${EXPECTED_SHAPE}` };
  const [, accountId = "", channelToken, feed = "", day = "", time = "", extension = ""] = match;

  const layers = readExtensionChain(extension.toLowerCase());
  if (typeof layers === "string") return { ok: false, reason: layers };

  const exportedAt = readTimestamp(day, time);
  if (!exportedAt) return { ok: false, reason: `"${day}_${time}" is not a valid date and time` };

  const channel = channelToken === undefined ? "email" : CHANNEL_TOKENS[channelToken];
  if (channel === undefined) return { ok: false, reason: `unknown channel token "${channelToken}"` };
  const event = channelToken === undefined ? feed : `${channelToken}_${feed}`;
  return { ok: true, file: { accountId, channel, feed, event, exportedAt, layers } };
}

/** Returns the layers outermost first, or a reason why the chain is not one we read. */
function readExtensionChain(extension: string): FileLayer[] | string {
  const parts = extension.split(".");
  const layers: FileLayer[] = [];
  for (const part of parts) {
    const layer = EXTENSION_LAYERS[part];
    if (layer === undefined) return `unsupported extension ".${part}" (expected txt, csv, zip, gpg or pgp)`;
    const inner = layers[0];
    if (inner !== undefined && LAYER_DEPTH[layer] <= LAYER_DEPTH[inner]) {
      return `unsupported extension chain ".${extension}" (text inside zip inside pgp, each at most once)`;
    }
    layers.unshift(layer);
  }
  return layers;
}

function readTimestamp(day: string, time: string): Date | undefined {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(4, 6));
  const date = Number(day.slice(6, 8));
  const hours = Number(time.slice(0, 2));
  const minutes = Number(time.slice(2, 4));
  const seconds = Number(time.slice(4, 6));
  const at = new Date(Date.UTC(year, month - 1, date, hours, minutes, seconds));
  // Date.UTC rolls 31 Feb over into March; a round trip catches every out-of-range part.
  const valid =
    at.getUTCFullYear() === year &&
    at.getUTCMonth() === month - 1 &&
    at.getUTCDate() === date &&
    at.getUTCHours() === hours &&
    at.getUTCMinutes() === minutes &&
    at.getUTCSeconds() === seconds;
  return valid ? at : undefined;
}
