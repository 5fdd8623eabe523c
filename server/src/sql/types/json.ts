/**
 * JSON text: a parser that accepts what PostgreSQL's JSON lexer accepts (and reports its errors
 * with the same SQLSTATEs), jsonb normalisation (numbers as numeric, object keys sorted by byte
 * length then bytes, duplicate keys keep the last value) and jsonb's output format.
 */
import { SqlTypeError } from "./errors.js";
import { parseNumeric } from "./numeric.js";
import { Jsonb, JsonbObject, type JsonbNode, Numeric } from "./value.js";

/**
 * Nesting beyond this is rejected with PostgreSQL's stack-depth error. PostgreSQL's own limit
 * depends on max_stack_depth (tens of thousands of levels); this one keeps every recursive walk
 * over jsonb (parse, print, compare, hash) well inside the JS stack.
 */
export const MAX_JSON_DEPTH = 1000;

function syntaxError(detail: string): SqlTypeError {
  return new SqlTypeError("invalid input syntax for type json", "22P02", detail);
}

/**
 * A recursive-descent parser over the UTF-16 string. `build` false only validates (json input);
 * true builds jsonb nodes.
 */
class JsonParser {
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly s: string,
    private readonly build: boolean,
  ) {}

  parseDocument(): JsonbNode {
    const v = this.value();
    this.ws();
    if (this.pos < this.s.length) throw this.unexpectedToken("end of input");
    return v;
  }

  private ws(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
      this.pos++;
    }
  }

  /**
   * The token at the current position as PostgreSQL's lexer delimits it, for messages, and
   * whether it is a valid token (PostgreSQL reports an invalid token before a misplaced one).
   */
  private token(): { text: string; valid: boolean } {
    const rest = this.s.slice(this.pos);
    const c = rest[0]!;
    if ("{}[],:".includes(c)) return { text: c, valid: true };
    if (c === '"') return { text: rest, valid: true };
    if (c === "-" || (c >= "0" && c <= "9")) {
      // What the lexer consumes as a number, valid or not; trailing alphanumerics join the token.
      const consumed = /^-?[0-9]*(\.[0-9]*)?([eE][+-]?[0-9]*)?/.exec(rest)![0];
      const run = ALNUM_RUN.exec(rest.slice(consumed.length))![0];
      const valid = run === "" && /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(consumed);
      return { text: consumed + run, valid };
    }
    const word = ALNUM_RUN.exec(rest)![0];
    if (word === "") return { text: String.fromCodePoint(rest.codePointAt(0)!), valid: false };
    return { text: word, valid: word === "true" || word === "false" || word === "null" };
  }

  private unexpectedToken(expected: string): SqlTypeError {
    if (this.pos >= this.s.length) return syntaxError("The input string ended unexpectedly.");
    const t = this.token();
    if (!t.valid) return syntaxError(`Token "${t.text}" is invalid.`);
    return syntaxError(`Expected ${expected}, but found "${t.text}".`);
  }

  private value(): JsonbNode {
    this.ws();
    const s = this.s;
    if (this.pos >= s.length) throw syntaxError("The input string ended unexpectedly.");
    const c = s[this.pos]!;
    switch (c) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case '"':
        return this.string();
      case "]":
      case "}":
      case ",":
      case ":":
        throw this.unexpectedToken("JSON value");
      default:
        if (c === "-" || (c >= "0" && c <= "9")) return this.number();
        return this.literal();
    }
  }

  private enter(): void {
    if (++this.depth > MAX_JSON_DEPTH) throw new SqlTypeError("stack depth limit exceeded", "54001");
  }

  private object(): JsonbNode {
    this.enter();
    this.pos++;
    const keys: string[] = [];
    const values: JsonbNode[] = [];
    this.ws();
    if (this.s[this.pos] === "}") {
      this.pos++;
      this.depth--;
      return this.build ? new JsonbObject([], []) : null;
    }
    for (let first = true; ; first = false) {
      this.ws();
      if (this.s[this.pos] !== '"') throw this.unexpectedToken(first ? 'string or "}"' : "string");
      const key = this.string();
      this.ws();
      if (this.s[this.pos] !== ":") throw this.unexpectedToken('":"');
      this.pos++;
      const v = this.value();
      if (this.build) {
        keys.push(key as string);
        values.push(v);
      }
      this.ws();
      const c = this.s[this.pos];
      this.pos++;
      if (c === "}") break;
      if (c !== ",") {
        this.pos--;
        throw this.unexpectedToken('"," or "}"');
      }
    }
    this.depth--;
    return this.build ? normaliseObject(keys, values) : null;
  }

  private array(): JsonbNode {
    this.enter();
    this.pos++;
    const items: JsonbNode[] = [];
    this.ws();
    if (this.s[this.pos] === "]") {
      this.pos++;
      this.depth--;
      return this.build ? items : null;
    }
    for (;;) {
      const v = this.value();
      if (this.build) items.push(v);
      this.ws();
      const c = this.s[this.pos];
      this.pos++;
      if (c === "]") break;
      if (c !== ",") {
        this.pos--;
        throw this.unexpectedToken('"," or "]"');
      }
    }
    this.depth--;
    return this.build ? items : null;
  }

  private string(): string {
    const s = this.s;
    const start = ++this.pos;
    let out = "";
    let chunk = start;
    let pendingHigh = -1;
    for (;;) {
      if (this.pos >= s.length) throw syntaxError("The input string ended unexpectedly.");
      const c = s.charCodeAt(this.pos);
      if (c === 0x22) {
        if (pendingHigh >= 0) throw syntaxError("Unicode low surrogate must follow a high surrogate.");
        out += s.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) {
        throw syntaxError(`Character with value 0x${c.toString(16).padStart(2, "0")} must be escaped.`);
      }
      if (c !== 0x5c) {
        if (pendingHigh >= 0) throw syntaxError("Unicode low surrogate must follow a high surrogate.");
        this.pos++;
        continue;
      }
      out += s.slice(chunk, this.pos);
      const e = s[this.pos + 1];
      if (e === undefined) throw syntaxError("The input string ended unexpectedly.");
      if (e === "u") {
        const hex = s.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw syntaxError('"\\u" must be followed by four hexadecimal digits.');
        const code = parseInt(hex, 16);
        this.pos += 6;
        if (!this.build) {
          // json input only validates syntax; surrogates are checked when jsonb decodes escapes.
        } else if (code >= 0xd800 && code <= 0xdbff) {
          if (pendingHigh >= 0) throw syntaxError("Unicode high surrogate must not follow a high surrogate.");
          pendingHigh = code;
        } else if (code >= 0xdc00 && code <= 0xdfff) {
          if (pendingHigh < 0) throw syntaxError("Unicode low surrogate must follow a high surrogate.");
          out += String.fromCharCode(pendingHigh, code);
          pendingHigh = -1;
        } else {
          if (pendingHigh >= 0) throw syntaxError("Unicode low surrogate must follow a high surrogate.");
          if (code === 0 && this.build) {
            throw new SqlTypeError("unsupported Unicode escape sequence", "22P05", "\\u0000 cannot be converted to text.");
          }
          out += String.fromCharCode(code);
        }
      } else {
        if (pendingHigh >= 0) throw syntaxError("Unicode low surrogate must follow a high surrogate.");
        const unescaped = SIMPLE_ESCAPES[e];
        if (unescaped === undefined) {
          throw syntaxError(`Escape sequence "\\${String.fromCodePoint(s.codePointAt(this.pos + 1)!)}" is invalid.`);
        }
        out += unescaped;
        this.pos += 2;
      }
      chunk = this.pos;
    }
  }

  private number(): JsonbNode {
    const t = this.token();
    if (!t.valid) throw syntaxError(`Token "${t.text}" is invalid.`);
    this.pos += t.text.length;
    return this.build ? parseNumeric(t.text) : null;
  }

  private literal(): JsonbNode {
    const t = this.token();
    if (!t.valid) throw syntaxError(`Token "${t.text}" is invalid.`);
    this.pos += t.text.length;
    return t.text === "true" ? true : t.text === "false" ? false : null;
  }
}

