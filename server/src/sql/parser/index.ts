import { SqlStateError } from "../../common/sqlstate-error.js";
import type { ParsedStatement } from "./ast.js";
import { Registry, type ParseContext } from "./context.js";
import { tokenize } from "./lexer.js";
import { parseStatement } from "./statement.js";
import { matchPairs, splitStatements } from "./structure.js";

export type * from "./ast.js";
export { isSetOperator, VECTOR_OPERATORS } from "./ast.js";
export { SqlPositionedError, SqlSyntaxError } from "./errors.js";

/**
 * Parses a query string (one or more statements separated by semicolons) into ASTs, each with
 * its source span. Throws SqlSyntaxError (42601, with a PostgreSQL-style message and 1-based
 * character position) for text that does not parse; a few lexical and COPY option errors
 * carry the SQLSTATE PostgreSQL gives them (22021, 22023) and a position as well; nesting
 * too deep for the call stack is 54001. Empty statements (`;;`, comments only) are skipped.
 */
export function parseSql(sql: string): ParsedStatement[] {
  try {
    return parseStatements(sql);
  } catch (e) {
    // Like PostgreSQL's check_stack_depth: absurdly deep nesting is an error, not a crash.
    if (e instanceof RangeError && /call stack/i.test(e.message)) throw new SqlStateError("stack depth limit exceeded", "54001");
    throw e;
  }
}

function parseStatements(sql: string): ParsedStatement[] {
  const tokens = tokenize(sql);
  const ctx: ParseContext = { sql, tokens, match: new Int32Array(tokens.length), registry: new Registry(sql) };
  const out: ParsedStatement[] = [];
  for (const { range } of splitStatements(tokens)) {
    if (range.start >= range.end) continue;
    matchPairs(tokens, range, ctx.match);
    const statement = parseStatement(ctx, range);
    const first = tokens[range.start];
    const last = tokens[range.end - 1];
    out.push({ ...statement, span: { start: first?.start ?? 0, end: last?.end ?? 0 } } as ParsedStatement);
  }
  return out;
}
