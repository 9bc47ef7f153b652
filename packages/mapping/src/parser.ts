import { lqlParseError, type Position, type Token, tokenize } from "./lexer.ts";

export type Expr =
  | { readonly type: "call"; readonly name: string; readonly args: readonly Expr[]; readonly pos: Position }
  | { readonly type: "field"; readonly name: string; readonly pos: Position }
  | { readonly type: "string"; readonly value: string; readonly pos: Position }
  | { readonly type: "number"; readonly value: number; readonly pos: Position }
  | { readonly type: "bool"; readonly value: boolean; readonly pos: Position }
  | { readonly type: "list"; readonly items: readonly Expr[]; readonly pos: Position };

/** One `<expr> AS <field> [KIND k] [SHORTDESC "…"] [LONGDESC "…"] [IF <expr>]` of a SELECT. */
export interface SelectItem {
  readonly expr: Expr;
  readonly field: string;
  readonly fieldPos: Position;
  readonly kind: { readonly text: string; readonly pos: Position } | undefined;
  readonly shortDesc: string | undefined;
  readonly longDesc: string | undefined;
  readonly condition: Expr | undefined;
}

export interface MappingSyntax {
  readonly items: readonly SelectItem[];
  readonly stream: string;
  readonly target: string;
  readonly by: readonly { readonly field: string; readonly pos: Position }[];
  readonly alias: string | undefined;
}

const CLAUSE_KEYWORDS = ["IF", "KIND", "SHORTDESC", "LONGDESC"] as const;

function describe(token: Token): string {
  switch (token.type) {
    case "eof":
      return "the end of the text";
    case "string":
      return `the string ${JSON.stringify(token.text)}`;
    case "quoted_ident":
      return `\`${token.text}\``;
    default:
      return `"${token.text}"`;
  }
}