/** PostgreSQL's JSON_ALPHANUMERIC_CHAR run (non-ASCII counts as alphanumeric). */
const ALNUM_RUN = /^[A-Za-z0-9_\u0080-\uffff]*/;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** UTF-8 byte length of a string (jsonb orders keys by it). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Code point order of two strings (= UTF-8 byte order). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (code points above 0xffff) sort after 0xe000..0xffff in code point order.
      const fx = x >= 0xd800 ? (x >= 0xe000 ? x - 0x800 : x + 0x2000) : x;
      const fy = y >= 0xd800 ? (y >= 0xe000 ? y - 0x800 : y + 0x2000) : y;
      return fx < fy ? -1 : 1;
    }
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** jsonb's key order: shorter (in UTF-8 bytes) first, then by bytes. */
export function compareJsonbKeys(a: string, b: string): number {
  const la = utf8Length(a);
  const lb = utf8Length(b);
  if (la !== lb) return la < lb ? -1 : 1;
  return compareCodePoints(a, b);
}

/** Sorts keys into storage order; of duplicate keys the last one written wins. */
export function normaliseObject(keys: readonly string[], values: readonly JsonbNode[]): JsonbObject {
  const order = keys.map((_, i) => i);
  order.sort((i, j) => compareJsonbKeys(keys[i]!, keys[j]!) || j - i);
  const outKeys: string[] = [];
  const outValues: JsonbNode[] = [];
  for (const i of order) {
    if (outKeys.length > 0 && outKeys[outKeys.length - 1] === keys[i]) continue;
    outKeys.push(keys[i]!);
    outValues.push(values[i]!);
  }
  return new JsonbObject(outKeys, outValues);
}

