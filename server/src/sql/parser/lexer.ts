import { SqlPositionedError, characterPosition, syntaxError } from "./errors.js";

/**
 * A lexer following PostgreSQL's scan.l closely enough that every later rewrite works on real
 * tokens and never on text inside strings, quoted identifiers or comments.
 */

export type TokenKind =
  | "ident" // unquoted word (keywords included); value is ASCII-lowercased like PostgreSQL does
  | "qident" // "quoted" or U&"quoted" identifier; value is unescaped
  | "string" // any character string constant; value is the decoded text
  | "bitstring" // B'0101' or X'1F'; value is "b0101" / "x1F" (the bit type's own input syntax)
  | "number" // unsigned numeric constant; value is its text
  | "param" // $n; value is the digits
  | "op" // operator, including one-character ones such as + - * / < > =
  | "punct" // ( ) [ ] , ; . : ::
  | "other"; // a character PostgreSQL's grammar has no use for; always a syntax error later

export interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  /** Offsets of the token's source text in the SQL string (end exclusive). */
  readonly start: number;
  readonly end: number;
}

const SIMPLE_ESCAPES = new Map([
  ["b", 8],
  ["f", 12],
  ["n", 10],
  ["r", 13],
  ["t", 9],
]);

const OP_CHARS = new Set("~!@#^&|`?+-*/%<>=");
/** An operator ending in + or - keeps it only if it contains one of these (scan.l's rule). */
const OP_KEEP_TRAILING_SIGN = new Set("~!@#^&|`?%");

const isSpace = (c: string | undefined) => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v";
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
const isHexDigit = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
/** PostgreSQL treats every byte >= 0x80 as a letter, so any non-ASCII character is one here. */
const isIdentStart = (c: string | undefined) => c !== undefined && (/^[A-Za-z_]$/.test(c) || c.charCodeAt(0) >= 0x80);
const isIdentCont = (c: string | undefined) => isIdentStart(c) || isDigit(c) || c === "$";
const isDollarTagCont = (c: string | undefined) => isIdentStart(c) || isDigit(c);

