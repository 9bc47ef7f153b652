const encoder = new TextEncoder();
const SECRET_BYTES = 32;

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A new webhook secret: `whsec_` and 256 random bits, URL-safe (it goes into Lytics' static headers). */
export function newWebhookSecret(): string {
  return `whsec_${base64Url(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)))}`;
}

/** SHA-256 hex of the secret's UTF-8 bytes: the only form in which a webhook secret is stored. */
export async function hashWebhookSecret(secret: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(secret)));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