/** json_in: validates and returns the text unchanged. */
export function parseJsonText(text: string): string {
  new JsonParser(text, false).parseDocument();
  return text;
}

/** jsonb_in. */
export function parseJsonb(text: string): Jsonb {
  return new Jsonb(new JsonParser(text, true).parseDocument());
}

/** escape_json: the escapes PostgreSQL writes, everything else literal. */
export function quoteJsonString(s: string): string {
  let out = '"';
  let chunk = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += s.slice(chunk, i);
    chunk = i + 1;
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += "\\\\";
        break;
      case 0x08:
        out += "\\b";
        break;
      case 0x0c:
        out += "\\f";
        break;
      case 0x0a:
        out += "\\n";
        break;
      case 0x0d:
        out += "\\r";
        break;
      case 0x09:
        out += "\\t";
        break;
      default:
        out += "\\u" + c.toString(16).padStart(4, "0");
    }
  }
  return out + s.slice(chunk) + '"';
}

/** jsonb_out: ", " between items and ": " after keys. */
export function formatJsonb(v: Jsonb): string {
  const parts: string[] = [];
  writeNode(v.root, parts);
  return parts.join("");
}

function writeNode(n: JsonbNode, out: string[]): void {
  if (n === null) out.push("null");
  else if (n === true) out.push("true");
  else if (n === false) out.push("false");
  else if (typeof n === "string") out.push(quoteJsonString(n));
  else if (n instanceof Numeric) out.push(n.toString());
  else if (n instanceof JsonbObject) {
    out.push("{");
    for (let i = 0; i < n.keys.length; i++) {
      if (i > 0) out.push(", ");
      out.push(quoteJsonString(n.keys[i]!), ": ");
      writeNode(n.values[i]!, out);
    }
    out.push("}");
  } else {
    out.push("[");
    for (let i = 0; i < n.length; i++) {
      if (i > 0) out.push(", ");
      writeNode(n[i]!, out);
    }
    out.push("]");
  }
}
