// urlmain() is qlbridge's Host + Path of Go's url.Parse. A WHATWG URL would lower-case the host,
// keep percent-escapes and resolve dot segments, so Go's parsing rules are followed here instead:
// the host keeps its case, the path is percent-decoded, and with no scheme everything is path.

const HEX = /^[0-9A-Fa-f]{2}$/;
// Characters Go lets stand unescaped in a host (RFC 3986 unreserved and sub-delims, plus a few
// Go keeps for compatibility); anything else ASCII makes url.Parse fail.
const HOST_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%\u0080-\uffff]*$/;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Percent-decodes `text` the way Go's url.unescape does, or undefined on a malformed or forbidden escape. */
function percentDecode(text: string, inHost: boolean): string | undefined {
  if (!text.includes("%")) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c !== "%") {
      const code = text.codePointAt(i) ?? 0;
      if (code < 0x80) bytes.push(code);
      else for (const byte of encoder.encode(String.fromCodePoint(code))) bytes.push(byte);
      if (code > 0xffff) i++;
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return undefined;
    // In a host only non-ASCII bytes may be escaped (RFC 3986 §3.2.2); %25 is the IPv6 zone exception.
    if (inHost && Number.parseInt(hex.charAt(0), 16) < 8 && hex !== "25") return undefined;
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return decoder.decode(new Uint8Array(bytes));
}

/** Splits a leading `scheme:` off as Go's getScheme does; null when the text starts with ":". */
function splitScheme(raw: string): { scheme: string; rest: string } | null {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z")) continue;
    if ((c >= "0" && c <= "9") || c === "+" || c === "-" || c === ".") {
      if (i === 0) return { scheme: "", rest: raw };
      continue;
    }
    if (c === ":") return i === 0 ? null : { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    return { scheme: "", rest: raw };
  }
  return { scheme: "", rest: raw };
}

function validHost(host: string): string | undefined {
  let hostname = host;
  let port = "";
  if (host.startsWith("[")) {
    const close = host.indexOf("]");
    if (close < 0) return undefined;
    hostname = host.slice(0, close + 1);
    port = host.slice(close + 1);
  } else {
    const colon = host.lastIndexOf(":");
    if (colon >= 0) {
      hostname = host.slice(0, colon);
      port = host.slice(colon);
    }
  }
  if (port !== "" && !/^:\d*$/.test(port)) return undefined;
  if (!HOST_CHARS.test(hostname)) return undefined;
  const decoded = percentDecode(hostname, true);
  return decoded === undefined ? undefined : decoded + port;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Host + path of `raw` as Go's url.Parse reads it; undefined when it fails to parse or both are empty. */
export function urlMain(raw: string): string | undefined {
  if (hasControlCharacter(raw)) return undefined;
  const hash = raw.indexOf("#");
  const withoutFragment = hash < 0 ? raw : raw.slice(0, hash);
  const split = splitScheme(withoutFragment);
  if (split === null) return undefined;
  const question = split.rest.indexOf("?");
  let rest = question < 0 ? split.rest : split.rest.slice(0, question);
  let host = "";
  if (!rest.startsWith("/")) {
    // "mailto:x" style: Go keeps it as opaque data, with no host and no path.
    if (split.scheme !== "") return undefined;
    const slash = rest.indexOf("/");
    if ((slash < 0 ? rest : rest.slice(0, slash)).includes(":")) return undefined;
  } else if ((split.scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    const end = rest.indexOf("/", 2);
    const authority = end < 0 ? rest.slice(2) : rest.slice(2, end);
    rest = end < 0 ? "" : rest.slice(end);
    const parsedHost = validHost(authority.slice(authority.lastIndexOf("@") + 1));
    if (parsedHost === undefined) return undefined;
    host = parsedHost;
  }
  const path = percentDecode(rest, false);
  if (path === undefined) return undefined;
  const main = host + path;
  return main === "" ? undefined : main;
}
