import { parse as libraryParse } from "pgsql-ast-parser";
import type { Statement } from "./ast.js";
import { errorAt, type ParseContext } from "./context.js";
import { emit, originalOffset, type Emitted } from "./edits.js";
import { SqlPositionedError, type SqlSyntaxError } from "./errors.js";
import { restore } from "./restore.js";
import { rewriteRange } from "./rewrite.js";
import type { TokenRange } from "./structure.js";

/** Parses grafted queries (set operations, WITH) with our own query parser. */
export type QueryParser = (range: TokenRange) => Statement;

/**
 * Parses a token range with pgsql-ast-parser after rewriting it, and maps the result back.
 * With `prefixText`, that text is parsed in front of the range (used to parse a lone
 * ORDER BY / LIMIT tail as `SELECT 1 <tail>`).
 */
export function parseWithLibrary(ctx: ParseContext, range: TokenRange, parseQuery: QueryParser, prefixText?: string): Statement {
  const { edits, grafts } = rewriteRange(ctx, range);
  const emitted = emit(ctx, range, edits, prefixText);
  const errors: SqlPositionedError[] = [];
  let parsed: unknown;
  try {
    const statements = libraryParse(emitted.text);
    if (statements.length !== 1) throw errorAt(ctx, statements.length === 0 ? range.end : range.start);
    parsed = statements[0];
  } catch (e) {
    errors.push(e instanceof SqlPositionedError ? e : libraryError(ctx, range, emitted, e));
  }
  const stray = strayCharacter(ctx, range, edits.spans);
  if (stray) errors.push(stray);
  for (const g of grafts) {
    try {
      ctx.registry.grafts[g.index] = parseQuery(g.range);
    } catch (e) {
      if (!(e instanceof SqlPositionedError)) throw e;
      errors.push(e);
    }
  }
  // PostgreSQL reports the first error in the text; the pieces were parsed independently.
  const first = errors.sort((a, b) => a.position - b.position)[0];
  if (first) throw first;
  return restore(parsed, ctx.registry) as Statement;
}

/** A character PostgreSQL has no token for; the library may not notice it. */
function strayCharacter(ctx: ParseContext, range: TokenRange, spans: ReadonlyMap<number, { end: number }>): SqlSyntaxError | null {
  for (let i = range.start; i < range.end; i++) {
    const span = spans.get(i);
    if (span) i = span.end - 1;
    else if (ctx.tokens[i]?.kind === "other") return errorAt(ctx, i);
  }
  return null;
}

/** The library's error as ours: the token it failed on, located in the original SQL. */
function libraryError(ctx: ParseContext, range: TokenRange, emitted: Emitted, e: unknown): SqlSyntaxError {
  const out = failureOffset(emitted.text, e);
  if (out === null || out >= emitted.text.length) return errorAt(ctx, range.end);
  const orig = originalOffset(emitted, out);
  for (let i = range.start; i < range.end; i++) {
    if ((ctx.tokens[i]?.end ?? 0) > orig) return errorAt(ctx, i);
  }
  return errorAt(ctx, range.end);
}

/** Where in its input the library failed, or null for "unexpected end of input". */
function failureOffset(text: string, e: unknown): number | null {
  if (typeof e !== "object" || e === null) return 0;
  const token = (e as { token?: { offset?: unknown } }).token;
  if (typeof token?.offset === "number") return token.offset;
  const message = String((e as { message?: unknown }).message ?? "");
  const m = /line (\d+) col (\d+)/.exec(message);
  if (m) {
    let offset = 0;
    for (let line = 1; line < Number(m[1]); line++) offset = text.indexOf("\n", offset) + 1;
    return offset + Number(m[2]) - 1;
  }
  return message.includes("Unexpected end of input") ? null : 0;
}