class Parser {
  private index = 0;
  private readonly tokens: readonly Token[];

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  private peek(offset = 0): Token {
    const token = this.tokens[Math.min(this.index + offset, this.tokens.length - 1)];
    // tokenize() always ends the list with an eof token, so the lookup above cannot miss.
    if (token === undefined) throw new Error("token list without eof");
    return token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== "eof") this.index++;
    return token;
  }

  private isKeyword(word: string, token = this.peek()): boolean {
    return token.type === "ident" && token.text.toUpperCase() === word;
  }

  private isPunct(text: string, token = this.peek()): boolean {
    return token.type === "punct" && token.text === text;
  }

  private expectKeyword(word: string, context: string): Token {
    const token = this.next();
    if (!this.isKeyword(word, token))
      throw lqlParseError(`expected ${word} ${context}, found ${describe(token)}`, token.pos);
    return token;
  }

  private expectPunct(text: string, context: string): Token {
    const token = this.next();
    if (!this.isPunct(text, token))
      throw lqlParseError(`expected "${text}" ${context}, found ${describe(token)}`, token.pos);
    return token;
  }

  private expectName(what: string): Token {
    const token = this.next();
    if (token.type !== "ident" && token.type !== "quoted_ident") {
      throw lqlParseError(`expected ${what}, found ${describe(token)}`, token.pos);
    }
    return token;
  }

  expectEnd(): void {
    if (this.isPunct(";")) this.next();
    const token = this.peek();
    if (token.type !== "eof") throw lqlParseError(`unexpected ${describe(token)} after the end`, token.pos);
  }

  expression(): Expr {
    const token = this.next();
    switch (token.type) {
      case "string":
        return { type: "string", value: token.text, pos: token.pos };
      case "number":
        return { type: "number", value: Number(token.text), pos: token.pos };
      case "quoted_ident":
        return { type: "field", name: token.text, pos: token.pos };
      case "ident": {
        if (this.isPunct("(")) return this.call(token);
        const lower = token.text.toLowerCase();
        if (lower === "true" || lower === "false")
          return { type: "bool", value: lower === "true", pos: token.pos };
        return { type: "field", name: token.text, pos: token.pos };
      }
      case "punct":
        if (token.text === "[") return { type: "list", items: this.list("]", "in the list"), pos: token.pos };
        break;
    }
    throw lqlParseError(`expected an expression, found ${describe(token)}`, token.pos);
  }

  private call(name: Token): Expr {
    this.next();
    return {
      type: "call",
      name: name.text.toLowerCase(),
      args: this.list(")", `in the call of ${name.text}`),
      pos: name.pos,
    };
  }

  private list(close: string, context: string): Expr[] {
    const items: Expr[] = [];
    if (this.isPunct(close)) {
      this.next();
      return items;
    }
    for (;;) {
      items.push(this.expression());
      const token = this.next();
      if (this.isPunct(close, token)) return items;
      if (!this.isPunct(",", token))
        throw lqlParseError(`expected "," or "${close}" ${context}, found ${describe(token)}`, token.pos);
    }
  }

  private kind(): { text: string; pos: Position } {
    const first = this.peek();
    if (first.type === "string") {
      this.next();
      return { text: first.text, pos: first.pos };
    }
    // Kinds such as []string and map[string]intsum arrive as several tokens; glue them back.
    let text = "";
    if (this.isPunct("[")) {
      this.next();
      this.expectPunct("]", "in the kind");
      text = "[]";
    }
    text += this.expectName("a field kind after KIND").text;
    if (this.isPunct("[")) {
      this.next();
      text += `[${this.expectName("a key kind").text}]`;
      this.expectPunct("]", "in the kind");
      text += this.expectName("a value kind").text;
    }
    return { text, pos: first.pos };
  }

  private selectItem(): SelectItem {
    const start = this.peek();
    if (this.isKeyword("FROM", start))
      throw lqlParseError("expected a field expression, found FROM (a comma too many?)", start.pos);
    const expr = this.expression();
    this.expectKeyword("AS", "after the expression");
    const field = this.expectName("a field name after AS");
    let kind: SelectItem["kind"];
    let shortDesc: string | undefined;
    let longDesc: string | undefined;
    let condition: Expr | undefined;
    for (;;) {
      const token = this.peek();
      const keyword = CLAUSE_KEYWORDS.find((word) => this.isKeyword(word, token));
      if (keyword === undefined) break;
      this.next();
      const repeated = { IF: condition, KIND: kind, SHORTDESC: shortDesc, LONGDESC: longDesc }[keyword];
      if (repeated !== undefined)
        throw lqlParseError(`${keyword} is given twice for ${field.text}`, token.pos);
      if (keyword === "IF") condition = this.expression();
      else if (keyword === "KIND") kind = this.kind();
      else {
        const text = this.next();
        if (text.type !== "string")
          throw lqlParseError(`expected a string after ${keyword}, found ${describe(text)}`, text.pos);
        if (keyword === "SHORTDESC") shortDesc = text.text;
        else longDesc = text.text;
      }
    }
    return { expr, field: field.text, fieldPos: field.pos, kind, shortDesc, longDesc, condition };
  }

  mapping(): MappingSyntax {
    this.expectKeyword("SELECT", "at the start of the mapping");
    const items: SelectItem[] = [this.selectItem()];
    while (this.isPunct(",")) {
      this.next();
      items.push(this.selectItem());
    }
    this.expectKeyword("FROM", "after the last field (or a missing comma before this)");
    const stream = this.expectName("a stream name after FROM").text;
    this.expectKeyword("INTO", "after the stream name");
    const target = this.expectName("a table name after INTO");
    if (target.text.toLowerCase() !== "user")
      throw lqlParseError(`only INTO user is supported, found ${describe(target)}`, target.pos);
    this.expectKeyword("BY", "after INTO user");
    const by = [this.expectName("an identity field after BY")];
    while (this.isKeyword("OR")) {
      this.next();
      by.push(this.expectName("an identity field after OR"));
    }
    let alias: string | undefined;
    if (this.isKeyword("ALIAS")) {
      this.next();
      alias = this.expectName("a name after ALIAS").text;
    }
    this.expectEnd();
    return { items, stream, target: "user", by: by.map((t) => ({ field: t.text, pos: t.pos })), alias };
  }
}

/** Parses one LQL expression, such as `valuect(hash(urlmain(offer_url)))`. */
export function parseExpression(source: string): Expr {
  const parser = new Parser(tokenize(source));
  const expr = parser.expression();
  parser.expectEnd();
  return expr;
}

/** Parses a `SELECT … FROM <stream> INTO user BY <field> [OR <field>…] [ALIAS <name>]` statement. */
export function parseMappingSyntax(source: string): MappingSyntax {
  return new Parser(tokenize(source)).mapping();
}
