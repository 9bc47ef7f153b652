import { describe, expect, it } from "vitest";
import { parseConnectFileName } from "./name.ts";

describe("parseConnectFileName", () => {
  it.each([
    ["1234_OPEN_20240301_091500.txt", "1234", "email", "OPEN", "OPEN", "2024-03-01T09:15:00.000Z", ["text"]],
    [
      "1234_CLICK_20190103_130532.csv",
      "1234",
      "email",
      "CLICK",
      "CLICK",
      "2019-01-03T13:05:32.000Z",
      ["text"],
    ],
    [
      "77_OPT_OUT_20240229_235959.txt.gpg",
      "77",
      "email",
      "OPT_OUT",
      "OPT_OUT",
      "2024-02-29T23:59:59.000Z",
      ["pgp", "text"],
    ],
    [
      "77_LAUNCH_STATE_20240101_000000.zip",
      "77",
      "email",
      "LAUNCH_STATE",
      "LAUNCH_STATE",
      "2024-01-01T00:00:00.000Z",
      ["zip"],
    ],
    [
      "1234_SMS_CLICK_20190103_231059.zip",
      "1234",
      "sms",
      "CLICK",
      "SMS_CLICK",
      "2019-01-03T23:10:59.000Z",
      ["zip"],
    ],
    [
      "1234_SMS_OPT_IN_20240101_010203.zip.gpg",
      "1234",
      "sms",
      "OPT_IN",
      "SMS_OPT_IN",
      "2024-01-01T01:02:03.000Z",
      ["pgp", "zip"],
    ],
    [
      "9_MMS_SENT_20240101_010203.csv.pgp",
      "9",
      "mms",
      "SENT",
      "MMS_SENT",
      "2024-01-01T01:02:03.000Z",
      ["pgp", "text"],
    ],
    [
      "9_PUSH_OPEN_20240101_010203.gpg",
      "9",
      "push",
      "OPEN",
      "PUSH_OPEN",
      "2024-01-01T01:02:03.000Z",
      ["pgp"],
    ],
    [
      "9_WEBPUSH_CLICK_20240101_010203.pgp",
      "9",
      "webpush",
      "CLICK",
      "WEBPUSH_CLICK",
      "2024-01-01T01:02:03.000Z",
      ["pgp"],
    ],
    [
      "9_SENT_20240101_010203.txt.zip.gpg",
      "9",
      "email",
      "SENT",
      "SENT",
      "2024-01-01T01:02:03.000Z",
      ["pgp", "zip", "text"],
    ],
    [
      "9_BOUNCE_20240101_010203.TXT.GPG",
      "9",
      "email",
      "BOUNCE",
      "BOUNCE",
      "2024-01-01T01:02:03.000Z",
      ["pgp", "text"],
    ],
  ])("reads %s", (name, accountId, channel, feed, event, exportedAt, layers) => {
    const parsed = parseConnectFileName(name);
    expect(parsed).toEqual({
      ok: true,
      file: { accountId, channel, feed, event, exportedAt: new Date(exportedAt), layers },
    });
  });

  it.each([
    ["1234_OPEN_20240301_091500.txt.ready", "unsupported extension"],
    ["1234_OPEN_20240301_091500.count", "unsupported extension"],
    ["1234_OPEN_20240301_091500.gpg.txt", "unsupported extension chain"],
    ["1234_OPEN_20240301_091500.txt.txt", "unsupported extension chain"],
    ["1234_OPEN_20240301_091500.gpg.gpg", "unsupported extension chain"],
    ["1234_OPEN_20240231_091500.txt", "not a valid date"],
    ["1234_OPEN_20240301_246000.txt", "not a valid date"],
    ["abc_OPEN_20240301_091500.txt", "does not match"],
    ["1234_open_20240301_091500.txt", "does not match"],
    ["1234_20240301_091500.txt", "does not match"],
    ["1234_OPEN_2024031_091500.txt", "does not match"],
    ["README.md", "does not match"],
    ["1234_OPEN_20240301_091500", "does not match"],
  ])("refuses %s", (name, reason) => {
    const parsed = parseConnectFileName(name);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? "" : parsed.reason).toContain(reason);
  });
});
