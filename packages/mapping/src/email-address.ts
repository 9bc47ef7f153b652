// email()/emaildomain() read addresses as Go's net/mail.ParseAddress does (qlbridge calls it):
// a bare addr-spec or "Display Name <addr-spec>". This covers the RFC 5322 forms that function
// accepts in practice; comments and obsolete syntax are not supported.

// RFC 5322 atext, plus any non-ASCII character (Go accepts UTF-8 in atoms).
const ATOM = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u0080-\\uffff]+";
const DOT_ATOM = `${ATOM}(?:\\.${ATOM})*`;
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\.)*"';
const ADDR_SPEC = new RegExp(`^(${DOT_ATOM}|${QUOTED})@(${DOT_ATOM}|\\[[^\\[\\]\\\\]*\\])$`);
// A display name: words and quoted strings, without the characters that end or open an address.
const DISPLAY_NAME = /^(?:"(?:[^"\\]|\\.)*"|[^"<>@,;:\\[\]])*$/;

/** The `local@domain` of an address, as written; undefined when Go's ParseAddress would reject it. */
export function parseEmailAddress(input: string): EmailAddress | undefined {
  // email(x) and emaildomain(x) usually parse the same text one after the other.
  if (input === lastInput) return lastResult;
  const result = parse(input);
  lastInput = input;
  lastResult = result;
  return result;
}

export interface EmailAddress {
  readonly local: string;
  readonly domain: string;
}

let lastInput: string | undefined;
let lastResult: EmailAddress | undefined;

function parse(input: string): EmailAddress | undefined {
  const text = input.trim();
  if (text === "") return undefined;
  let spec = text;
  if (text.endsWith(">")) {
    const open = text.lastIndexOf("<");
    if (open < 0 || !DISPLAY_NAME.test(text.slice(0, open))) return undefined;
    spec = text.slice(open + 1, -1).trim();
  } else if (text.includes("<")) {
    return undefined;
  }
  const match = ADDR_SPEC.exec(spec);
  if (!match) return undefined;
  const rawLocal = match[1] ?? "";
  const local = rawLocal.startsWith('"') ? rawLocal.slice(1, -1).replace(/\\(.)/g, "$1") : rawLocal;
  return { local, domain: match[2] ?? "" };
}
