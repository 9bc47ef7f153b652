import { md5Bytes } from "./md5.ts";
import { sha256Bytes } from "./sha256.ts";

const encoder = new TextEncoder();

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** Lower-case hex MD5 of the UTF-8 bytes of `text`. */
export function md5Hex(text: string): string {
  return toHex(md5Bytes(encoder.encode(text)));
}

/** Lower-case hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return toHex(sha256Bytes(encoder.encode(text)));
}

/** The form Responsys matches and hashes emails in: trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
// Responsys is the authority on deliverability; this only catches values that are not emails.
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** True for values shaped like an email address (after normalisation). */
export function isEmailShaped(email: string): boolean {
  return EMAIL_SHAPE.test(normalizeEmail(email));
}

export type EmailHashAlgorithm = "md5" | "sha256";

/** Hex digest of the normalised email, as Responsys expects in `EMAIL_MD5_HASH_` / `EMAIL_SHA256_HASH_`. */
export function hashEmail(email: string, algorithm: EmailHashAlgorithm): string {
  const normalized = normalizeEmail(email);
  return algorithm === "md5" ? md5Hex(normalized) : sha256Hex(normalized);
}
