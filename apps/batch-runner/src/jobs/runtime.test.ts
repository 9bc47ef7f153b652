import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGpgKeyring, type GpgKeyring } from "../../test/support/gnupg.ts";
import type { PgpKey } from "../pgp/decrypt.ts";
import { unlockedKey } from "./runtime.ts";

let ring: GpgKeyring;

beforeAll(async () => {
  ring = await createGpgKeyring({ algorithm: "curve25519", passphrase: "correct horse" });
}, 120_000);

afterAll(async () => {
  await ring?.dispose();
});

describe("unlockedKey", () => {
  const job = (passphrase: string) => ({
    id: "events",
    authorization: { pgpPrivateKey: ring.armoredSecretKey, pgpPassphrase: passphrase },
  });

  it("unlocks a job's key once per process; later runs reuse it", async () => {
    const cache = new Map<string, PgpKey>();
    const first = await unlockedKey(cache, job("correct horse"));
    expect(first?.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(cache.get("events")).toBe(first);
    // Not unlocked again: a wrong passphrase now would fail if it were.
    expect(await unlockedKey(cache, job("wrong"))).toBe(first);
  });

  it("keeps no key that failed to unlock, so every run reports it", async () => {
    const cache = new Map<string, PgpKey>();
    await expect(unlockedKey(cache, job("wrong"))).rejects.toMatchObject({ code: "PGP_BAD_PASSPHRASE" });
    expect(cache.size).toBe(0);
    await expect(unlockedKey(cache, job("wrong"))).rejects.toMatchObject({ code: "PGP_BAD_PASSPHRASE" });
    expect(await unlockedKey(cache, job("correct horse"))).toBeDefined();
  });

  it("has nothing to unlock for a job without a key", async () => {
    const cache = new Map<string, PgpKey>();
    expect(await unlockedKey(cache, { id: "plain", authorization: {} })).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
