import * as openpgp from "openpgp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGpgKeyring, type GpgKeyring } from "../../test/support/gnupg.ts";
import { loadPgpKey } from "./decrypt.ts";
import { deriveKey, type S2kSpecifier, s2kOf, streamS2k } from "./s2k.ts";

let ring: GpgKeyring;
let real: S2kSpecifier;

beforeAll(async () => {
  // GnuPG's own S2K count (~65 M octets), as production keys have it.
  ring = await createGpgKeyring({ algorithm: "curve25519", passphrase: "correct horse", defaultS2k: true });
  const key = await openpgp.readPrivateKey({ armoredKey: ring.armoredSecretKey });
  const s2k = s2kOf(key.keyPacket);
  if (s2k === undefined) throw new Error("the key has no S2K specifier");
  real = s2k;
}, 180_000);

afterAll(async () => {
  await ring?.dispose();
});

/** A copy of the key's specifier with other parameters, of openpgp's own class. */
function variant(changes: {
  type: string;
  algorithm: number;
  c?: number;
  salt?: Uint8Array | null;
}): S2kSpecifier {
  const copy = Object.create(Object.getPrototypeOf(real)) as S2kSpecifier;
  return Object.assign(copy, real, changes);
}

describe("deriveKey", () => {
  it("reads GnuPG's default: iterated and salted, ~65 M octets", () => {
    expect(real.type).toBe("iterated");
    expect(real.getCount()).toBeGreaterThan(60_000_000);
  });

  it("derives the key openpgp derives, for GnuPG's key and for other types, hashes and lengths", async () => {
    const same = async (s2k: S2kSpecifier, passphrase: string, length: number) => {
      const expected = await s2k.produceKey(passphrase, length, openpgp.config);
      expect(Buffer.from(deriveKey(s2k, passphrase, length) ?? [])).toEqual(Buffer.from(expected));
    };
    // GnuPG's key: SHA-1, so 32 bytes (AES-256) take two hashes, the second after a zero byte.
    await same(real, "correct horse", 32);
    const salt = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const cases = [
      variant({ type: "iterated", algorithm: 2, c: 96, salt }),
      variant({ type: "iterated", algorithm: 8, c: 0, salt }),
      variant({ type: "iterated", algorithm: 10, c: 200, salt }),
      variant({ type: "salted", algorithm: 2, salt }),
      variant({ type: "simple", algorithm: 8, salt: null }),
    ];
    for (const s2k of cases) {
      for (const passphrase of ["correct horse", "", "pässwörd ✓"]) {
        // 16 and 32 bytes (AES-128/256), and 48 and 64: more than one hash for SHA-1 and SHA-256.
        for (const length of [16, 32, 48, 64]) await same(s2k, passphrase, length);
      }
    }
  }, 60_000);

  it("leaves hashes node does not name to openpgp", () => {
    // 3 is RIPEMD-160, which node 24's OpenSSL may not offer.
    expect(deriveKey(variant({ type: "iterated", algorithm: 3 }), "x", 32)).toBeUndefined();
  });
});

describe("streamS2k", () => {
  it("makes openpgp's own class derive keys by stream, with the same keys", async () => {
    const unsupported = variant({ type: "iterated", algorithm: 3 });
    const before = await real.produceKey("correct horse", 32, openpgp.config);
    const fallback = await unsupported.produceKey("x", 32, openpgp.config).catch((error: unknown) => error);
    streamS2k(real);
    expect(Buffer.from(await real.produceKey("correct horse", 32, openpgp.config))).toEqual(
      Buffer.from(before),
    );
    // What deriveKey does not handle still goes through openpgp's code.
    const after = await unsupported.produceKey("x", 32, openpgp.config).catch((error: unknown) => error);
    expect(after).toEqual(fallback);
  });

  it("unlocks a GnuPG key with its default count, and still refuses a wrong passphrase", async () => {
    const key = await loadPgpKey(ring.armoredSecretKey, "correct horse");
    expect(key.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    await expect(loadPgpKey(ring.armoredSecretKey, "wrong")).rejects.toMatchObject({
      code: "PGP_BAD_PASSPHRASE",
    });
  });
});
