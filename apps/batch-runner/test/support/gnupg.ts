import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureTestTools, run } from "./tools.ts";

/** A throwaway GnuPG home with one key pair (an encryption subkey under it). */
export interface GpgKeyring {
  home: string;
  email: string;
  /** Empty when the secret key is not protected. */
  passphrase: string;
  /** The secret key as `gpg --export-secret-keys --armor` writes it, for openpgp.js. */
  armoredSecretKey: string;
  /** Encrypts with real GnuPG to this key. Defaults: binary, gpg's default compression (ZLIB). */
  encrypt(
    inputPath: string,
    outputPath: string,
    options?: { armor?: boolean; compress?: boolean },
  ): Promise<void>;
  dispose(): Promise<void>;
}

/** Generates a key in a fresh GNUPGHOME (short path: gpg-agent's socket path is limited). */
export async function createGpgKeyring(options: {
  algorithm: "rsa" | "curve25519";
  passphrase?: string;
  email?: string;
  /** Keep GnuPG's calibrated S2K count (~65 M iterations) as production keys have it. */
  defaultS2k?: boolean;
}): Promise<GpgKeyring> {
  await ensureTestTools();
  const home = await mkdtemp(path.join(tmpdir(), "gpg-"));
  if (!options.defaultS2k) {
    // The calibrated S2K makes gpg-agent spend seconds per key operation on a busy 2-core machine;
    // the smallest count keeps tests quick and changes nothing about how files are encrypted.
    await writeFile(path.join(home, "gpg-agent.conf"), "s2k-count 65536\n");
    await writeFile(path.join(home, "gpg.conf"), "s2k-count 65536\n");
  }
  const email = options.email ?? "connect@example.com";
  const passphrase = options.passphrase ?? "";
  const keyLines =
    options.algorithm === "rsa"
      ? ["Key-Type: RSA", "Key-Length: 2048", "Subkey-Type: RSA", "Subkey-Length: 2048"]
      : ["Key-Type: EDDSA", "Key-Curve: ed25519", "Subkey-Type: ECDH", "Subkey-Curve: cv25519"];
  const parameters = path.join(home, "key-parameters");
  await writeFile(
    parameters,
    [
      ...keyLines,
      "Name-Real: Connect Test",
      `Name-Email: ${email}`,
      "Expire-Date: 0",
      passphrase === "" ? "%no-protection" : `Passphrase: ${passphrase}`,
      "%commit",
      "",
    ].join("\n"),
  );
  const gpg = (args: string[]) =>
    run("gpg", ["--batch", "--quiet", "--homedir", home, ...args], { maxBuffer: 1 << 24 });
  await gpg(["--pinentry-mode", "loopback", "--passphrase", passphrase, "--gen-key", parameters]);
  const { stdout: armoredSecretKey } = await gpg([
    "--pinentry-mode",
    "loopback",
    "--passphrase",
    passphrase,
    "--armor",
    "--export-secret-keys",
    email,
  ]);

  return {
    home,
    email,
    passphrase,
    armoredSecretKey,
    encrypt: async (inputPath, outputPath, encryptOptions = {}) => {
      await gpg([
        "--yes",
        "--trust-model",
        "always",
        "--recipient",
        email,
        ...(encryptOptions.armor ? ["--armor"] : []),
        ...(encryptOptions.compress === false ? ["--compress-algo", "none"] : []),
        "--output",
        outputPath,
        "--encrypt",
        inputPath,
      ]);
    },
    dispose: async () => {
      await run("gpgconf", ["--homedir", home, "--kill", "gpg-agent"]).catch(() => undefined);
      await rm(home, { recursive: true, force: true });
    },
  };
}
