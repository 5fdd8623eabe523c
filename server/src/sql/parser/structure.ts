import type { Token } from "./lexer.js";

/** A run of tokens [start, end): a statement, a clause, the inside of parentheses... */
export interface TokenRange {
  readonly start: number;
  readonly end: number;
}

export const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && t.kind === "punct" && t.value === p;
export const isWord = (t: Token | undefined, w: string): boolean => t !== undefined && t.kind === "ident" && t.value === w;
export const isOp = (t: Token | undefined, op: string): boolean => t !== undefined && t.kind === "op" && t.value === op;

/**
 * Statements end at a top-level semicolon. An unclosed parenthesis keeps the rest of the text
 * in one statement, so the error points at the stray semicolon, as PostgreSQL's would.
 */
export function splitStatements(tokens: readonly Token[]): { range: TokenRange; semicolon: number | null }[] {
  const out: { range: TokenRange; semicolon: number | null }[] = [];
  let depth = 0;
  let start = 0;
  tokens.forEach((t, i) => {
    if (isPunct(t, "(") || isPunct(t, "[")) depth++;
    else if ((isPunct(t, ")") || isPunct(t, "]")) && depth > 0) depth--;
    else if (isPunct(t, ";") && depth === 0) {
      out.push({ range: { start, end: i }, semicolon: i });
      start = i + 1;
    }
  });
  if (start < tokens.length) out.push({ range: { start, end: tokens.length }, semicolon: null });
  return out;
}

type Opener = "(" | "[" | "case";

function openerOf(t: Token): Opener | null {
  if (isPunct(t, "(")) return "(";
  if (isPunct(t, "[")) return "[";
  if (isWord(t, "case")) return "case";
  return null;
}

function closerOf(t: Token): Opener | null {
  if (isPunct(t, ")")) return "(";
  if (isPunct(t, "]")) return "[";
  if (isWord(t, "end")) return "case";
  return null;
}

/**
 * Pairs ( ) , [ ] and CASE END inside a range: `match[i]` is the partner's index, -1 if none.
 * A closer skips over unclosed openers nested in it (they stay unmatched); END never closes a
 * CASE outside the parentheses it is in.
 */
export function matchPairs(tokens: readonly Token[], range: TokenRange, match: Int32Array): void {
  const stack: { kind: Opener; index: number }[] = [];
  for (let i = range.start; i < range.end; i++) {
    const t = tokens[i] as Token;
    match[i] = -1;
    const open = openerOf(t);
    if (open) {
      stack.push({ kind: open, index: i });
      continue;
    }
    const close = closerOf(t);
    if (!close) continue;
    let k = stack.length - 1;
    if (close === "case") {
      if (stack[k]?.kind !== "case") continue;
    } else {
      while (k >= 0 && stack[k]?.kind !== close) k--;
      if (k < 0) continue;
    }
    const opener = stack[k] as { kind: Opener; index: number };
    stack.length = k;
    match[opener.index] = i;
    match[i] = opener.index;
  }
}
