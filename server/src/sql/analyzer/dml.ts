/** INSERT, UPDATE and DELETE to logical plans. */
import type * as pg from "pgsql-ast-parser";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Index, Table } from "../catalog/index.js";
import { aggregateNames } from "../functions/aggregates.js";
import { isSetReturningName } from "../functions/index.js";
import { parseSql } from "../parser/index.js";
import type { Expr, Statement } from "../parser/index.js";
import { BOOL, type ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan, OnConflict, OutputColumn } from "../plan/logical.js";
import type { AnalyzerContext } from "./context.js";
import { coerce, isUnknownType } from "./coerce.js";
import { analyzeExpr, type ExprEnv, finalizeUnknown } from "./expr.js";
import { Scope, type ScopeRelation } from "./scope.js";
import { analyzeQuery, analyzeValues, columnName, columnRefOf, scanOf } from "./select.js";
import { checkConstraints, defaultExpr, rowColumnsOf } from "./table-exprs.js";

function env(scope: Scope, ctx: AnalyzerContext, clause: string): ExprEnv {
  return { scope, ctx, clause, subquery: (s, sc) => analyzeQuery(s, ctx, sc) };
}

const VIEW_WRITE_HINTS = {
  insert: ["insert into", "To enable inserting into the view, provide an INSTEAD OF INSERT trigger or an unconditional ON INSERT DO INSTEAD rule."],
  update: ["update", "To enable updating the view, provide an INSTEAD OF UPDATE trigger or an unconditional ON UPDATE DO INSTEAD rule."],
  delete: ["delete from", "To enable deleting from the view, provide an INSTEAD OF DELETE trigger or an unconditional ON DELETE DO INSTEAD rule."],
} as const;

/**
 * Why PostgreSQL would not update through a view (its view_query_is_auto_updatable, in its
 * order); for the simple views it does update through, that Alopex does not.
 */
/** The function calls in an AST (not inside subqueries: those are other query levels). */
function callsIn(node: unknown, out: { name: string; over: boolean }[] = []): { name: string; over: boolean }[] {
  if (Array.isArray(node)) {
    for (const n of node) callsIn(n, out);
    return out;
  }
  if (typeof node !== "object" || node === null) return out;
  const o = node as Record<string, unknown>;
  if (o.type === "select" || o.type === "union" || o.type === "with" || o.type === "values") return out;
  if (o.type === "call") {
    const fn = o.function as { name?: string } | undefined;
    out.push({ name: (fn?.name ?? "").toLowerCase(), over: o.over !== undefined && o.over !== null });
  }
  for (const v of Object.values(o)) callsIn(v, out);
  return out;
}

export function notUpdatableDetail(definition: string, command: "insert" | "update" | "delete" = "insert"): string {
  const [stmt] = parseSql(definition);
  const kind = (stmt as { type: string } | undefined)?.type;
  if (kind === "with") return "Views containing WITH are not automatically updatable.";
  if (kind !== "select") return kind === "values" ? "Views that do not select from a single table or view are not automatically updatable." : "Views containing UNION, INTERSECT, or EXCEPT are not automatically updatable.";
  const q = stmt as (pg.SelectFromStatement & { distinct?: unknown; groupBy?: unknown[]; having?: unknown; limit?: unknown }) | undefined;
  if (q?.distinct) return "Views containing DISTINCT are not automatically updatable.";
  if (q?.groupBy && q.groupBy.length > 0) return "Views containing GROUP BY are not automatically updatable.";
  if (q?.having) return "Views containing HAVING are not automatically updatable.";
  if (q?.limit) return "Views containing LIMIT or OFFSET are not automatically updatable.";
  // PostgreSQL looks at the output columns for INSERT and UPDATE only.
  if (command !== "delete") {
    const calls = callsIn(q?.columns ?? []);
    const aggregates = new Set(aggregateNames());
    if (calls.some((c) => !c.over && aggregates.has(c.name))) return "Views that return aggregate functions are not automatically updatable.";
    if (calls.some((c) => c.over)) return "Views that return window functions are not automatically updatable.";
    if (calls.some((c) => isSetReturningName(c.name))) return "Views that return set-returning functions are not automatically updatable.";
  }
  if (!q?.from || q.from.length !== 1 || q.from[0]!.type !== "table") return "Views that do not select from a single table or view are not automatically updatable.";
  return "Alopex does not update through views.";
}

