import { REWRITTEN_OPERATORS, type ParseContext } from "./context.js";
import { BOUNDARY, SIGN_CONTEXT } from "./keywords.js";
import type { Token } from "./lexer.js";
import { isOp, isWord, type TokenRange } from "./structure.js";

/**
 * Token-level edits on the text given to the library. Edits never move text: they insert
 * around tokens, replace a token, or replace a run of tokens, so every character of the
 * library's input maps back to a place in the original SQL.
 */
export class Edits {
  /** Inserted before token i; the first string is outermost. */
  readonly before = new Map<number, string[]>();
  /** Inserted after token i; the first string is innermost. */
  readonly after = new Map<number, string[]>();
  /** Replacement text for token i ("" drops it). */
  readonly replace = new Map<number, string>();
  /** Replacement text for tokens [i, end). */
  readonly spans = new Map<number, { end: number; text: string }>();

  addBefore(i: number, text: string): void {
    this.before.set(i, [...(this.before.get(i) ?? []), text]);
  }

  addAfter(i: number, text: string): void {
    this.after.set(i, [...(this.after.get(i) ?? []), text]);
  }
}

export interface Emitted {
  readonly text: string;
  /** Output offset -> original offset, piecewise; `exact` pieces map character by character. */
  readonly pieces: readonly { out: number; len: number; orig: number; exact: boolean }[];
}

interface Part {
  text: string;
  orig: number;
  exact: boolean;
  /** Written without a space before the next part. */
  glue?: boolean;
}

/**
 * Whether a token can end an operand, which decides if a following minus is binary and if a
 * following `[` subscripts it (rather than starting a vector literal).
 */
export function endsOperand(ctx: ParseContext, index: number): boolean {
  const t = ctx.tokens[index];
  if (!t) return false;
  switch (t.kind) {
    case "number":
    case "string":
    case "bitstring":
    case "param":
    case "qident":
      return true;
    case "punct":
      return t.value === ")" || t.value === "]";
    case "ident":
      if (t.value === "end") return (ctx.match[index] ?? -1) >= 0;
      return !BOUNDARY.has(t.value) && !SIGN_CONTEXT.has(t.value);
    default:
      return false;
  }
}

