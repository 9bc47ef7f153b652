import { describe, expect, it } from "vitest";
import { type ConnectFileName, parseConnectFileName } from "./name.ts";
import { allowanceOf, downloadNeed, partsNeed } from "./staging-space.ts";

function named(name: string): ConnectFileName {
  const parsed = parseConnectFileName(name);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.file;
}

describe("staging need", () => {
  const MB = 1024 * 1024;

  it("before the download: the download, and at least as much plaintext or the parts", () => {
    const need = (name: string, byUser: boolean) => downloadNeed(100 * MB, named(name), byUser) / MB;
    expect(need("1_OPEN_20260301_091500.txt", false)).toBe(100);
    expect(need("1_OPEN_20260301_091500.txt", true)).toBe(200);
    // A zip's parts hold its inflated text, estimated at 8 times the zip.
    expect(need("1_OPEN_20260301_091500.zip", false)).toBe(100);
    expect(need("1_OPEN_20260301_091500.zip", true)).toBe(900);
    // Encrypted: the plaintext's size is known only once decrypted (see partsNeed).
    expect(need("1_OPEN_20260301_091500.txt.gpg", false)).toBe(200);
    expect(need("1_OPEN_20260301_091500.zip.gpg", true)).toBe(200);
  });

  it("once decrypted: the parts, by the plaintext's size", () => {
    expect(partsNeed(145 * MB, false) / MB).toBe(145);
    expect(partsNeed(20 * MB, true) / MB).toBe(160);
  });

  it("a decryption may fill nine tenths of the free space, half that when parts follow", () => {
    expect(allowanceOf(1000 * MB, false) / MB).toBe(900);
    expect(allowanceOf(1000 * MB, true) / MB).toBe(450);
  });
});
