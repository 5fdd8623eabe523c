/**
 * Expressions stored in the catalog as SQL text (column DEFAULTs, CHECK constraints): printing
 * them from the AST at DDL time, and binding them again for a write.
 */
import { toSql } from "pgsql-ast-parser";
import type * as pg from "pgsql-ast-parser";
import { SqlStateError, sqlstateOf } from "../../common/sqlstate-error.js";
import type { Column, Table } from "../catalog/index.js";
import { parseSql } from "../parser/index.js";
import type { Expr } from "../parser/index.js";
import type { ScalarExpr } from "../plan/expr.js";
import type { CheckConstraint, OutputColumn } from "../plan/logical.js";
import { formatType, type SqlType, TEXT } from "../types/index.js";
import type { AnalyzerContext } from "./context.js";
import { coerce } from "./coerce.js";
import { analyzeExpr, type ExprEnv } from "./expr.js";
import { Scope } from "./scope.js";

/** SQL text for an expression, re-parseable by parseSql. */
export function exprToSql(e: Expr): string {
  return toSql.expr(replaceExtensions(e) as pg.Expr);
}

/** Our parser's extension nodes, rewritten into library nodes that print as equivalent SQL. */
function replaceExtensions(e: unknown): unknown {
  if (Array.isArray(e)) return e.map(replaceExtensions);
  if (typeof e !== "object" || e === null) return e;
  const node = e as Record<string, unknown>;
  if (node.type === "vector literal") {
    return { type: "cast", operand: { type: "string", value: `[${(node.values as number[]).join(",")}]` }, to: { name: "vector" } };
  }
  if (node.type === "binary" && (node.op === "<->" || node.op === "<=>" || node.op === "<#>")) {
    const fn = node.op === "<->" ? "l2_distance" : node.op === "<=>" ? "cosine_distance" : "negative_inner_product";
    return { type: "call", function: { name: fn }, args: [replaceExtensions(node.left), replaceExtensions(node.right)] };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = replaceExtensions(v);
  return out;
}

/** Parses a stored expression's text. */
export function parseStoredExpr(text: string): Expr {
  const [stmt] = parseSql(`SELECT ${text}`);
  const sel = stmt as pg.SelectFromStatement;
  const expr = sel?.columns?.[0]?.expr;
  if (!expr) throw new SqlStateError(`stored expression does not parse: ${text}`, "XX000");
  return expr as Expr;
}

function env(ctx: AnalyzerContext, scope: Scope, clause: string): ExprEnv {
  return {
    scope,
    ctx,
    clause,
    subquery: () => {
      throw new SqlStateError(`cannot use subquery in ${clause}`, "0A000");
    },
  };
}

/** The DEFAULT of a column as a bound expression of its type (NULL when it has none). */
export async function defaultExpr(column: Column, ctx: AnalyzerContext): Promise<ScalarExpr> {
  if (column.serial) {
    const seq = { kind: "const" as const, value: column.serial, type: TEXT };
    const call = await analyzeExpr({ type: "call", function: { name: "nextval" }, args: [{ type: "string", value: column.serial }] } as unknown as Expr, env(ctx, new Scope(), "DEFAULT expressions"));
    void seq;
    return coerce(call, column.type, "assignment", ctx.params, `column "${column.name}"`);
  }
  if (column.default === undefined) return { kind: "const", value: null, type: column.type };
  const e = await analyzeExpr(parseStoredExpr(column.default), env(ctx, new Scope(), "DEFAULT expressions"));
  return coerce(e, column.type, "assignment", ctx.params, `column "${column.name}"`);
}

/**
 * Binds a new table's DEFAULT and CHECK expressions once, at CREATE TABLE, so that mistakes fail
 * there as in PostgreSQL (a default of the wrong type or naming a column, a CHECK that is not
 * boolean or names an unknown column) rather than at the first write.
 */
export async function validateTableExprs(
  table: string,
  columns: readonly { readonly name: string; readonly type: SqlType; readonly default?: string; readonly serial?: boolean }[],
  checks: readonly { readonly expr: string }[],
  ctx: AnalyzerContext,
): Promise<void> {
  for (const c of columns) {
    if (c.default === undefined || c.serial) continue;
    let e: ScalarExpr;
    try {
      e = await analyzeExpr(parseStoredExpr(c.default), env(ctx, new Scope(), "DEFAULT expressions"));
    } catch (err) {
      if (sqlstateOf(err) === "42703") throw new SqlStateError("cannot use column reference in DEFAULT expression", "0A000");
      throw err;
    }
    try {
      coerce(e, c.type, "assignment", ctx.params, `column "${c.name}"`);
    } catch (err) {
      if (sqlstateOf(err) !== "42804") throw err;
      throw new SqlStateError(`column "${c.name}" is of type ${formatType(c.type)} but default expression is of type ${formatType(e.type)}`, "42804", {
        hint: "You will need to rewrite or cast the expression.",
      });
    }
  }
  if (checks.length === 0) return;
  const scope = new Scope();
  scope.add({ name: table, columns: columns.map((c) => ctx.column(c.name, c.type)) });
  for (const c of checks) {
    const e = await analyzeExpr(parseStoredExpr(c.expr), env(ctx, scope, "check constraints"));
    if (e.type.kind !== "bool" && e.type.kind !== "unknown" && e.type.kind !== "null") {
      throw new SqlStateError(`argument of CHECK must be type boolean, not type ${formatType(e.type)}`, "42804");
    }
  }
}

/** The table's CHECK constraints bound over `rowColumns` (the row being written, table order). */
export async function checkConstraints(table: Table, rowColumns: readonly OutputColumn[], ctx: AnalyzerContext): Promise<CheckConstraint[]> {
  if (table.checks.length === 0) return [];
  const scope = new Scope();
  scope.add({ name: table.name, columns: rowColumns });
  const out: CheckConstraint[] = [];
  for (const c of table.checks) {
    out.push({ name: c.name, expr: await analyzeExpr(parseStoredExpr(c.expr), env(ctx, scope, "check constraints")) });
  }
  return out;
}

/** Output columns naming a table's columns under fresh ids (the row a write produces). */
export function rowColumnsOf(table: Table, ctx: AnalyzerContext): OutputColumn[] {
  return table.columns.map((c, i) => ({ id: ctx.newColumnId(), name: c.name, type: c.type, tableOid: table.id, columnNumber: i + 1 }));
}
