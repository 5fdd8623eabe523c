import type { Statement, VectorMetric, WindowFrame } from "./ast.js";
import { syntaxError, type SqlSyntaxError } from "./errors.js";
import { sourceText, type Token } from "./lexer.js";
import type { TokenRange } from "./structure.js";

/**
 * Operators PostgreSQL parses at its "any other operator" precedence. We rewrite each of them
 * into a placeholder function call at that precedence ourselves, because the library either
 * does not know them (the vector ones) or puts them at another level (`'a' || 1 + 2` would be
 * `('a' || 1) + 2`). The index in this table is part of the placeholder name.
 */
export const REWRITTEN_OPERATORS = [
  "<->",
  "<=>",
  "<#>",
  "||",
  "@>",
  "<@",
  "?",
  "?|",
  "?&",
  "#>>",
  "#-",
  "&&",
  "~",
  "~*",
  "!~",
  "!~*",
  "@@",
  "|",
  "&",
  "#",
  "<<",
  ">>",
  "#>",
] as const;

/**
 * Constructs the library lacks, written as marked binary operators (see Registry.markedOperator):
 * IS DISTINCT FROM, IS NOT DISTINCT FROM, IS UNKNOWN, IS NOT UNKNOWN, ESCAPE, SIMILAR TO.
 */
export type MarkedOperator = "isdf" | "isndf" | "isu" | "isnu" | "esc" | "sim";

/** A frame bound before its offset expression is known (it arrives as a placeholder argument). */
export type FrameBoundShape = { type: "unbounded preceding" | "current row" | "unbounded following" } | { type: "preceding" | "following" };

export interface FrameShape {
  mode: WindowFrame["mode"];
  start: FrameBoundShape;
  end: FrameBoundShape;
  exclude?: WindowFrame["exclude"];
}

/**
 * A window that names another: `OVER w` (bare), `OVER (w ...)`, `WINDOW w2 AS (w ...)`. The
 * library parses none of these; the name travels in the registry.
 */
export interface WindowRef {
  name: string;
  /** `OVER w`, without parentheses: the named window as it is, frame included. */
  bare: boolean;
  /** A PARTITION BY was written after the name (an error PostgreSQL reports when analysing). */
  partitionBy: boolean;
}

/** `trim(LEADING x FROM y)` is `ltrim(y, x)`: the written first argument goes last. */
export interface SpecialCall {
  name: string;
  firstArgumentLast: boolean;
}

/**
 * Side tables for the placeholders written into the text given to the library. Every
 * placeholder name starts with `prefix`, chosen so that it occurs nowhere in the SQL (in any
 * case), which makes mapping back unambiguous: no user identifier, string or function name
 * can be mistaken for one.
 */
export class Registry {
  readonly prefix: string;
  readonly vectors: number[][] = [];
  readonly numbers: { value: number; integer: boolean; text?: string }[] = [];
  readonly identifiers: string[] = [];
  readonly frames: FrameShape[] = [];
  readonly windowRefs: WindowRef[] = [];
  /** Names of the WINDOW clause's windows, by the index in their placeholder. */
  readonly windowNames: string[] = [];
  readonly metrics: VectorMetric[] = [];
  /** The field qualifiers of interval types (`day to second`), by the index in their placeholder. */
  readonly intervalFields: string[] = [];
  /** Calls with SQL-standard argument syntax, as the plain calls PostgreSQL turns them into. */
  readonly specialCalls: SpecialCall[] = [];
  /** Primary key columns written with DESC, by the index in their placeholder name. */
  readonly descendingKeys: string[] = [];
  /** Queries parsed separately (set operations, WITH) and grafted back in place of `SELECT <q>`. */
  readonly grafts: (Statement | undefined)[] = [];

  constructor(sql: string) {
    const lower = sql.toLowerCase();
    let n = 0;
    while (lower.includes(`_av${n}_`)) n++;
    this.prefix = `_av${n}_`;
  }

