import { apiError } from "../../http/errors.ts";

/** Largest body a webhook or backfill may have (SPEC §3.3; Lytics' own upload limit). */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const tooLarge = () =>
  apiError("PAYLOAD_TOO_LARGE", `The body is over ${MAX_BODY_BYTES} bytes (10 MB).`, 413);

/** True for JSON media types: `application/json`, `application/cloudevents+json`, `text/json` … */
export function isJsonMediaType(contentType: string | null, extra: readonly string[] = []): boolean {
  if (contentType === null || contentType.trim() === "") return true;
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const subtype = type.split("/")[1] ?? "";
  return subtype === "json" || subtype.endsWith("+json") || extra.includes(type);
}

/**
 * Reads a request body as text, refusing (413) one whose Content-Length says, or whose bytes
 * turn out to be, over 10 MB; the bytes are counted as they arrive, never trusted from the header.
 */
export async function readLimitedText(request: Request): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > MAX_BODY_BYTES)
    throw tooLarge();
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  // Not fatal: invalid UTF-8 becomes U+FFFD and the JSON parser decides what it makes of it.
  return new TextDecoder().decode(bytes);
}
