const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null;
  const bytes = new Uint8Array(32);
  for (let index = 0; index < 32; index += 1)
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

/**
 * True when `given` hashes to `storedHash`. The comparison runs over the two 32-byte digests in
 * constant time, so it leaks neither the secret nor how much of it matched.
 */
export async function webhookSecretMatches(given: string, storedHash: string): Promise<boolean> {
  const expected = hexToBytes(storedHash);
  if (expected === null) return false;
  const actual = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(given)));
  return crypto.subtle.timingSafeEqual(actual, expected);
}

/** The secret a webhook request presents: `Authorization: Bearer <s>` or `X-Api-Key: <s>`. */
export function presentedSecret(headers: Headers): string | null {
  const authorization = headers.get("authorization");
  if (authorization !== null) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match?.[1] !== undefined) return match[1].trim();
  }
  const apiKey = headers.get("x-api-key");
  return apiKey === null || apiKey.trim() === "" ? null : apiKey.trim();
}