const LIBRARY_WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Quoted identifiers the library reads wrongly ("" escapes kept) or not at all (a star inside). */
const LIBRARY_QUOTED = /^[^"*]+$/;

const quoteString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Significant digits of a numeric constant's mantissa. */
const significantDigits = (raw: string) => raw.replace(/[eE].*$/, "").replace(".", "").replace(/^0+/, "").length;

/** After these words the library only takes a literal integer token (sequence options, SET TIME ZONE). */
const LITERAL_ONLY_AFTER = new Set(["minvalue", "maxvalue", "increment", "restart", "cache", "start", "zone", "with", "by"]);

/**
 * Numbers the library cannot read right become placeholders: exponents (which it splits off as
 * an alias) and, where an expression may stand, more digits than a double holds exactly. The
 * source text goes along when the double loses the value (too many digits, out of range).
 */
function numberPlaceholder(ctx: ParseContext, i: number): { value: number; integer: boolean; text?: string } | null {
  const t = ctx.tokens[i] as Token;
  const exponent = /[eE]/.test(t.value);
  // Trailing zeros after the point are a numeric's display scale (4.20 is not 4.2), which a double drops.
  const long = significantDigits(t.value) > 15 || /\.\d*0$/.test(t.value);
  let before = i - 1;
  if (isOp(ctx.tokens[before], "-") || isOp(ctx.tokens[before], "+")) before--;
  const prev = ctx.tokens[before];
  if (!exponent && (!long || (prev?.kind === "ident" && LITERAL_ONLY_AFTER.has(prev.value)))) return null;
  const integer = !exponent && !t.value.includes(".");
  const value = Number(t.value);
  const lost = long || !Number.isFinite(value) || (value === 0 && /[1-9]/.test(t.value.replace(/[eE].*$/, "")));
  return { value, integer, ...(lost ? { text: t.value } : {}) };
}

/** The token as the library should read it: same meaning, in a spelling its lexer handles. */
function tokenText(ctx: ParseContext, i: number): { text: string; exact: boolean } {
  const t = ctx.tokens[i] as Token;
  const raw = ctx.sql.slice(t.start, t.end);
  switch (t.kind) {
    case "ident":
      return LIBRARY_WORD.test(raw) ? { text: raw, exact: true } : { text: ctx.registry.identifier(t.value), exact: false };
    case "qident":
      return raw.startsWith('"') && LIBRARY_QUOTED.test(t.value)
        ? { text: raw, exact: true }
        : { text: ctx.registry.identifier(t.value), exact: false };
    case "string":
      // The library takes DO's body only in $$ quotes, and other strings only in single quotes.
      if (isWord(ctx.tokens[i - 1], "do") && !t.value.includes("$$")) return { text: `$$${t.value}$$`, exact: raw === `$$${t.value}$$` };
      return { text: quoteString(t.value), exact: raw === quoteString(t.value) };
    case "bitstring":
      return { text: `CAST(${quoteString(t.value)} AS varbit)`, exact: false };
    case "number": {
      const literal = numberPlaceholder(ctx, i);
      return literal ? { text: ctx.registry.number(literal), exact: false } : { text: raw, exact: true };
    }
    default:
      return { text: raw, exact: true };
  }
}

/** A unary minus directly before a number stays glued to it: the library reads `-1` as a constant. */
function isGluedSign(ctx: ParseContext, range: TokenRange, edits: Edits, i: number): boolean {
  const t = ctx.tokens[i] as Token;
  const next = ctx.tokens[i + 1];
  if (!isOp(t, "-") || next?.kind !== "number" || i + 1 >= range.end || t.end !== next.start) return false;
  if (numberPlaceholder(ctx, i + 1) || edits.after.has(i) || edits.before.has(i + 1) || edits.replace.has(i + 1)) return false;
  return i === range.start || !endsOperand(ctx, i - 1);
}

export function emit(ctx: ParseContext, range: TokenRange, edits: Edits, prefixText?: string): Emitted {
  const parts: Part[] = [];
  const anchor = ctx.tokens[range.start]?.start ?? ctx.sql.length;
  if (prefixText) parts.push({ text: prefixText, orig: anchor, exact: false });
  for (let i = range.start; i < range.end; ) {
    const t = ctx.tokens[i] as Token;
    for (const s of edits.before.get(i) ?? []) parts.push({ text: s, orig: t.start, exact: false });
    const span = edits.spans.get(i);
    if (span) {
      parts.push({ text: span.text, orig: t.start, exact: false });
      const last = ctx.tokens[span.end - 1] as Token;
      for (const s of edits.after.get(span.end - 1) ?? []) parts.push({ text: s, orig: last.end, exact: false });
      i = span.end;
      continue;
    }
    const replaced = edits.replace.get(i);
    if (replaced !== undefined) parts.push({ text: replaced, orig: t.start, exact: false });
    else parts.push({ ...tokenText(ctx, i), orig: t.start, glue: isGluedSign(ctx, range, edits, i) });
    for (const s of edits.after.get(i) ?? []) parts.push({ text: s, orig: t.end, exact: false });
    i++;
  }
  let text = "";
  const pieces: { out: number; len: number; orig: number; exact: boolean }[] = [];
  parts.forEach((p, k) => {
    if (p.text === "") return;
    if (text !== "" && !parts[k - 1]?.glue) text += " ";
    pieces.push({ out: text.length, len: p.text.length, orig: p.orig, exact: p.exact });
    text += p.text;
  });
  return { text, pieces };
}

/** The original offset of an offset in the emitted text. */
export function originalOffset(emitted: Emitted, out: number): number {
  let best = emitted.pieces[0];
  for (const p of emitted.pieces) {
    if (p.out > out) break;
    best = p;
  }
  if (!best) return 0;
  return best.exact ? best.orig + Math.min(Math.max(out - best.out, 0), best.len) : best.orig;
}

export const isRewrittenOperator = (t: Token | undefined): boolean =>
  t !== undefined && t.kind === "op" && (REWRITTEN_OPERATORS as readonly string[]).includes(t.value);