/** PostgreSQL folds only ASCII letters of unquoted identifiers. */
export function foldIdentifier(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

class Lexer {
  private pos = 0;
  readonly tokens: Token[] = [];

  constructor(private readonly sql: string) {}

  run(): Token[] {
    for (;;) {
      this.skipSpaceAndComments();
      if (this.pos >= this.sql.length) return this.tokens;
      this.tokens.push(this.next());
    }
  }

  private at(offset = 0): string | undefined {
    return this.sql[this.pos + offset];
  }

  private error(start: number, message: string): SqlPositionedError {
    return syntaxError(this.sql, start, this.sql.slice(start), message);
  }

  private skipSpaceAndComments(): void {
    for (;;) {
      const c = this.at();
      if (isSpace(c)) this.pos++;
      else if (c === "-" && this.at(1) === "-") this.skipLineComment();
      else if (c === "/" && this.at(1) === "*") this.skipBlockComment();
      else return;
    }
  }

  private skipLineComment(): void {
    while (this.pos < this.sql.length && this.at() !== "\n" && this.at() !== "\r") this.pos++;
  }

  private skipBlockComment(): void {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.sql.length) {
      if (this.at() === "/" && this.at(1) === "*") {
        depth++;
        this.pos += 2;
      } else if (this.at() === "*" && this.at(1) === "/") {
        depth--;
        this.pos += 2;
        if (depth === 0) return;
      } else this.pos++;
    }
    throw this.error(start, "unterminated /* comment");
  }

  private next(): Token {
    const start = this.pos;
    const c = this.at() as string;
    const c1 = this.at(1);
    const lower = c.toLowerCase();
    if (c === "'") return this.quotedString(start, "standard");
    if ((lower === "e" || lower === "n") && c1 === "'") {
      this.pos++;
      return this.quotedString(start, lower === "e" ? "escape" : "standard");
    }
    if ((lower === "b" || lower === "x") && c1 === "'") {
      this.pos++;
      return this.bitString(start, lower);
    }
    if (lower === "u" && c1 === "&" && (this.at(2) === "'" || this.at(2) === '"')) {
      this.pos += 2;
      return this.at() === "'" ? this.quotedString(start, "unicode") : this.quotedIdentifier(start, true);
    }
    if (c === '"') return this.quotedIdentifier(start, false);
    if (isIdentStart(c)) return this.identifier(start);
    if (isDigit(c) || (c === "." && isDigit(c1))) return this.number(start);
    if (c === "$") return this.dollar(start);
    if (c === ":" && c1 === ":") return this.token("punct", start, start + 2);
    if ("()[],;.:".includes(c)) return this.token("punct", start, start + 1);
    if (OP_CHARS.has(c)) return this.operator(start);
    return this.token("other", start, start + 1);
  }

  private token(kind: TokenKind, start: number, end: number, value = this.sql.slice(start, end)): Token {
    this.pos = end;
    return { kind, value, start, end };
  }

  private identifier(start: number): Token {
    let end = start + 1;
    while (isIdentCont(this.sql[end])) end++;
    return this.token("ident", start, end, foldIdentifier(this.sql.slice(start, end)));
  }

  private number(start: number): Token {
    let end = start;
    while (isDigit(this.sql[end])) end++;
    if (this.sql[end] === "." && this.sql[end + 1] !== ".") {
      end++;
      while (isDigit(this.sql[end])) end++;
    }
    if (this.sql[end] === "e" || this.sql[end] === "E") {
      let exp = end + 1;
      if (this.sql[exp] === "+" || this.sql[exp] === "-") exp++;
      if (isDigit(this.sql[exp])) {
        while (isDigit(this.sql[exp])) exp++;
        end = exp;
      }
    }
    // PostgreSQL 15+ rejects "123abc" instead of reading it as 123 AS abc.
    if (isIdentCont(this.sql[end])) {
      let junk = end;
      while (isIdentCont(this.sql[junk])) junk++;
      throw syntaxError(this.sql, start, this.sql.slice(start, junk), "trailing junk after numeric literal");
    }
    return this.token("number", start, end);
  }

  private dollar(start: number): Token {
    let end = start + 1;
    if (isDigit(this.sql[end])) {
      while (isDigit(this.sql[end])) end++;
      if (isIdentCont(this.sql[end])) {
        let junk = end;
        while (isIdentCont(this.sql[junk])) junk++;
        throw syntaxError(this.sql, start, this.sql.slice(start, junk), "trailing junk after parameter");
      }
      return this.token("param", start, end, this.sql.slice(start + 1, end));
    }
    while (isDollarTagCont(this.sql[end]) && this.sql[end] !== "$") end++;
    if (this.sql[end] !== "$") return this.token("other", start, start + 1);
    const tag = this.sql.slice(start, end + 1);
    const close = this.sql.indexOf(tag, end + 1);
    if (close < 0) throw this.error(start, "unterminated dollar-quoted string");
    return this.token("string", start, close + tag.length, this.sql.slice(end + 1, close));
  }

  private operator(start: number): Token {
    let end = start;
    while (OP_CHARS.has(this.sql[end] as string)) end++;
    let text = this.sql.slice(start, end);
    // A comment start ends the operator, as in scan.l.
    const cut = [text.indexOf("--", 1), text.indexOf("/*", 1)].filter((i) => i > 0);
    if (cut.length > 0) text = text.slice(0, Math.min(...cut));
    if (text.length > 1 && /[+-]$/.test(text) && ![...text].some((ch) => OP_KEEP_TRAILING_SIGN.has(ch))) {
      text = text.replace(/(?<=.)[+-]+$/, "");
    }
    const value = text === "!=" ? "<>" : text;
    return this.token("op", start, start + text.length, value);
  }

  private quotedIdentifier(start: number, unicode: boolean): Token {
    const body = this.quotedBody('"', "quoted identifier", start);
    if (body.text.length === 0) throw this.error(start, "zero-length delimited identifier");
    const end = this.pos;
    const value = unicode ? decodeUnicodeEscapes(body.text, this.uescape(), this.sql, start, end) : body.text;
    return this.token("qident", start, this.pos, value);
  }

  private quotedString(start: number, mode: "standard" | "escape" | "unicode"): Token {
    let text = "";
    for (;;) {
      const body = mode === "escape" ? this.escapeBody(start) : this.quotedBody("'", "quoted string", start);
      text += body.text;
      if (!this.continuesOnNextLine()) break;
    }
    const end = this.pos;
    if (mode === "unicode") text = decodeUnicodeEscapes(text, this.uescape(), this.sql, start, end);
    return { kind: "string", value: text, start, end: this.pos };
  }

  private bitString(start: number, prefix: string): Token {
    let text = "";
    for (;;) {
      text += this.quotedBody("'", "bit string literal", start).text;
      if (!this.continuesOnNextLine()) break;
    }
    return { kind: "bitstring", value: prefix + text, start, end: this.pos };
  }

  /** Reads from an opening quote to its closing one, with doubled quotes as escapes. */
  private quotedBody(quote: string, what: string, start: number): { text: string } {
    let text = "";
    let i = this.pos + 1;
    for (;;) {
      const close = this.sql.indexOf(quote, i);
      if (close < 0) throw this.error(start, `unterminated ${what}`);
      text += this.sql.slice(i, close);
      if (this.sql[close + 1] === quote) {
        text += quote;
        i = close + 2;
      } else {
        this.pos = close + 1;
        return { text };
      }
    }
  }

  /** E'...' bodies: backslash escapes produce bytes, which must form valid UTF-8 as a whole. */
  private escapeBody(start: number): { text: string } {
    const bytes: number[] = [];
    const pushText = (s: string) => bytes.push(...Buffer.from(s, "utf8"));
    let i = this.pos + 1;
    let pendingHigh = -1;
    for (;;) {
      const c = this.sql[i];
      if (c === undefined) throw this.error(start, "unterminated quoted string");
      if (c === "'") {
        if (this.sql[i + 1] === "'") {
          bytes.push(0x27);
          i += 2;
          continue;
        }
        break;
      }
      if (c !== "\\" || (this.sql[i + 1] !== "u" && this.sql[i + 1] !== "U")) {
        if (pendingHigh >= 0) throw syntaxError(this.sql, i, this.sql.slice(i), "invalid Unicode surrogate pair");
      }
      if (c !== "\\") {
        const cp = this.sql.codePointAt(i) as number;
        pushText(String.fromCodePoint(cp));
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
      const e = this.sql[i + 1];
      if (e === undefined) throw this.error(start, "unterminated quoted string");
      const simple = SIMPLE_ESCAPES.get(e);
      if (simple !== undefined) {
        bytes.push(simple);
        i += 2;
      } else if (e >= "0" && e <= "7") {
        let j = i + 1;
        while (j < i + 4 && this.sql[j] !== undefined && (this.sql[j] as string) >= "0" && (this.sql[j] as string) <= "7") j++;
        bytes.push(parseInt(this.sql.slice(i + 1, j), 8) & 0xff);
        i = j;
      } else if (e === "x" && isHexDigit(this.sql[i + 2])) {
        const j = isHexDigit(this.sql[i + 3]) ? i + 4 : i + 3;
        bytes.push(parseInt(this.sql.slice(i + 2, j), 16));
        i = j;
      } else if (e === "u" || e === "U") {
        const len = e === "u" ? 4 : 8;
        const hex = this.sql.slice(i + 2, i + 2 + len);
        if (hex.length !== len || ![...hex].every(isHexDigit)) {
          throw syntaxError(this.sql, i, this.sql.slice(i, i + 2 + len), "invalid Unicode escape");
        }
        const cp = parseInt(hex, 16);
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (pendingHigh >= 0) throw syntaxError(this.sql, i, this.sql.slice(i, i + 2 + len), "invalid Unicode surrogate pair");
          pendingHigh = cp;
          i += 2 + len;
          continue;
        }
        let full = cp;
        if (cp >= 0xdc00 && cp <= 0xdfff) {
          if (pendingHigh < 0) throw syntaxError(this.sql, i, this.sql.slice(i, i + 2 + len), "invalid Unicode surrogate pair");
          full = 0x10000 + ((pendingHigh - 0xd800) << 10) + (cp - 0xdc00);
          pendingHigh = -1;
        } else if (pendingHigh >= 0) {
          throw syntaxError(this.sql, i, this.sql.slice(i, i + 2 + len), "invalid Unicode surrogate pair");
        }
        if (full === 0 || full > 0x10ffff) throw syntaxError(this.sql, i, this.sql.slice(i, i + 2 + len), "invalid Unicode escape value");
        pushText(String.fromCodePoint(full));
        i += 2 + len;
        continue;
      } else {
        const cp = this.sql.codePointAt(i + 1) as number;
        pushText(String.fromCodePoint(cp));
        i += cp > 0xffff ? 3 : 2;
      }
    }
    if (pendingHigh >= 0) throw syntaxError(this.sql, i, "'", "invalid Unicode surrogate pair");
    this.pos = i + 1;
    return { text: decodeUtf8(bytes, this.sql, start) };
  }

  /** Adjacent string constants separated by a newline are one constant (SQL standard). */
  private continuesOnNextLine(): boolean {
    let i = this.pos;
    while (this.sql[i] === " " || this.sql[i] === "\t" || this.sql[i] === "\f") i++;
    if (this.sql[i] === "-" && this.sql[i + 1] === "-") {
      while (i < this.sql.length && this.sql[i] !== "\n" && this.sql[i] !== "\r") i++;
    }
    if (this.sql[i] !== "\n" && this.sql[i] !== "\r") return false;
    for (;;) {
      if (isSpace(this.sql[i])) i++;
      else if (this.sql[i] === "-" && this.sql[i + 1] === "-") {
        while (i < this.sql.length && this.sql[i] !== "\n" && this.sql[i] !== "\r") i++;
      } else break;
    }
    if (this.sql[i] !== "'") return false;
    this.pos = i;
    return true;
  }

  /** U&'...' UESCAPE 'c': the optional clause choosing the escape character. */
  private uescape(): string {
    const save = this.pos;
    this.skipSpaceAndComments();
    const word = /^uescape/i.exec(this.sql.slice(this.pos, this.pos + 7));
    if (!word || isIdentCont(this.sql[this.pos + 7])) {
      this.pos = save;
      return "\\";
    }
    const kwStart = this.pos;
    this.pos += 7;
    this.skipSpaceAndComments();
    const m = /^'([^'])'/.exec(this.sql.slice(this.pos, this.pos + 3));
    const ch = m?.[1];
    if (ch === undefined || isHexDigit(ch) || ch === "+" || ch === '"' || isSpace(ch)) {
      throw syntaxError(this.sql, kwStart, this.sql.slice(kwStart, this.pos + 3), "invalid Unicode escape character");
    }
    this.pos += 3;
    return ch;
  }
}