async function targetTable(name: pg.QName, ctx: AnalyzerContext, command: "insert" | "update" | "delete"): Promise<{ table: Table; indexes: readonly Index[] }> {
  if (name.schema && name.schema !== "public") throw new SqlStateError(`relation "${name.schema}.${name.name}" does not exist`, "42P01");
  const view = await ctx.lookupView(name.name);
  if (view) {
    const [verb, hint] = VIEW_WRITE_HINTS[command];
    throw new SqlStateError(`cannot ${verb} view "${view.name}"`, "55000", { detail: notUpdatableDetail(view.definition, command), hint });
  }
  const table = await ctx.useTable(name.name, "intention-exclusive");
  return { table, indexes: await ctx.catalog.indexesOf(table.id) };
}

function isDefault(e: Expr): boolean {
  return (e as { type: string }).type === "default";
}

/** RETURNING items over the written row (and, for UPDATE ... FROM, the FROM item's row). */
async function returningOf(
  items: pg.SelectedColumn[] | undefined | null,
  table: Table,
  alias: string,
  rowColumns: readonly OutputColumn[],
  ctx: AnalyzerContext,
  from?: ScopeRelation,
): Promise<{ exprs: ScalarExpr[]; columns: OutputColumn[] } | undefined> {
  if (!items || items.length === 0) return undefined;
  const scope = new Scope();
  scope.add({ name: alias, columns: rowColumns });
  if (from) scope.add(from);
  const exprs: ScalarExpr[] = [];
  const columns: OutputColumn[] = [];
  for (const it of items) {
    const ref = it.expr as pg.ExprRef;
    if (ref.type === "ref" && ref.name === "*") {
      for (const c of ref.table ? scope.starOf(ref.table.name) : scope.star()) {
        exprs.push(columnRefOf(c));
        columns.push({ ...ctx.column(c.name, c.type), tableOid: c.tableOid, columnNumber: c.columnNumber });
      }
      continue;
    }
    const e = finalizeUnknown(await analyzeExpr(it.expr, env(scope, ctx, "RETURNING")), { ctx });
    exprs.push(e);
    const origin = e.kind === "column" ? rowColumns.find((c) => c.id === e.id) : undefined;
    columns.push({ ...ctx.column(it.alias?.name ?? columnName(it.expr), e.type), tableOid: origin?.tableOid ?? 0, columnNumber: origin?.columnNumber ?? 0 });
  }
  void table;
  return { exprs, columns };
}

