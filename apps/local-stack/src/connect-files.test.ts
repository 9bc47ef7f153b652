import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as openpgp from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accountExports,
  connectTimestamp,
  DEMO_ACCOUNT_IDS,
  ensureConnectFiles,
  exportText,
} from "./connect-files.ts";
import { ensurePgpKey, statePaths } from "./local-state.ts";

const EXPORTED_AT = Date.UTC(2026, 10, 26, 6, 0, 0);

describe("generated Connect files", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "connect-files-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [Date.UTC(2026, 0, 3, 13, 5, 32), "03-JAN-2026 13:05:32"],
    [Date.UTC(2026, 11, 31, 0, 0, 0), "31-DEC-2026 00:00:00"],
  ])("writes EVENT_CAPTURED_DT %s as %s", (ms, text) => {
    expect(connectTimestamp(ms)).toBe(text);
  });

  it.each(DEMO_ACCOUNT_IDS.map((accountId, index) => [accountId, index] as const))(
    "account %s: every feed named as Connect names it, every row as wide as its header, no stray delimiter",
    (accountId, index) => {
      const exports = accountExports(accountId, index, EXPORTED_AT);
      expect(exports.map((file) => file.name)).toEqual(
        ["SENT", "OPEN", "CLICK", "BOUNCE", "SMS_SENT"].map(
          (feed) => `${accountId}_${feed}_20261126_060000.txt`,
        ),
      );
      for (const file of exports) {
        expect(file.rows.length).toBeGreaterThan(0);
        for (const row of file.rows) {
          expect(row).toHaveLength(file.columns.length);
          expect(row.some((value) => value.includes("|"))).toBe(false);
        }
      }
    },
  );

  it("encrypts each export to the development key, which decrypts it with its passphrase", async () => {
    const paths = statePaths(dir);
    const key = await ensurePgpKey(paths);
    const first = await ensureConnectFiles(paths.connectFolder, key.armoredPublicKey, EXPORTED_AT);
    expect(first.created).toHaveLength(DEMO_ACCOUNT_IDS.length * 5);
    const again = await ensureConnectFiles(paths.connectFolder, key.armoredPublicKey, EXPORTED_AT + 1000);
    expect(again).toEqual({ created: [], existing: [...first.created].sort() });

    const privateKey = await openpgp.decryptKey({
      privateKey: await openpgp.readPrivateKey({ armoredKey: await readFile(paths.pgpPrivateKey, "utf8") }),
      passphrase: await readFile(paths.pgpPassphrase, "utf8"),
    });
    const message = await openpgp.readMessage({
      binaryMessage: await readFile(join(paths.connectFolder, "10001_CLICK_20261126_060000.txt.gpg")),
    });
    const decrypted = await openpgp.decrypt({ message, decryptionKeys: privateKey, format: "binary" });
    const data = new TextDecoder().decode(decrypted.data);
    const click = accountExports("10001", 0, EXPORTED_AT)[2];
    expect(click).toBeDefined();
    if (click !== undefined) expect(data).toBe(exportText(click));
    expect(data.split("\r\n")[0]).toContain("EVENT_CAPTURED_DT");
  });
});
