/**
 * ALTER TABLE ... ALTER COLUMN c [SET DATA] TYPE t [USING e]: the conversion of each row's value
 * (the assignment cast, or the USING expression over the old row coerced to the new type) is
 * bound here with PostgreSQL's errors; the catalog rewrites the rows and rebuilds the indexes;
 * then the column's default and the table's CHECK constraints are verified against the new type
 * and the converted rows, all inside the statement's transaction.
 */
import type * as pg from "pgsql-ast-parser";
import { SqlStateError, sqlstateOf } from "../../common/sqlstate-error.js";
import type { Catalog, DdlResult, Table } from "../catalog/index.js";
import { quoteIdent } from "../functions/strings.js";
import type { ScalarExpr } from "../plan/expr.js";
import { AnalyzerContext, ParamTypes } from "../analyzer/context.js";
import { coerce } from "../analyzer/coerce.js";
import { analyzeExpr, typeOfAst } from "../analyzer/expr.js";
import { Scope } from "../analyzer/scope.js";
import { parseStoredExpr, validateTableExprs } from "../analyzer/table-exprs.js";
import type { Expr } from "../parser/index.js";
import { canCast, formatType, type SqlType, type SqlValue, typeNameForMessages } from "../types/index.js";

/** What the rewrite needs of the executor (DdlHost provides it). */
export interface AlterTypeHost {
  /** Evaluates `e` over rows of `columnIds`' values (a table's columns, in table order). */
  rowEvaluator(e: ScalarExpr, columnIds: readonly number[]): (row: SqlValue[]) => SqlValue | Promise<SqlValue>;
  anyRow(sql: string): Promise<boolean>;
}

function cannotCastColumn(column: string, type: SqlType): SqlStateError {
  return new SqlStateError(`column "${column}" cannot be cast automatically to type ${typeNameForMessages(type)}`, "42804", {
    hint: `You might need to specify "USING ${quoteIdent(column)}::${formatType(type)}".`,
  });
}

/** The new value of the column as an expression over the old row (ATPrepAlterColumnType). */
async function conversion(table: Table, column: string, type: SqlType, using: Expr | undefined, ctx: AnalyzerContext): Promise<{ expr: ScalarExpr; ids: number[] }> {
  const scope = new Scope();
  const columns = table.columns.map((c) => ctx.column(c.name, c.type));
  scope.add({ name: table.name, columns });
  const target = columns[table.columns.findIndex((c) => c.name === column)]!;
  if (using === undefined) {
    if (!canCast(target.type, type, "assignment")) throw cannotCastColumn(column, type);
    const ref: ScalarExpr = { kind: "column", id: target.id, type: target.type, name: target.name };
    return { expr: coerce(ref, type, "assignment", ctx.params), ids: columns.map((c) => c.id) };
  }
  const e = await analyzeExpr(using, {
    scope,
    ctx,
    clause: "transform expressions",
    subquery: () => {
      throw new SqlStateError("cannot use subquery in transform expression", "0A000");
    },
  });
  try {
    return { expr: coerce(e, type, "assignment", ctx.params), ids: columns.map((c) => c.id) };
  } catch (err) {
    if (sqlstateOf(err) !== "42804") throw err;
    throw new SqlStateError(`result of USING clause for column "${column}" cannot be cast automatically to type ${typeNameForMessages(type)}`, "42804", {
      hint: "You might need to add an explicit cast.",
    });
  }
}

/** The default must still be assignable to the column (PostgreSQL re-coerces it). */
async function checkDefault(table: Table, column: string, type: SqlType, ctx: AnalyzerContext): Promise<void> {
  const c = table.columns.find((x) => x.name === column);
  if (c?.default === undefined || c.serial) return;
  const e = await analyzeExpr(parseStoredExpr(c.default), {
    scope: new Scope(),
    ctx,
    clause: "DEFAULT expressions",
    subquery: () => {
      throw new SqlStateError("cannot use subquery in DEFAULT expression", "0A000");
    },
  });
  // The stored default is the expression as written; PostgreSQL's is already coerced to the old type.
  const stored = coerce(e, c.type, "assignment", ctx.params);
  if (!canCast(stored.type, type, "assignment")) {
    throw new SqlStateError(`default for column "${column}" cannot be cast automatically to type ${typeNameForMessages(type)}`, "42804");
  }
}

/** One ALTER COLUMN ... TYPE of the statement. */
export interface TypeChange {
  readonly column: string;
  readonly dataType: pg.DataTypeDef;
  readonly using?: Expr;
}

/**
 * A statement's type changes, applied together: every USING expression reads the row as it was
 * before the statement, as in PostgreSQL's single rewrite.
 */
export async function alterColumnTypes(tableName: string, changes: readonly TypeChange[], catalog: Catalog, host: AlterTypeHost | undefined, ifExists: boolean): Promise<DdlResult<Table>> {
  const types = changes.map((ch) => typeOfAst(ch.dataType));
  const seen = new Set<string>();
  for (const ch of changes) {
    if (seen.has(ch.column)) throw new SqlStateError(`cannot alter type of column "${ch.column}" twice`, "0A000");
    seen.add(ch.column);
  }
  if (!host) throw new SqlStateError("ALTER COLUMN TYPE needs the executor", "XX000");
  const table = await catalog.getTable(tableName);
  const evaluators: ((row: SqlValue[]) => SqlValue | Promise<SqlValue>)[] = [];
  if (table) {
    const ctx = new AnalyzerContext(catalog, new ParamTypes());
    for (let i = 0; i < changes.length; i++) {
      const ch = changes[i]!;
      // A missing column is the catalog's error to report.
      if (!table.columns.some((c) => c.name === ch.column)) break;
      const conv = await conversion(table, ch.column, types[i]!, ch.using, ctx);
      await checkDefault(table, ch.column, types[i]!, ctx);
      evaluators.push(host.rowEvaluator(conv.expr, conv.ids));
    }
  }
  const convert = async (row: SqlValue[]): Promise<SqlValue[]> => {
    const out: SqlValue[] = [];
    for (const f of evaluators) out.push(await f(row));
    return out;
  };
  const r = await catalog.alterColumnTypes(tableName, changes.map((ch, i) => ({ column: ch.column, type: types[i]! })), convert, { ifExists });
  if (!r.done) return r;
  const t = r.value;
  await validateTableExprs(t.name, t.columns.map((c) => ({ name: c.name, type: c.type })), t.checks, new AnalyzerContext(catalog, new ParamTypes()));
  for (const check of t.checks) {
    if (await host.anyRow(`SELECT 1 FROM ${quoteIdent(t.name)} WHERE (${check.expr}) IS FALSE LIMIT 1`)) {
      throw new SqlStateError(`check constraint "${check.name}" of relation "${t.name}" is violated by some row`, "23514");
    }
  }
  return r;
}
