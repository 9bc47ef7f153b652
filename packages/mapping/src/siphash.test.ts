import { describe, expect, it } from "vitest";
import { lyticsHash, sipHash24 } from "./siphash.ts";

describe("sipHash24", () => {
  it("matches the reference vector of the SipHash paper (key 00..0f, message 00..0e)", () => {
    const key = { k0lo: 0x03020100, k0hi: 0x07060504, k1lo: 0x0b0a0908, k1hi: 0x0f0e0d0c };
    const message = Uint8Array.from({ length: 15 }, (_, i) => i);
    expect(sipHash24(message, key)).toBe(0xa129ca6149be45e5n);
  });
});

describe("lyticsHash (LQL hash / hash.sip)", () => {
  // Published values from qlbridge's tests and the Lytics docs (shared/reference/lql-vectors.json).
  it.each([
    ["http://www.google.com?q=123", "5673948842516703987"],
    ["http://go.gl", "4903078846009498015"],
    ["bananas234029348", String(BigInt.asIntN(64, 9314974731269371589n))],
    ["This is a string being used as an example", "-1913777820508603599"],
  ])("%s → %s", (text, expected) => {
    expect(lyticsHash(text)).toBe(expected);
  });

  it("hashes the UTF-8 bytes, including multi-byte and astral characters", () => {
    for (const text of ["héllo", "日本語のURL", "emoji 😀 here", "lone \ud800 surrogate", "x".repeat(1000)]) {
      const expected = BigInt.asIntN(64, sipHash24(new TextEncoder().encode(text))).toString();
      expect(lyticsHash(text)).toBe(expected);
    }
  });

  it("prints values near the edges of the safe-integer shortcut exactly", () => {
    // Lengths 0..64 cover every tail length; compare against the BigInt path.
    for (let n = 0; n <= 64; n++) {
      const text = "a".repeat(n);
      expect(lyticsHash(text)).toBe(BigInt.asIntN(64, sipHash24(new TextEncoder().encode(text))).toString());
    }
  });
});
