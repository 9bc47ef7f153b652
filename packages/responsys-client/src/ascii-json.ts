/**
 * JSON text with every character above U+007F written as a `\uXXXX` escape, so the bytes on the
 * wire are pure ASCII. Responsys rejects raw non-ASCII in a trigger's `optionalData` with
 * INVALID_REQUEST_CONTENT (Oracle trigger-email page, shared/reference/responsys-api.md §4.1).
 * A character outside the BMP is two UTF-16 code units in a JS string, so it becomes two
 * escapes (its surrogate pair), which is what JSON requires.
 */
export function toAsciiJson(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError("Value has no JSON representation.");
  // Outside string literals JSON text is ASCII already, so replacing anywhere only touches
  // characters inside strings (keys or values).
  return text.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
