import { describe, expect, it } from "vitest";
import { openSecret, sealSecret } from "./password-box.ts";

const key = crypto.getRandomValues(new Uint8Array(32));

describe("sealSecret / openSecret", () => {
  it("round-trips a password, including non-ASCII", async () => {
    const sealed = await sealSecret(key, "auth_1", "pässwörd 🔑");
    expect(sealed).not.toContain("pässwörd");
    expect(await openSecret(key, "auth_1", sealed)).toBe("pässwörd 🔑");
  });

  it("uses a new IV each time", async () => {
    const [a, b] = await Promise.all([sealSecret(key, "auth_1", "same"), sealSecret(key, "auth_1", "same")]);
    expect(a).not.toBe(b);
  });

  it("refuses another key, another record or altered text", async () => {
    const sealed = await sealSecret(key, "auth_1", "secret");
    const otherKey = crypto.getRandomValues(new Uint8Array(32));
    await expect(openSecret(otherKey, "auth_1", sealed)).rejects.toThrow();
    await expect(openSecret(key, "auth_2", sealed)).rejects.toThrow();
    const bytes = Uint8Array.from(atob(sealed), (char) => char.charCodeAt(0));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    const altered = btoa(String.fromCharCode(...bytes));
    await expect(openSecret(key, "auth_1", altered)).rejects.toThrow();
  });
});
