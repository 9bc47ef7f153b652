// SipHash-2-4 (Aumasson & Bernstein) on 32-bit halves, so the hot path needs no BigInt.
// LQL's hash() is qlbridge's hash.sip: SipHash-2-4 with k0 = 0, k1 = 1 over the UTF-8 bytes,
// the uint64 read as a signed int64.

/** A 128-bit key as the 32-bit halves of its two little-endian 64-bit words. */
export interface SipKey {
  readonly k0lo: number;
  readonly k0hi: number;
  readonly k1lo: number;
  readonly k1hi: number;
}

/** The key qlbridge's hash.sip uses: k0 = 0, k1 = 1. */
export const LYTICS_SIP_KEY: SipKey = { k0lo: 0, k0hi: 0, k1lo: 1, k1hi: 0 };

// State of the running hash. Module-level so the rounds allocate nothing; hashing is synchronous.
let v0h = 0;
let v0l = 0;
let v1h = 0;
let v1l = 0;
let v2h = 0;
let v2l = 0;
let v3h = 0;
let v3l = 0;

function sipRound(): void {
  let lo: number;
  let hi: number;
  // v0 += v1; v1 <<<= 13; v1 ^= v0; v0 <<<= 32
  lo = (v0l + v1l) >>> 0;
  v0h = (v0h + v1h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  hi = ((v1h << 13) | (v1l >>> 19)) >>> 0;
  lo = ((v1l << 13) | (v1h >>> 19)) >>> 0;
  v1h = (hi ^ v0h) >>> 0;
  v1l = (lo ^ v0l) >>> 0;
  hi = v0h;
  v0h = v0l;
  v0l = hi;
  // v2 += v3; v3 <<<= 16; v3 ^= v2
  lo = (v2l + v3l) >>> 0;
  v2h = (v2h + v3h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  hi = ((v3h << 16) | (v3l >>> 16)) >>> 0;
  lo = ((v3l << 16) | (v3h >>> 16)) >>> 0;
  v3h = (hi ^ v2h) >>> 0;
  v3l = (lo ^ v2l) >>> 0;
  // v0 += v3; v3 <<<= 21; v3 ^= v0
  lo = (v0l + v3l) >>> 0;
  v0h = (v0h + v3h + (lo < v0l ? 1 : 0)) >>> 0;
  v0l = lo;
  hi = ((v3h << 21) | (v3l >>> 11)) >>> 0;
  lo = ((v3l << 21) | (v3h >>> 11)) >>> 0;
  v3h = (hi ^ v0h) >>> 0;
  v3l = (lo ^ v0l) >>> 0;
  // v2 += v1; v1 <<<= 17; v1 ^= v2; v2 <<<= 32
  lo = (v2l + v1l) >>> 0;
  v2h = (v2h + v1h + (lo < v2l ? 1 : 0)) >>> 0;
  v2l = lo;
  hi = ((v1h << 17) | (v1l >>> 15)) >>> 0;
  lo = ((v1l << 17) | (v1h >>> 15)) >>> 0;
  v1h = (hi ^ v2h) >>> 0;
  v1l = (lo ^ v2l) >>> 0;
  hi = v2h;
  v2h = v2l;
  v2l = hi;
}

function readWord(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] ?? 0) |
      ((bytes[at + 1] ?? 0) << 8) |
      ((bytes[at + 2] ?? 0) << 16) |
      ((bytes[at + 3] ?? 0) << 24)) >>>
    0
  );
}

function compress(mh: number, ml: number): void {
  v3h = (v3h ^ mh) >>> 0;
  v3l = (v3l ^ ml) >>> 0;
  sipRound();
  sipRound();
  v0h = (v0h ^ mh) >>> 0;
  v0l = (v0l ^ ml) >>> 0;
}

