import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Expr, Statement } from "./ast.js";
import { SqlPositionedError } from "./errors.js";
import { parseSql } from "./index.js";

/** Helpers for the parser's tests. */

/** The one statement in `sql`, without its span. */
export function parseOne(sql: string): Statement {
  const statements = parseSql(sql);
  if (statements.length !== 1) throw new Error(`expected one statement, got ${statements.length}`);
  const { span: _span, ...statement } = statements[0] as Statement & { span: unknown };
  return statement as Statement;
}

/** The first select-list expression of `SELECT <expr>`. */
export function parseExpr(expr: string): Expr {
  const s = parseOne(`SELECT ${expr}`) as { columns?: { expr: Expr }[] };
  const e = s.columns?.[0]?.expr;
  if (!e) throw new Error(`no expression in ${expr}`);
  return e;
}

/** JSON round trip: what a golden file can hold (no undefined members). */
export function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

/** The error parseSql throws for `sql`, or null when it parses. */
export function parseError(sql: string): SqlStateError | null {
  try {
    parseSql(sql);
    return null;
  } catch (e) {
    if (e instanceof SqlStateError) return e;
    throw e;
  }
}

/** What parseSql may throw: 42601 mostly, and the codes PostgreSQL itself uses for a few cases. */
export const PARSER_SQLSTATES: ReadonlySet<string> = new Set(["42601", "22021", "22023", "54001"]);

export function isAllowedParserError(e: unknown): boolean {
  if (!(e instanceof SqlStateError) || !PARSER_SQLSTATES.has(e.sqlstate)) return false;
  return e.sqlstate === "54001" || (e instanceof SqlPositionedError && Number.isInteger(e.position) && e.position >= 1);
}
