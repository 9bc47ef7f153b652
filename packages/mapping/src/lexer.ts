import { BridgeError } from "@responsys-bridge/core";

/** A place in LQL source text, both counted from 1. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export type TokenType = "ident" | "quoted_ident" | "string" | "number" | "punct" | "eof";

export interface Token {
  readonly type: TokenType;
  /** The identifier, the unescaped string, the number text or the punctuation character. */
  readonly text: string;
  readonly pos: Position;
}

/** The one error every LQL parse problem becomes: the position is in the message and in `details`. */
export function lqlParseError(message: string, pos: Position): BridgeError {
  return new BridgeError({
    code: "LQL_PARSE_ERROR",
    message: `line ${pos.line}, column ${pos.column}: ${message}`,
    retryable: false,
    details: { line: pos.line, column: pos.column },
  });
}

const PUNCTUATION = new Set(["(", ")", ",", "[", "]", ";"]);
const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  "\\": "\\",
  '"': '"',
  "'": "'",
  "`": "`",
};

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= "0" && c <= "9") || c === ".";
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** Splits LQL text into tokens. `--` starts a comment that runs to the end of the line. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const here = (): Position => ({ line, column: i - lineStart + 1 });

  while (i < source.length) {
    const c = source.charAt(i);
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      continue;
    }
    if (c === "-" && source.charAt(i + 1) === "-") {
      while (i < source.length && source.charAt(i) !== "\n") i++;
      continue;
    }
    const pos = here();
    if (PUNCTUATION.has(c)) {
      tokens.push({ type: "punct", text: c, pos });
      i++;
      continue;
    }
    if (isIdentStart(c)) {
      const start = i;
      while (i < source.length && isIdentPart(source.charAt(i))) i++;
      tokens.push({ type: "ident", text: source.slice(start, i), pos });
      continue;
    }
    if (isDigit(c) || (c === "-" && isDigit(source[i + 1]))) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i, i + 64));
      const text = match ? match[0] : c;
      i += text.length;
      if (isIdentStart(source.charAt(i)))
        throw lqlParseError(`malformed number "${text}${source.charAt(i)}"`, pos);
      tokens.push({ type: "number", text, pos });
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      let text = "";
      i++;
      for (;;) {
        if (i >= source.length || source.charAt(i) === "\n") {
          const what = c === "`" ? "quoted identifier" : "string";
          throw lqlParseError(`unterminated ${what} (opened here with ${c})`, pos);
        }
        const d = source.charAt(i);
        if (d === c) {
          i++;
          break;
        }
        if (d === "\\") {
          const escaped = ESCAPES[source.charAt(i + 1)];
          if (escaped === undefined) {
            throw lqlParseError(`unknown escape \\${source.charAt(i + 1)}`, {
              line,
              column: i - lineStart + 1,
            });
          }
          text += escaped;
          i += 2;
          continue;
        }
        text += d;
        i++;
      }
      tokens.push({ type: c === "`" ? "quoted_ident" : "string", text, pos });
      continue;
    }
    throw lqlParseError(`unexpected character ${JSON.stringify(c)}`, pos);
  }
  tokens.push({ type: "eof", text: "", pos: here() });
  return tokens;
}