export async function analyzeInsert(s: pg.InsertStatement, ctx: AnalyzerContext): Promise<LogicalPlan> {
  const { table, indexes } = await targetTable(s.into, ctx, "insert");
  const alias = s.into.alias ?? table.name;
  const targets = (s.columns ?? table.columns.map((c) => ({ name: c.name }))).map((n) => {
    const pos = table.columns.findIndex((c) => c.name === n.name);
    if (pos < 0) throw new SqlStateError(`column "${n.name}" of relation "${table.name}" does not exist`, "42703");
    return pos;
  });
  if (new Set(targets).size !== targets.length) {
    const dup = targets.find((t, i) => targets.indexOf(t) !== i)!;
    throw new SqlStateError(`column "${table.columns[dup]!.name}" specified more than once`, "42701");
  }
  const defaults = await Promise.all(table.columns.map((c) => defaultExpr(c, ctx)));
  const what = (pos: number) => `column "${table.columns[pos]!.name}"`;
  let source: LogicalPlan;
  const src = s.insert as Statement;
  if (src.type === "values") {
    // VALUES rows are typed by their target columns (and may say DEFAULT).
    const values = (src as pg.ValuesStatement).values;
    const rows: ScalarExpr[][] = [];
    const scope = new Scope();
    for (const row of values) {
      if (row.length > targets.length) throw new SqlStateError("INSERT has more expressions than target columns", "42601");
      if (row.length < targets.length && s.columns) throw new SqlStateError("INSERT has more target columns than expressions", "42601");
      const full = defaults.slice();
      for (let i = 0; i < row.length; i++) {
        const pos = targets[i]!;
        const item = row[i]!;
        if (isDefault(item)) continue;
        const e = await analyzeExpr(item, env(scope, ctx, "VALUES"));
        full[pos] = coerce(e, table.columns[pos]!.type, "assignment", ctx.params, what(pos));
      }
      rows.push(full);
    }
    source = { kind: "values", rows, columns: table.columns.map((c) => ctx.column(c.name, c.type)) };
  } else {
    const query = await analyzeQuery(src, ctx);
    if (query.columns.length > targets.length) throw new SqlStateError("INSERT has more expressions than target columns", "42601");
    const exprs = defaults.slice();
    query.columns.forEach((c, i) => {
      const pos = targets[i]!;
      exprs[pos] = coerce(columnRefOf(c), table.columns[pos]!.type, "assignment", ctx.params, what(pos));
    });
    source = { kind: "project", input: query, exprs, columns: table.columns.map((c) => ctx.column(c.name, c.type)) };
  }
  const rowColumns = rowColumnsOf(table, ctx);
  const checks = await checkConstraints(table, rowColumns, ctx);
  const onConflict = s.onConflict ? await conflictClause(s.onConflict, table, indexes, alias, ctx) : undefined;
  const ret = await returningOf(s.returning, table, alias, rowColumns, ctx);
  return {
    kind: "insert",
    table,
    indexes,
    source,
    rowColumns,
    checks,
    ...(onConflict && { onConflict }),
    ...(ret && { returning: ret.exprs }),
    columns: ret?.columns ?? [],
  };
}

async function conflictClause(oc: pg.OnConflictAction, table: Table, indexes: readonly Index[], alias: string, ctx: AnalyzerContext): Promise<OnConflict> {
  const on = (oc as { on?: { type: string; exprs?: Expr[] } }).on;
  const target: number[] = [];
  if (on?.type === "on expr") {
    for (const e of on.exprs ?? []) {
      const r = e as pg.ExprRef;
      const col = table.columns.find((c) => c.name === r.name);
      if (r.type !== "ref" || !col) throw new SqlStateError("ON CONFLICT target must name columns", "42601");
      target.push(col.id);
    }
    const sameSet = (ids: readonly number[]) => ids.length === target.length && ids.every((id) => target.includes(id));
    if (!sameSet(table.primaryKey) && !indexes.some((i) => i.unique && sameSet(i.columns.map((c) => c.columnId)))) {
      throw new SqlStateError("there is no unique or exclusion constraint matching the ON CONFLICT specification", "42P10");
    }
  } else if (on) {
    throw new SqlStateError("ON CONFLICT ON CONSTRAINT is not supported", "0A000");
  }
  const action = oc.do;
  if (action === "do nothing") return { target, action: "nothing" };
  if (target.length === 0) throw new SqlStateError("ON CONFLICT DO UPDATE requires inference specification or constraint name", "42601", { hint: "For example, ON CONFLICT (column_name)." });
  const existingColumns = rowColumnsOf(table, ctx);
  const excludedColumns = rowColumnsOf(table, ctx);
  const scope = new Scope();
  scope.add({ name: alias, columns: existingColumns });
  scope.add({ name: "excluded", columns: excludedColumns });
  const e = env(scope, ctx, "ON CONFLICT DO UPDATE");
  const assignments: { columnId: number; expr: ScalarExpr }[] = [];
  for (const set of action.sets) {
    const col = table.columns.find((c) => c.name === set.column.name);
    if (!col) throw new SqlStateError(`column "${set.column.name}" of relation "${table.name}" does not exist`, "42703");
    const value = isDefault(set.value) ? await defaultExpr(col, ctx) : await analyzeExpr(set.value, e);
    assignments.push({ columnId: col.id, expr: coerce(value, col.type, "assignment", ctx.params, `column "${col.name}"`) });
  }
  const where = oc.where ? await analyzeExpr(oc.where, e) : undefined;
  return { target, action: "update", assignments, ...(where && { where }), existingColumns, excludedColumns };
}