/** Hashes `length` bytes of `bytes`; the result is left in the high/low words returned by `hashHigh`/`hashLow`. */
function sipHashInto(bytes: Uint8Array, length: number, key: SipKey): void {
  // "somepseudorandomlygeneratedbytes", the SipHash initialisation constants.
  v0h = (key.k0hi ^ 0x736f6d65) >>> 0;
  v0l = (key.k0lo ^ 0x70736575) >>> 0;
  v1h = (key.k1hi ^ 0x646f7261) >>> 0;
  v1l = (key.k1lo ^ 0x6e646f6d) >>> 0;
  v2h = (key.k0hi ^ 0x6c796765) >>> 0;
  v2l = (key.k0lo ^ 0x6e657261) >>> 0;
  v3h = (key.k1hi ^ 0x74656462) >>> 0;
  v3l = (key.k1lo ^ 0x79746573) >>> 0;
  const whole = length - (length % 8);
  for (let at = 0; at < whole; at += 8) compress(readWord(bytes, at + 4), readWord(bytes, at));
  // Last block: the remaining bytes, zero padded, with the length's low byte on top.
  let lastLo = 0;
  let lastHi = (length & 0xff) << 24;
  for (let i = 0; i < length - whole; i++) {
    const byte = bytes[whole + i] ?? 0;
    if (i < 4) lastLo |= byte << (8 * i);
    else lastHi |= byte << (8 * (i - 4));
  }
  compress(lastHi >>> 0, lastLo >>> 0);
  v2l = (v2l ^ 0xff) >>> 0;
  sipRound();
  sipRound();
  sipRound();
  sipRound();
}

function resultHigh(): number {
  return (v0h ^ v1h ^ v2h ^ v3h) >>> 0;
}

function resultLow(): number {
  return (v0l ^ v1l ^ v2l ^ v3l) >>> 0;
}

/** SipHash-2-4 of `bytes` as an unsigned 64-bit bigint. */
export function sipHash24(bytes: Uint8Array, key: SipKey = LYTICS_SIP_KEY): bigint {
  sipHashInto(bytes, bytes.length, key);
  return (BigInt(resultHigh()) << 32n) | BigInt(resultLow());
}

let buffer = new Uint8Array(256);

/** UTF-8 encodes `text` into the shared buffer and returns the byte length; no allocation for short text. */
function encodeUtf8(text: string): number {
  if (buffer.length < text.length * 3) buffer = new Uint8Array(text.length * 3);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      buffer[n++] = c;
    } else if (c < 0x800) {
      buffer[n++] = 0xc0 | (c >> 6);
      buffer[n++] = 0x80 | (c & 0x3f);
    } else {
      const next = text.charCodeAt(i + 1);
      if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        buffer[n++] = 0xf0 | (c >> 18);
        buffer[n++] = 0x80 | ((c >> 12) & 0x3f);
      } else {
        // A lone surrogate becomes U+FFFD, as TextEncoder does.
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
        buffer[n++] = 0xe0 | (c >> 12);
      }
      buffer[n++] = 0x80 | ((c >> 6) & 0x3f);
      buffer[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

const TWO_POW_32 = 2 ** 32;

/**
 * LQL hash(): SipHash-2-4 with key (0, 1) of the UTF-8 text, as a signed 64-bit decimal string
 * (qlbridge returns an int64; it is a string here because it does not fit a JS number).
 */
export function lyticsHash(text: string): string {
  // Encode first: encodeUtf8 may replace the buffer.
  const length = encodeUtf8(text);
  sipHashInto(buffer, length, LYTICS_SIP_KEY);
  const hi = resultHigh();
  const lo = resultLow();
  // Values whose magnitude fits in 53 bits print exactly as numbers; the rest go through BigInt.
  if (hi < 0x200000) return String(hi * TWO_POW_32 + lo);
  if (hi >= 0xffe00001) return String(-((0xffffffff - hi) * TWO_POW_32 + (TWO_POW_32 - lo)));
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo)).toString();
}
