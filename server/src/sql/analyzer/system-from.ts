/**
 * FROM items that are not stored tables: system tables (pg_catalog, information_schema), which
 * scan like tables without locks or storage, and set-returning functions, whose arguments may
 * read an enclosing query's columns and, as in PostgreSQL (implicitly LATERAL), the FROM items
 * before them.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type * as pg from "pgsql-ast-parser";
import { isSetReturningName, lookupSetReturning } from "../functions/index.js";
import type { Expr } from "../parser/index.js";
import type { ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan } from "../plan/logical.js";
import { isSystemSchema, lookupSystemTable } from "../system/index.js";
import { INT8 } from "../types/index.js";
import { coerce, isUnknownType } from "./coerce.js";
import { regCast } from "./reg-types.js";
import type { AnalyzerContext } from "./context.js";
import type { Scope } from "./scope.js";

/** The system table a FROM name stands for; undefined for a stored table (42P01 for a missing system one). */
export function systemTableFor(name: pg.QNameAliased): ReturnType<typeof lookupSystemTable> {
  const found = lookupSystemTable(name.schema, name.name);
  if (!found && name.schema && isSystemSchema(name.schema)) throw new SqlStateError(`relation "${name.schema}.${name.name}" does not exist`, "42P01");
  return found;
}

/** `fn(args) [WITH ORDINALITY] [AS alias [(columns)]]` in FROM. */
export async function functionScan(
  item: pg.FromCall,
  ctx: AnalyzerContext,
  scope: Scope,
  analyze: (e: Expr) => Promise<ScalarExpr>,
): Promise<Extract<LogicalPlan, { kind: "function scan" }>> {
  const name = item.function.name.toLowerCase();
  if (item.function.schema && item.function.schema !== "pg_catalog") throw new SqlStateError(`schema "${item.function.schema}" does not exist`, "3F000");
  if (!isSetReturningName(name)) throw new SqlStateError(`function ${name} in FROM is not supported (only set-returning functions are)`, "0A000");
  const args = await Promise.all(item.args.map((a) => analyze(a as Expr)));
  const fn = lookupSetReturning(name, args.map((a) => a.type))!;
  // An untyped 't' given for a regclass parameter names a relation: it is resolved now.
  const coerced: ScalarExpr[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const target = fn.argTypes[i]!;
    coerced.push((isUnknownType(a.type) ? await regCast(a, target, ctx) : undefined) ?? coerce(a, target, "implicit", ctx.params));
  }
  const alias = item.alias?.name ?? name;
  const aliases = item.alias?.columns?.map((c) => c.name) ?? [];
  const ordinality = item.withOrdinality === true;
  // A function returning one unnamed value names its column after the alias, as PostgreSQL
  // does; one with named output columns (json_each's key and value) keeps their names.
  const outputs = fn.columns ?? [{ name: item.alias?.name ?? name, type: fn.returns }];
  const available = outputs.length + (ordinality ? 1 : 0);
  if (aliases.length > available) throw new SqlStateError(`table "${alias}" has ${available} columns available but ${aliases.length} columns specified`, "42P10");
  const columns = outputs.map((c, i) => ctx.column(aliases[i] ?? c.name, c.type));
  if (ordinality) columns.push(ctx.column(aliases[outputs.length] ?? "ordinality", INT8));
  scope.add({ name: alias, columns });
  return { kind: "function scan", fn, args: coerced, alias, ordinality, columns };
}

/**
 * `SELECT srf(...) [, other items]` without FROM: PostgreSQL runs the set-returning function
 * per row; with no FROM that is the same as reading it from FROM, which is what this rewrite
 * does (one such function; others in a select list are refused when analysed).
 */
export function setReturningSelectList(s: pg.SelectFromStatement): pg.SelectFromStatement {
  if ((s.from && s.from.length > 0) || !s.columns) return s;
  const at = s.columns.findIndex((c) => c.expr.type === "call" && isSetReturningName((c.expr as pg.ExprCall).function.name.toLowerCase()) && !(c.expr as { over?: unknown }).over);
  if (at < 0) return s;
  const call = s.columns[at]!.expr as pg.ExprCall;
  const name = call.function.name.toLowerCase();
  // PostgreSQL returns a record per row here, a type Alopex values do not have.
  if (name.includes("_each")) throw new SqlStateError(`${name} in a select list is not supported (it returns a record): use it in FROM`, "0A000");
  const alias = "*SELECT*";
  const from: pg.FromCall = { type: "call", function: call.function, args: call.args, alias: { name: alias, columns: [{ name }] } };
  const columns = s.columns.map((c, i) => (i === at ? { ...c, expr: { type: "ref", table: { name: alias }, name } as pg.ExprRef, alias: c.alias ?? { name } } : c));
  return { ...s, from: [from], columns };
}
