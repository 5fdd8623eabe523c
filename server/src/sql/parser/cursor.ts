import type { Name, QName } from "pgsql-ast-parser";
import { errorAt, type ParseContext } from "./context.js";
import type { SqlSyntaxError } from "./errors.js";
import { RESERVED } from "./keywords.js";
import type { Token } from "./lexer.js";
import { isPunct, isWord, type TokenRange } from "./structure.js";

/** A position in a token range for the hand-written statement parsers. */
export class Cursor {
  pos: number;

  constructor(
    readonly ctx: ParseContext,
    readonly range: TokenRange,
  ) {
    this.pos = range.start;
  }

  peek(ahead = 0): Token | undefined {
    const i = this.pos + ahead;
    return i < this.range.end ? this.ctx.tokens[i] : undefined;
  }

  atEnd(): boolean {
    return this.pos >= this.range.end;
  }

  isWord(word: string, ahead = 0): boolean {
    return isWord(this.peek(ahead), word);
  }

  isPunct(p: string, ahead = 0): boolean {
    return isPunct(this.peek(ahead), p);
  }

  /** Consumes the words if they come next, all of them, or nothing. */
  acceptWords(...words: string[]): boolean {
    if (!words.every((w, k) => this.isWord(w, k))) return false;
    this.pos += words.length;
    return true;
  }

  expectWords(...words: string[]): void {
    words.forEach((w) => {
      if (!this.acceptWords(w)) throw this.fail();
    });
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos++;
    return true;
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw this.fail();
  }

  /** The first of `words` that comes next, consumed; null if none does. */
  oneOf<W extends string>(words: readonly W[]): W | null {
    const w = words.find((x) => this.isWord(x));
    if (w !== undefined) this.pos++;
    return w ?? null;
  }

  expectOneOf<W extends string>(words: readonly W[]): W {
    const w = this.oneOf(words);
    if (w === null) throw this.fail();
    return w;
  }

  expectString(): string {
    const t = this.peek();
    if (t?.kind !== "string") throw this.fail();
    this.pos++;
    return t.value;
  }

  /** A signed numeric constant. */
  expectNumber(): number {
    let sign = 1;
    if (this.peek()?.kind === "op" && (this.peek()?.value === "-" || this.peek()?.value === "+")) {
      sign = this.peek()?.value === "-" ? -1 : 1;
      this.pos++;
    }
    const t = this.peek();
    if (t?.kind !== "number") throw this.fail();
    this.pos++;
    return sign * Number(t.value);
  }

  /** An identifier usable as a name (PostgreSQL's ColId): unreserved word or quoted identifier. */
  acceptName(): Name | null {
    const t = this.peek();
    if (t?.kind === "qident" || (t?.kind === "ident" && !RESERVED.has(t.value))) {
      this.pos++;
      return { name: t.value };
    }
    return null;
  }

  expectName(): Name {
    const n = this.acceptName();
    if (!n) throw this.fail();
    return n;
  }

  /** [schema.]name */
  expectQualifiedName(): QName {
    const first = this.expectName();
    if (!this.acceptPunct(".")) return first;
    const second = this.expectName();
    return { schema: first.name, name: second.name };
  }

  nameList(): Name[] {
    const names = [this.expectName()];
    while (this.acceptPunct(",")) names.push(this.expectName());
    return names;
  }

  /** A parenthesised list of names, or null when no parenthesis comes next. */
  parenNameList(): Name[] | null {
    if (!this.acceptPunct("(")) return null;
    const names = this.nameList();
    this.expectPunct(")");
    return names;
  }

  /** The range inside the matched parentheses that come next (the cursor moves past them). */
  expectGroup(): TokenRange {
    if (!this.isPunct("(")) throw this.fail();
    const close = this.ctx.match[this.pos] ?? -1;
    if (close < 0 || close >= this.range.end) throw errorAt(this.ctx, this.range.end);
    const inner = { start: this.pos + 1, end: close };
    this.pos = close + 1;
    return inner;
  }

  expectEnd(): void {
    if (!this.atEnd()) throw this.fail();
  }

  rest(): TokenRange {
    return { start: this.pos, end: this.range.end };
  }

  /** A syntax error at the current token, or at whatever follows the range. */
  fail(): SqlSyntaxError {
    return errorAt(this.ctx, Math.min(this.pos, this.range.end));
  }
}
