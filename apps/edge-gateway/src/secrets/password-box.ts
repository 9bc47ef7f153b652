// AES-256-GCM with a fresh 96-bit IV per seal. The record id is bound in as additional data, so a
// ciphertext copied onto another authorization row fails to open instead of lending its password.
const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function importKey(keyBytes: Uint8Array, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", keyBytes, { name: "AES-GCM" }, false, [usage]);
}

/** Encrypts `secret` for the record `recordId`; the result is `base64(iv || ciphertext+tag)`. */
export async function sealSecret(keyBytes: Uint8Array, recordId: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await importKey(keyBytes, "encrypt");
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: encoder.encode(recordId) },
    key,
    encoder.encode(secret),
  );
  const sealed = new Uint8Array(IV_BYTES + ciphertext.byteLength);
  sealed.set(iv, 0);
  sealed.set(new Uint8Array(ciphertext), IV_BYTES);
  return toBase64(sealed);
}

/**
 * Decrypts what `sealSecret` made for the same record. Throws (a DOMException from Web Crypto)
 * when the key is wrong, the record id differs or the text was altered.
 */
export async function openSecret(keyBytes: Uint8Array, recordId: string, sealed: string): Promise<string> {
  const bytes = fromBase64(sealed);
  const key = await importKey(keyBytes, "decrypt");
  const plaintext = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.subarray(0, IV_BYTES), additionalData: encoder.encode(recordId) },
    key,
    bytes.subarray(IV_BYTES),
  );
  return decoder.decode(plaintext);
}