export async function analyzeUpdate(s: pg.UpdateStatement, ctx: AnalyzerContext): Promise<LogicalPlan> {
  const { table, indexes } = await targetTable(s.table, ctx, "update");
  const alias = s.table.alias ?? table.name;
  const scan = scanOf(table, alias, ctx);
  const scope = new Scope();
  scope.add({ name: alias, columns: scan.columns });
  let input: LogicalPlan = scan;
  let from: ScopeRelation | undefined;
  if (s.from) {
    const fromPlan = await analyzeQuery({ type: "select", columns: [{ expr: { type: "ref", name: "*" } }], from: [s.from] } as unknown as Statement, ctx);
    const fromName = (s.from as { name?: { alias?: string; name: string }; alias?: string }).name?.alias ?? (s.from as { name?: { name: string } }).name?.name ?? (s.from as { alias?: string }).alias;
    from = { name: fromName, columns: fromPlan.columns };
    scope.add(from);
    input = { kind: "join", type: "inner", left: scan, right: fromPlan, columns: [...scan.columns, ...fromPlan.columns] };
  }
  const e = env(scope, ctx, "UPDATE");
  if (s.where) {
    const w = await analyzeExpr(s.where, { ...e, clause: "WHERE" });
    input = { kind: "filter", input, predicate: w.type.kind === "bool" ? w : coerce(w, BOOL, "implicit", ctx.params), columns: input.columns };
  }
  const assignments: { columnId: number; expr: ScalarExpr }[] = [];
  for (const set of s.sets) {
    const col = table.columns.find((c) => c.name === set.column.name);
    if (!col) throw new SqlStateError(`column "${set.column.name}" of relation "${table.name}" does not exist`, "42703");
    if (assignments.some((a) => a.columnId === col.id)) throw new SqlStateError(`multiple assignments to same column "${col.name}"`, "42601");
    const value = isDefault(set.value) ? await defaultExpr(col, ctx) : await analyzeExpr(set.value, e);
    assignments.push({ columnId: col.id, expr: coerce(isUnknownType(value.type) && value.kind !== "const" && value.kind !== "param" ? finalizeUnknown(value, { ctx }) : value, col.type, "assignment", ctx.params, `column "${col.name}"`) });
  }
  const rowColumns = rowColumnsOf(table, ctx);
  const checks = await checkConstraints(table, rowColumns, ctx);
  const ret = await returningOf(s.returning, table, alias, rowColumns, ctx, from);
  return {
    kind: "update",
    table,
    indexes,
    input,
    tableColumns: scan.columns,
    assignments,
    rowColumns,
    checks,
    ...(ret && { returning: ret.exprs }),
    columns: ret?.columns ?? [],
  };
}

export async function analyzeDelete(s: pg.DeleteStatement, ctx: AnalyzerContext): Promise<LogicalPlan> {
  const { table, indexes } = await targetTable(s.from, ctx, "delete");
  const alias = s.from.alias ?? table.name;
  const scan = scanOf(table, alias, ctx);
  const scope = new Scope();
  scope.add({ name: alias, columns: scan.columns });
  let input: LogicalPlan = scan;
  if (s.where) {
    const w = await analyzeExpr(s.where, env(scope, ctx, "WHERE"));
    input = { kind: "filter", input, predicate: w.type.kind === "bool" ? w : coerce(w, BOOL, "implicit", ctx.params), columns: input.columns };
  }
  const ret = await returningOf(s.returning, table, alias, scan.columns, ctx);
  return { kind: "delete", table, indexes, input, tableColumns: scan.columns, ...(ret && { returning: ret.exprs }), columns: ret?.columns ?? [] };
}

export { analyzeValues };