function decodeUtf8(bytes: number[], sql: string, start: number): string {
  if (bytes.includes(0)) throw encodingError(sql, start, "0x00");
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    throw encodingError(sql, start, "");
  }
}

function encodingError(sql: string, start: number, detail: string): SqlPositionedError {
  const message = `invalid byte sequence for encoding "UTF8"${detail ? `: ${detail}` : ""}`;
  return new SqlPositionedError(message, "22021", characterPosition(sql, start));
}

/** The escapes of U&'...' and U&"...": \XXXX, \+XXXXXX and a doubled escape character. */
function decodeUnicodeEscapes(text: string, escape: string, sql: string, start: number, end: number): string {
  let out = "";
  let pendingHigh = -1;
  const fail = (message: string) => syntaxError(sql, start, sql.slice(start, end), message);
  for (let i = 0; i < text.length; ) {
    const c = text[i] as string;
    if (c !== escape) {
      if (pendingHigh >= 0) throw fail("invalid Unicode surrogate pair");
      out += c;
      i++;
      continue;
    }
    if (text[i + 1] === escape) {
      if (pendingHigh >= 0) throw fail("invalid Unicode surrogate pair");
      out += escape;
      i += 2;
      continue;
    }
    const long = text[i + 1] === "+";
    const hex = long ? text.slice(i + 2, i + 8) : text.slice(i + 1, i + 5);
    if (hex.length !== (long ? 6 : 4) || ![...hex].every(isHexDigit)) throw fail("invalid Unicode escape");
    const cp = parseInt(hex, 16);
    i += long ? 8 : 5;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      if (pendingHigh >= 0) throw fail("invalid Unicode surrogate pair");
      pendingHigh = cp;
      continue;
    }
    let full = cp;
    if (cp >= 0xdc00 && cp <= 0xdfff) {
      if (pendingHigh < 0) throw fail("invalid Unicode surrogate pair");
      full = 0x10000 + ((pendingHigh - 0xd800) << 10) + (cp - 0xdc00);
      pendingHigh = -1;
    } else if (pendingHigh >= 0) throw fail("invalid Unicode surrogate pair");
    if (full === 0 || full > 0x10ffff) throw fail("invalid Unicode escape value");
    out += String.fromCodePoint(full);
  }
  if (pendingHigh >= 0) throw fail("invalid Unicode surrogate pair");
  return out;
}

export function tokenize(sql: string): Token[] {
  return new Lexer(sql).run();
}

/** The token's text as written in the SQL (what PostgreSQL quotes in `at or near "..."`). */
export function sourceText(sql: string, token: Token): string {
  return sql.slice(token.start, token.end);
}