  operatorCall(op: string): string {
    return `${this.prefix}op${REWRITTEN_OPERATORS.indexOf(op as (typeof REWRITTEN_OPERATORS)[number])}(`;
  }

  vector(values: number[]): string {
    return `${this.prefix}vec${this.vectors.push(values) - 1}()`;
  }

  number(literal: { value: number; integer: boolean; text?: string }): string {
    return `${this.prefix}num${this.numbers.push(literal) - 1}()`;
  }

  identifier(name: string): string {
    return `"${this.prefix}id${this.identifiers.push(name) - 1}"`;
  }

  frame(shape: FrameShape): string {
    return `${this.prefix}fr${this.frames.push(shape) - 1}(`;
  }

  /** An ORDER BY item marking a window that refers to another (restore removes it). */
  windowRef(ref: WindowRef): string {
    return `${this.prefix}wr${this.windowRefs.push(ref) - 1}()`;
  }

  /** `<marker>() OVER (spec)`: a WINDOW clause entry written as an ORDER BY item of its SELECT. */
  windowDefinition(name: string): string {
    return `${this.prefix}wd${this.windowNames.push(name) - 1}()`;
  }

  intervalType(fields: string): string {
    return `${this.prefix}it${this.intervalFields.push(fields) - 1}`;
  }

  vectorType(metric: VectorMetric): string {
    return `${this.prefix}vt${this.metrics.push(metric) - 1}`;
  }

  specialCall(call: SpecialCall): string {
    return `${this.prefix}sc${this.specialCalls.push(call) - 1}`;
  }

  /**
   * `OPERATOR(<marker>.<op>)`: a binary operator the library parses at the level of `op` and
   * keeps the marker of (as `opSchema`), standing in for a construct it lacks (IS DISTINCT FROM,
   * ESCAPE, SIMILAR TO); restore turns the node back into that construct.
   */
  markedOperator(kind: MarkedOperator, op: "=" | "<>" | "+"): string {
    return `OPERATOR(${this.prefix}${kind}0.${op})`;
  }

  /** A name standing for a key column written with DESC (in a PRIMARY KEY constraint). */
  descendingKey(name: string): string {
    return `"${this.prefix}dk${this.descendingKeys.push(name) - 1}"`;
  }

  /** A marker call: a HAVING without GROUP BY gets `GROUP BY <marker>`, dropped again by restore. */
  marker(kind: "ng" | "nat" | "us"): string {
    return `${this.prefix}${kind}0`;
  }

  graft(): { index: number; text: string } {
    const index = this.grafts.push(undefined) - 1;
    return { index, text: `SELECT ${this.prefix}q${index}` };
  }

  /** Splits a placeholder name into its kind and index, or null for any other name. */
  parse(name: string): { kind: string; index: number } | null {
    if (!name.startsWith(this.prefix)) return null;
    const m = /^([a-z]+)(\d+)$/.exec(name.slice(this.prefix.length));
    return m ? { kind: m[1] as string, index: Number(m[2]) } : null;
  }
}

export interface ParseContext {
  readonly sql: string;
  readonly tokens: readonly Token[];
  /** Partner of each ( [ CASE and ) ] END, -1 if unmatched (see matchPairs). */
  readonly match: Int32Array;
  readonly registry: Registry;
}

export function tokenAt(ctx: ParseContext, index: number): Token | undefined {
  return ctx.tokens[index];
}

/**
 * A syntax error at token `index`. Past the last token it is "at end of input"; a range's
 * `end` index names the token after the range (a `;` or `)`), as PostgreSQL would report it.
 */
export function errorAt(ctx: ParseContext, index: number): SqlSyntaxError {
  const t = ctx.tokens[index];
  return t ? syntaxError(ctx.sql, t.start, sourceText(ctx.sql, t)) : syntaxError(ctx.sql, ctx.sql.length, null);
}

export function isEmpty(range: TokenRange): boolean {
  return range.start >= range.end;
}
