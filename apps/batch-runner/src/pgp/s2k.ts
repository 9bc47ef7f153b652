// The passphrase-to-key step (S2K, RFC 4880 §3.7.1) of unlocking a GnuPG key, hashed as a stream.
// openpgp builds the whole hashed input in memory first: GnuPG's default iteration count makes it
// 65 MB, and an unlock took ~0.6 s of CPU and ~130 MB of RSS (measured). The same hash of the same
// bytes, fed in 1 MiB pieces, takes ~50 ms. Loaded by the PGP worker: erasable TypeScript only.
import { createHash } from "node:crypto";

/** The S2K object of an openpgp key packet, as far as deriving a key reads it. */
export interface S2kSpecifier {
  type: string;
  /** openpgp's hash id (RFC 4880 §9.4). */
  algorithm: number;
  salt: Uint8Array | null;
  getCount(): number;
  produceKey(passphrase: string, numBytes: number, config?: unknown): Promise<Uint8Array>;
}

// Node's names for the hash ids openpgp may read from a key; others stay with openpgp.
const HASH_NAMES = new Map<number, string>([
  [1, "md5"],
  [2, "sha1"],
  [8, "sha256"],
  [9, "sha384"],
  [10, "sha512"],
  [11, "sha224"],
]);

const PIECE_BYTES = 1 << 20;

/**
 * The key an S2K specifier derives from a passphrase, `numBytes` long, or undefined when it is not
 * a simple, salted or iterated S2K over a hash node knows. Each further hash of a long key starts
 * with one more zero byte, as the RFC says.
 */
export function deriveKey(s2k: S2kSpecifier, passphrase: string, numBytes: number): Uint8Array | undefined {
  const hashName = HASH_NAMES.get(s2k.algorithm);
  if (hashName === undefined) return undefined;
  const secret = Buffer.from(passphrase, "utf8");
  let input: (hash: ReturnType<typeof createHash>) => void;
  if (s2k.type === "simple") input = (hash) => hash.update(secret);
  else if ((s2k.type === "salted" || s2k.type === "iterated") && s2k.salt !== null) {
    const data = Buffer.concat([s2k.salt, secret]);
    if (s2k.type === "salted") input = (hash) => hash.update(data);
    else {
      const count = Math.max(s2k.getCount(), data.length);
      // Whole copies of salt + passphrase, so that piece after piece continues the pattern.
      const piece = Buffer.alloc(Math.max(1, Math.floor(PIECE_BYTES / data.length)) * data.length);
      for (let at = 0; at < piece.length; at += data.length) data.copy(piece, at);
      input = (hash) => {
        for (let left = count; left > 0; left -= piece.length) {
          hash.update(left >= piece.length ? piece : piece.subarray(0, left));
        }
      };
    }
  } else return undefined;
  const digests: Buffer[] = [];
  for (let length = 0, zeros = 0; length < numBytes; zeros++) {
    const hash = createHash(hashName);
    if (zeros > 0) hash.update(Buffer.alloc(zeros));
    input(hash);
    const digest = hash.digest();
    digests.push(digest);
    length += digest.length;
  }
  return new Uint8Array(Buffer.concat(digests).subarray(0, numBytes));
}

/** The S2K specifier of an openpgp key packet (not in openpgp's public types), if it has one. */
export function s2kOf(packet: object): S2kSpecifier | undefined {
  const s2k: unknown = Reflect.get(packet, "s2k");
  if (typeof s2k !== "object" || s2k === null) return undefined;
  const fields = ["type", "algorithm", "getCount", "produceKey"].map((name) => Reflect.get(s2k, name));
  const [type, algorithm, getCount, produceKey] = fields;
  const fits =
    typeof type === "string" &&
    typeof algorithm === "number" &&
    typeof getCount === "function" &&
    typeof produceKey === "function";
  return fits ? (s2k as S2kSpecifier) : undefined;
}

const streamed = new WeakSet<object>();

/**
 * Makes openpgp's S2K class (the prototype of `s2k`, shared by every key's specifier) derive keys
 * with deriveKey, falling back to its own code for anything deriveKey does not handle.
 */
export function streamS2k(s2k: S2kSpecifier): void {
  const prototype: unknown = Object.getPrototypeOf(s2k);
  if (typeof prototype !== "object" || prototype === null || streamed.has(prototype)) return;
  const own: unknown = Reflect.get(prototype, "produceKey");
  if (typeof own !== "function") return;
  const original = own as S2kSpecifier["produceKey"];
  streamed.add(prototype);
  Reflect.set(
    prototype,
    "produceKey",
    function produceKey(
      this: S2kSpecifier,
      passphrase: string,
      numBytes: number,
      config?: unknown,
    ): Promise<Uint8Array> {
      const key = deriveKey(this, passphrase, numBytes);
      return key === undefined ? original.call(this, passphrase, numBytes, config) : Promise.resolve(key);
    },
  );
}
