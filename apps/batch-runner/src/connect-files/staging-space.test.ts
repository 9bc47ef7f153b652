import { describe, expect, it } from "vitest";
import { type ConnectFileName, parseConnectFileName } from "./name.ts";
import { stagingNeed } from "./staging-space.ts";

function named(name: string): ConnectFileName {
  const parsed = parseConnectFileName(name);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.file;
}

describe("staging need", () => {
  it("counts the download, the plaintext while decrypting, and the parts of a file imported by user", () => {
    const MB = 1024 * 1024;
    const need = (name: string, byUser: boolean) => stagingNeed(100 * MB, named(name), byUser) / MB;
    expect(need("1_OPEN_20260301_091500.txt", false)).toBe(100);
    expect(need("1_OPEN_20260301_091500.txt", true)).toBe(200);
    expect(need("1_OPEN_20260301_091500.txt.gpg", false)).toBe(200);
    expect(need("1_OPEN_20260301_091500.txt.gpg", true)).toBe(200);
    // A zip's parts hold its inflated text, estimated at 8 times the zip.
    expect(need("1_OPEN_20260301_091500.zip", false)).toBe(100);
    expect(need("1_OPEN_20260301_091500.zip", true)).toBe(900);
    expect(need("1_OPEN_20260301_091500.zip.gpg", true)).toBe(900);
  });
});
