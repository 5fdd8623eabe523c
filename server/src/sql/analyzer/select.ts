/**
 * Query analysis: SELECT, VALUES, UNION/INTERSECT/EXCEPT and WITH to logical plans.
 *
 * A SELECT is assembled in PostgreSQL's clause order: FROM (joins) → WHERE → GROUP BY and
 * aggregates → HAVING → window functions → the select list → DISTINCT → ORDER BY → LIMIT.
 * ORDER BY may name output columns (by alias or position) or any expression over FROM; the
 * latter are computed as hidden columns and projected away at the end.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type * as pg from "pgsql-ast-parser";
import type { Table, View } from "../catalog/index.js";
import { isSetOperator, parseSql } from "../parser/index.js";
import type { Expr, NamedWindow, SetOperationStatement, Statement, WithQueryStatement } from "../parser/index.js";
import { resolveWindowClause, unreferencedWindowExprs } from "./named-windows.js";
import { BOOL, type ColumnId, type ScalarExpr } from "../plan/expr.js";
import type { CteDefinition, LogicalPlan, OutputColumn, RowLockMode, RowLockWait, SortKey } from "../plan/logical.js";
import { formatType, INT8, type SqlType } from "../types/index.js";
import type { AnalyzerContext, CteBinding } from "./context.js";
import { coerce, isUnknownType, unify } from "./coerce.js";
import { analyzeExpr, type ExprEnv, finalizeUnknown, operator, type QueryBlock, resultType, sortKey } from "./expr.js";
import { exprKey } from "./expr-key.js";
import { freeColumns, producedColumns } from "../plan/columns.js";
import { renameInPlan } from "./rename-columns.js";
import { Scope, type ScopeRelation } from "./scope.js";
import { functionScan, setReturningSelectList, systemTableFor } from "./system-from.js";

type Query = Statement;

/** Analyses a query (SELECT, VALUES, set operation, WITH); `outer` is the enclosing query's scope for subqueries. */
export async function analyzeQuery(stmt: Query, ctx: AnalyzerContext, outer?: Scope, setOperand = false): Promise<LogicalPlan> {
  switch (stmt.type) {
    case "select":
      return analyzeSelect(stmt as pg.SelectFromStatement, ctx, outer, setOperand);
    case "values":
      return analyzeValues(stmt as pg.ValuesStatement, ctx, outer);
    case "with":
      return analyzeWith(stmt as WithQueryStatement, ctx, outer);
    default:
      if (isSetOperator(stmt.type)) return analyzeSetOperation(stmt as SetOperationStatement, ctx, outer);
      throw new SqlStateError(`${stmt.type.toUpperCase()} is not a query`, "42601");
  }
}

function exprEnv(scope: Scope, ctx: AnalyzerContext, clause: string, block?: QueryBlock): ExprEnv {
  return { scope, ctx, clause, ...(block && { block }), subquery: (s, sc) => analyzeQuery(s, ctx, sc) };
}

export function columnRefOf(c: OutputColumn): ScalarExpr {
  return { kind: "column", id: c.id, type: c.type, name: c.name };
}

// ---- VALUES --------------------------------------------------------------------------------

async function analyzeValues(v: pg.ValuesStatement, ctx: AnalyzerContext, outer?: Scope, targetTypes?: readonly SqlType[]): Promise<LogicalPlan> {
  const env = exprEnv(new Scope(outer), ctx, "VALUES");
  const width = v.values[0]?.length ?? 0;
  const rows: ScalarExpr[][] = [];
  for (const row of v.values) {
    if (row.length !== width) throw new SqlStateError("VALUES lists must all be the same length", "42601");
    rows.push(await Promise.all(row.map((x) => analyzeExpr(x, env))));
  }
  const columns: OutputColumn[] = [];
  for (let i = 0; i < width; i++) {
    const col = rows.map((r) => r[i]!);
    const target = targetTypes?.[i];
    const { type, exprs } = target && col.every((e) => isUnknownType(e.type)) ? { type: target, exprs: col.map((e) => coerce(e, target, "assignment", ctx.params)) } : unify(col, "VALUES", ctx.params);
    exprs.forEach((e, r) => (rows[r]![i] = e));
    columns.push(ctx.column(`column${i + 1}`, type));
  }
  return { kind: "values", rows, columns };
}

export { analyzeValues };

// ---- FROM ----------------------------------------------------------------------------------

interface FromResult {
  plan: LogicalPlan;
  scope: Scope;
}

/** SELECT ... FOR UPDATE/SHARE [NOWAIT | SKIP LOCKED]: the row lock its table scans take. */
interface RowLocking {
  readonly mode: RowLockMode;
  readonly wait?: RowLockWait;
}

async function analyzeFrom(from: readonly pg.From[] | undefined, ctx: AnalyzerContext, outer: Scope | undefined, lock: RowLocking | undefined): Promise<FromResult> {
  const scope = new Scope(outer);
  if (!from || from.length === 0) {
    return { plan: { kind: "values", rows: [[]], columns: [] }, scope };
  }
  let plan: LogicalPlan | undefined;
  for (const item of from) {
    const join = (item as { join?: pg.JoinClause }).join;
    const before = scope.relations.length;
    const right = await fromItem(item, ctx, scope, outer, lock);
    if (!plan) {
      plan = right;
      continue;
    }
    // LATERAL subqueries and functions in FROM may read the items before them.
    const lateral = readsFrom(right, plan);
    if (!join || join.type === "CROSS JOIN") {
      plan = { kind: "join", type: "inner", left: plan, right, ...(lateral && { lateral: true }), columns: [...plan.columns, ...right.columns] };
      continue;
    }
    const type = ({ "INNER JOIN": "inner", "LEFT JOIN": "left", "RIGHT JOIN": "right", "FULL JOIN": "full" } as const)[join.type];
    if (lateral) {
      plan = lateralJoin(plan, right, type, join);
      continue;
    }
    let on: ScalarExpr | undefined;
    const using = join.using?.map((n) => n.name) ?? ((join as { natural?: boolean }).natural ? naturalColumns(scope, before) : undefined);
    if (using) {
      on = usingCondition(using, scope, before, type, ctx);
    } else if (join.on) {
      on = await analyzeExpr(join.on, exprEnv(scope, ctx, "JOIN conditions"));
      on = coerceBool(on, "JOIN/ON", ctx);
    }
    plan = { kind: "join", type, left: plan, right, ...(on && { on }), columns: [...plan.columns, ...right.columns] };
    if (using && type === "full") plan = mergedFullJoinColumns(plan, using, scope.relations[before]!, scope, ctx);
  }
  return { plan: plan!, scope };
}

/** Whether `right` reads columns `left` produces (a LATERAL reference). */
function readsFrom(right: LogicalPlan, left: LogicalPlan): boolean {
  const produced = producedColumns(left);
  for (const id of freeColumns(right)) if (produced.has(id)) return true;
  return false;
}

/**
 * `left [INNER | LEFT] JOIN LATERAL right ON TRUE`: run as a nested loop over `left` binding the
 * columns `right` reads. Conditions that join the sides are not supported (they would have to
 * stay out of hash and merge joins); filters in the subquery do the same work.
 */
function lateralJoin(left: LogicalPlan, right: LogicalPlan, type: "inner" | "left" | "right" | "full", join: pg.JoinClause): LogicalPlan {
  if (type === "right" || type === "full") throw new SqlStateError("The combining JOIN type must be INNER or LEFT for a LATERAL reference.", "42P10");
  const on = join.on as { type?: string; value?: unknown } | undefined;
  if (join.using || (on && !(on.type === "boolean" && on.value === true))) {
    throw new SqlStateError("a LATERAL join with a join condition is not supported (write ON TRUE and filter inside the subquery)", "0A000");
  }
  return { kind: "join", type, left, right, lateral: true, columns: [...left.columns, ...right.columns] };
}

/**
 * FULL JOIN USING: a merged column is COALESCE(left, right), since either side may be the
 * NULL-extended one; it is computed above the join and takes the name's place in the scope.
 */
function mergedFullJoinColumns(join: LogicalPlan, names: readonly string[], right: ScopeRelation, scope: Scope, ctx: AnalyzerContext): LogicalPlan {
  const exprs: ScalarExpr[] = join.columns.map(columnRefOf);
  const columns: OutputColumn[] = [...join.columns];
  for (const name of names) {
    const l = scope.merged.get(name)!;
    const r = right.columns.find((c) => c.name === name)!;
    const { type, exprs: both } = unify([columnRefOf(l), columnRefOf(r)], "COALESCE", ctx.params);
    const merged = ctx.column(name, type);
    exprs.push({ kind: "coalesce", args: both, type });
    columns.push(merged);
    scope.merged.set(name, merged);
  }
  return { kind: "project", input: join, exprs, columns };
}

function naturalColumns(scope: Scope, rightIndex: number): string[] {
  const left = new Set(scope.relations.slice(0, rightIndex).flatMap((r) => r.columns.filter((c) => !r.hidden?.has(c.id)).map((c) => c.name)));
  return scope.relations[rightIndex]!.columns.map((c) => c.name).filter((n) => left.has(n));
}

/** JOIN USING: equality of the same-named columns; the merged column is COALESCE for FULL joins. */
function usingCondition(names: string[], scope: Scope, rightIndex: number, type: string, ctx: AnalyzerContext): ScalarExpr | undefined {
  const right = scope.relations[rightIndex]!;
  const parts: ScalarExpr[] = [];
  const hiddenRight = new Set<number>(right.hidden ?? []);
  for (const name of names) {
    const leftScope = new Scope();
    for (const r of scope.relations.slice(0, rightIndex)) leftScope.relations.push(r);
    for (const [k, v] of scope.merged) leftScope.merged.set(k, v);
    let l: OutputColumn;
    try {
      l = leftScope.resolve(name).column;
    } catch {
      throw new SqlStateError(`column "${name}" specified in USING clause does not exist in left table`, "42703");
    }
    const rc = right.columns.filter((c) => c.name === name);
    if (rc.length === 0) throw new SqlStateError(`column "${name}" specified in USING clause does not exist in right table`, "42703");
    const r = rc[0]!;
    const env = exprEnv(scope, ctx, "JOIN/USING");
    parts.push(operatorEq(columnRefOf(l), columnRefOf(r), env));
    hiddenRight.add(r.id);
    // The merged column: the left one for inner/left joins, the right one for right joins.
    scope.merged.set(name, type === "right" ? r : l);
    if (type === "right") hideColumn(scope, l.id);
  }
  scope.relations[rightIndex] = { ...right, hidden: hiddenRight };
  for (const name of names) {
    const m = scope.merged.get(name)!;
    hideColumn(scope, m.id);
  }
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { kind: "and", args: parts, type: BOOL };
}

function hideColumn(scope: Scope, id: number): void {
  scope.relations.forEach((r, i) => {
    if (r.columns.some((c) => c.id === id)) scope.relations[i] = { ...r, hidden: new Set([...(r.hidden ?? []), id]) };
  });
}

function operatorEq(l: ScalarExpr, r: ScalarExpr, env: ExprEnv): ScalarExpr {
  return operator("=", l, r, env);
}

function coerceBool(e: ScalarExpr, what: string, ctx: AnalyzerContext): ScalarExpr {
  if (e.type.kind === "bool") return e;
  if (isUnknownType(e.type)) return coerce(e, BOOL, "implicit", ctx.params);
  throw new SqlStateError(`argument of ${what} must be type boolean, not type ${formatType(e.type)}`, "42804");
}

async function fromItem(item: pg.From, ctx: AnalyzerContext, scope: Scope, outer: Scope | undefined, lock: RowLocking | undefined): Promise<LogicalPlan> {
  if (item.type === "table") {
    const name = item.name.name;
    const alias = item.name.alias ?? name;
    const columnAliases = (item.name as { columnNames?: pg.Name[] }).columnNames?.map((c) => c.name);
    if (!item.name.schema) {
      const cte = ctx.lookupCte(name);
      if (cte) {
        const columns = cte.columns.map((c, i) => ctx.column(columnAliases?.[i] ?? c.name, c.type));
        scope.add({ name: alias, columns });
        return { kind: cte.worktable ? "worktable scan" : "cte scan", cteId: cte.id, name, columns };
      }
    }
    const system = systemTableFor(item.name);
    if (system) {
      const plan = scanOf(system.table, alias, ctx, columnAliases);
      scope.add({ name: alias, columns: plan.columns, ...(alias !== name && { tableName: name }) });
      return plan;
    }
    if (item.name.schema && item.name.schema !== "public") throw new SqlStateError(`relation "${item.name.schema}.${name}" does not exist`, "42P01");
    const view = await ctx.useView(name);
    if (view) return expandView(view, alias, columnAliases, ctx, scope, lock);
    const table = await ctx.useTable(name, lock ? "intention-exclusive" : "intention-shared");
    // Inside a view's definition, columns added to the table after the view was defined do not exist.
    const limit = ctx.viewColumnLimits?.get(table.id);
    const known = limit === undefined ? table.columns.length : table.columns.filter((c) => c.id < limit).length;
    if (columnAliases && columnAliases.length > known) {
      throw new SqlStateError(`table "${alias}" has ${known} columns available but ${columnAliases.length} columns specified`, "42P10");
    }
    const plan = scanOf(table, alias, ctx, columnAliases, lock);
    if (ctx.directRelations && ctx.expandingViews.length === 0) {
      ctx.directRelations.push({ kind: "table", id: table.id, columns: new Map(plan.columns.map((c, i) => [c.id, table.columns[i]!.id])), columnLimit: table.nextColumnId });
    }
    const visible = limit === undefined ? plan.columns : plan.columns.filter((_, i) => table.columns[i]!.id < limit);
    scope.add({ name: alias, columns: visible, ...(alias !== name && { tableName: name }) });
    return plan;
  }
  if (item.type === "statement") {
    const inner = lock ? lockedSubquery(item.statement as Statement, lock) : (item.statement as Statement);
    const plan = await analyzeQuery(inner, ctx, (item as { lateral?: boolean }).lateral ? scope : outer);
    const aliases = (item as { columnNames?: pg.Name[] }).columnNames?.map((c) => c.name);
    const columns = plan.columns.map((c, i) => ({ ...c, name: aliases?.[i] ?? c.name }));
    scope.add({ name: item.alias, columns });
    return { ...plan, columns } as LogicalPlan;
  }
  if (item.type === "call") return functionScan(item, ctx, scope, (e) => analyzeExpr(e, exprEnv(scope, ctx, "FROM")));
  throw new SqlStateError("functions in FROM are not supported", "0A000");
}

function lockingNotAllowed(lock: RowLocking, what: string): SqlStateError {
  return new SqlStateError(`FOR ${lock.mode.toUpperCase()} is not allowed with ${what}`, "0A000");
}

/**
 * A locking clause applies to the tables of the subqueries in FROM too, as PostgreSQL applies
 * it (not to WITH queries, which lock only with a clause of their own).
 */
function lockedSubquery(stmt: Statement, lock: RowLocking): Statement {
  if (isSetOperator(stmt.type)) throw lockingNotAllowed(lock, "UNION/INTERSECT/EXCEPT");
  if (stmt.type !== "select") return stmt;
  const s = stmt as pg.SelectFromStatement;
  if (s.for) return s;
  return { ...s, for: { type: lock.mode }, ...(lock.wait && { skip: { type: lock.wait } }) } as Statement;
}

/**
 * A view in FROM: its definition analysed again, as a subquery named after the view (it sees
 * no enclosing query and none of the statement's WITH queries), with the view's column names.
 */
async function expandView(view: View, alias: string, columnAliases: readonly string[] | undefined, ctx: AnalyzerContext, scope: Scope, lock: RowLocking | undefined): Promise<LogicalPlan> {
  if (ctx.expandingViews.includes(view.id)) throw new SqlStateError(`infinite recursion detected in rules for relation "${view.name}"`, "42P17");
  if (ctx.directRelations && ctx.expandingViews.length === 0) ctx.directRelations.push({ kind: "view", id: view.id, columnLimit: view.columns.length });
  // Inside another view's definition: the columns this view had when that one was defined.
  const known = ctx.viewColumnLimits?.get(view.id) ?? view.columns.length;
  if (columnAliases && columnAliases.length > known) {
    throw new SqlStateError(`table "${alias}" has ${known} columns available but ${columnAliases.length} columns specified`, "42P10");
  }
  ctx.viewUses.push({ name: view.name, id: view.id, version: view.version });
  const [parsed] = parseSql(view.definition);
  if (!parsed) throw new SqlStateError(`view "${view.name}" has an empty definition`, "XX000");
  // FOR UPDATE/SHARE on a view locks the rows of the tables it reads, as PostgreSQL does.
  const stmt = lock ? lockedSubquery(parsed, lock) : parsed;
  const ctes = ctx.ctes.splice(0);
  const limits = ctx.viewColumnLimits;
  ctx.viewColumnLimits = new Map(view.dependsOn.flatMap((d) => (d.columnLimit === undefined ? [] : [[d.id, d.columnLimit] as const])));
  ctx.expandingViews.push(view.id);
  let plan: LogicalPlan;
  try {
    plan = await analyzeQuery(stmt, ctx);
  } finally {
    ctx.expandingViews.pop();
    ctx.viewColumnLimits = limits;
    ctx.ctes.splice(0, ctx.ctes.length, ...ctes);
  }
  if (plan.columns.length !== view.columns.length) {
    throw new SqlStateError(`view "${view.name}" has ${view.columns.length} columns but its definition now gives ${plan.columns.length}`, "XX000");
  }
  const columns = plan.columns.map((c, i) => ({ ...c, name: columnAliases?.[i] ?? view.columns[i]!.name, tableOid: view.id, columnNumber: i + 1 }));
  scope.add({ name: alias, columns: known < columns.length ? columns.slice(0, known) : columns, ...(alias !== view.name && { tableName: view.name }) });
  return { ...plan, columns } as LogicalPlan;
}

/** A scan of every column of `table` under fresh ids. */
export function scanOf(table: Table, alias: string, ctx: AnalyzerContext, aliases?: readonly string[], lock?: RowLocking): Extract<LogicalPlan, { kind: "scan" }> {
  const columns = table.columns.map((c, i) => ({ id: ctx.newColumnId(), name: aliases?.[i] ?? c.name, type: c.type, tableOid: table.id, columnNumber: i + 1 }));
  const rowId = table.primaryKey.length === 0 ? ctx.column("ctid", INT8) : undefined;
  return { kind: "scan", table, alias, columns, ...(lock && { lock: lock.mode }), ...(lock?.wait && { lockWait: lock.wait }), ...(rowId && { rowId }) };
}

// ---- SELECT --------------------------------------------------------------------------------

interface SelectItem {
  expr: ScalarExpr;
  name: string;
  /** A plain column reference's origin, for RowDescription. */
  origin?: OutputColumn;
}

/**
 * `setOperand`: an operand of UNION / INTERSECT / EXCEPT, whose untyped literals (NULL, 'x')
 * keep the unknown type so that the set operation resolves them with the other side's type.
 */
async function analyzeSelect(select: pg.SelectFromStatement, ctx: AnalyzerContext, outer?: Scope, setOperand = false): Promise<LogicalPlan> {
  const s = setReturningSelectList(select);
  const lock: RowLocking | undefined = s.for ? { mode: s.for.type as RowLockMode, ...(s.skip && { wait: s.skip.type }) } : undefined;
  const { plan: fromPlan, scope } = await analyzeFrom(s.from ?? undefined, ctx, outer, lock);
  let plan = fromPlan;
  if (s.where) {
    const where = coerceBool(await analyzeExpr(s.where, exprEnv(scope, ctx, "WHERE")), "WHERE", ctx);
    plan = { kind: "filter", input: plan, predicate: where, columns: plan.columns };
  }

  const windowClause = (s as { window?: readonly NamedWindow[] }).window;
  const block: QueryBlock = { aggregates: [], windows: [], inAggregate: false, ...(windowClause && { namedWindows: resolveWindowClause(windowClause), usedWindows: new Set<string>() }) };
  const env = exprEnv(scope, ctx, "SELECT", block);

  // The select list.
  const items: SelectItem[] = [];
  for (const col of s.columns ?? []) {
    const ref = col.expr as pg.ExprRef;
    if (ref.type === "ref" && ref.name === "*") {
      const cols = ref.table ? scope.starOf(ref.table.name) : scope.star();
      if (!ref.table && cols.length === 0 && (!s.from || s.from.length === 0)) throw new SqlStateError("SELECT * with no tables specified is not valid", "42601");
      for (const c of cols) items.push({ expr: columnRefOf(c), name: c.name, origin: c });
      continue;
    }
    const expr = await analyzeExpr(col.expr, env);
    const origin = expr.kind === "column" ? scope.relations.flatMap((r) => r.columns).find((c) => c.id === expr.id) ?? [...scope.merged.values()].find((c) => c.id === expr.id) : undefined;
    items.push({ expr, name: col.alias?.name ?? columnName(col.expr), ...(origin && { origin }) });
  }

  // GROUP BY: names may refer to output columns (PostgreSQL's extension) or ordinals.
  const groupEnv = exprEnv(scope, ctx, "GROUP BY");
  const groupBy: ScalarExpr[] = [];
  for (const g of s.groupBy ?? []) groupBy.push(await groupingExpr(g, items, groupEnv));
  groupBy.push(...dependentColumns(fromPlan, groupBy));

  const having = s.having ? coerceBool(await analyzeExpr(s.having, exprEnv(scope, ctx, "HAVING", block)), "HAVING", ctx) : undefined;

  // ORDER BY items, resolved before aggregation so they can use aggregates too.
  const distinctOn = Array.isArray(s.distinct) ? s.distinct : undefined;
  const isDistinct = s.distinct === "distinct" || distinctOn !== undefined;
  const orderBy: { key: SortKey; item?: number }[] = [];
  for (const o of s.orderBy ?? []) orderBy.push(await orderItem(o, items, exprEnv(scope, ctx, "ORDER BY", block)));
  for (const e of unreferencedWindowExprs(windowClause ?? [], block.usedWindows ?? new Set())) await analyzeExpr(e, exprEnv(scope, ctx, "window definition"));
  const distinctOnExprs: { expr: ScalarExpr; item?: number }[] = [];
  for (const d of distinctOn ?? []) {
    const r = await orderItem({ by: d } as pg.OrderByStatement, items, exprEnv(scope, ctx, "DISTINCT ON", block));
    distinctOnExprs.push({ expr: r.key.expr, ...(r.item !== undefined && { item: r.item }) });
  }

  if (lock) {
    // PostgreSQL's wording: a row of such a result is not a row of any table to lock.
    // In the order PostgreSQL checks them.
    const refusal = isDistinct
      ? "DISTINCT clause"
      : (s.groupBy?.length ?? 0) > 0
        ? "GROUP BY clause"
        : having !== undefined
          ? "HAVING clause"
          : block.aggregates.length > 0
            ? "aggregate functions"
            : block.windows.length > 0
              ? "window functions"
              : undefined;
    if (refusal) throw lockingNotAllowed(lock, refusal);
  }

  // Aggregation.
  const grouped = groupBy.length > 0 || block.aggregates.length > 0 || having !== undefined;
  let rewrite = (e: ScalarExpr): ScalarExpr => e;
  if (grouped) {
    const groupCols = groupBy.map((g) => ctx.column(g.kind === "column" ? g.name : "?column?", resultType(g)));
    const aggPlan: LogicalPlan = {
      kind: "aggregate",
      input: plan,
      groupBy,
      aggregates: block.aggregates.slice(),
      columns: [...groupCols, ...block.aggregates.map((a) => ({ id: a.id, name: a.name, type: a.type, tableOid: 0, columnNumber: 0 }))],
    };
    const keys = new Map(groupBy.map((g, i) => [exprKey(g), groupCols[i]!] as const));
    const columns = new Map(groupBy.flatMap((g, i) => (g.kind === "column" ? [[g.id, groupCols[i]!] as const] : [])));
    const fromIds = new Map(scope.relations.flatMap((r) => r.columns.map((c) => [c.id, r.name === undefined ? c.name : `${r.name}.${c.name}`] as const)));
    if (plan.kind === "scan" && plan.rowId) fromIds.set(plan.rowId.id, plan.rowId.name);
    const grouping: Grouping = { keys, columns, fromIds };
    rewrite = (e) => groupedRewrite(e, grouping);
    plan = aggPlan;
    if (having) plan = { kind: "filter", input: plan, predicate: rewrite(having), columns: plan.columns };
  }

  // Window functions.
  if (block.windows.length > 0) {
    const windows = block.windows.map((w) => ({
      ...w,
      args: w.args.map(rewrite),
      partitionBy: w.partitionBy.map(rewrite),
      orderBy: w.orderBy.map((k) => ({ ...k, expr: rewrite(k.expr) })),
      ...(w.filter && { filter: rewrite(w.filter) }),
    }));
    plan = {
      kind: "window",
      input: plan,
      windows,
      columns: [...plan.columns, ...windows.map((w) => ({ id: w.id, name: w.name, type: w.type, tableOid: 0, columnNumber: 0 }))],
    };
  }

  // Projection: the select list, then hidden ORDER BY / DISTINCT ON expressions.
  const projected = items.map((it) => {
    const e = rewrite(it.expr);
    return setOperand && !isDistinct && e.kind === "const" ? e : finalizeUnknown(e, env);
  });
  const outColumns: OutputColumn[] = items.map((it, i) => ({
    id: ctx.newColumnId(),
    name: it.name,
    type: projected[i]!.type,
    tableOid: it.origin?.tableOid ?? 0,
    columnNumber: it.origin?.columnNumber ?? 0,
  }));
  const hidden: ScalarExpr[] = [];
  const hiddenCols: OutputColumn[] = [];
  const keyColumn = (expr: ScalarExpr, item: number | undefined): ScalarExpr => {
    if (item !== undefined) return columnRefOf(outColumns[item]!);
    const r = rewrite(expr);
    const same = projected.findIndex((p) => exprKey(p) === exprKey(r));
    if (same >= 0) return columnRefOf(outColumns[same]!);
    if (isDistinct && !distinctOn) throw new SqlStateError("for SELECT DISTINCT, ORDER BY expressions must appear in select list", "42P10");
    const h = finalizeUnknown(r, env);
    // DISTINCT ON (x) ... ORDER BY x computes x once, so the two can be matched.
    const again = hidden.findIndex((e) => exprKey(e) === exprKey(h));
    if (again >= 0) return columnRefOf(hiddenCols[again]!);
    const col = ctx.column("?column?", resultType(r));
    hidden.push(h);
    hiddenCols.push(col);
    return columnRefOf(col);
  };
  const sortKeys = orderBy.map((o) => ({ ...o.key, expr: keyColumn(o.key.expr, o.item) }));
  const onKeys = distinctOnExprs.map((d) => keyColumn(d.expr, d.item));
  plan = { kind: "project", input: plan, exprs: [...projected, ...hidden], columns: [...outColumns, ...hiddenCols] };

  if (isDistinct) {
    if (distinctOn) {
      // DISTINCT ON keeps the first row per key in ORDER BY order; the keys must lead ORDER BY.
      for (let i = 0; i < Math.min(onKeys.length, sortKeys.length); i++) {
        if (!onKeys.some((k) => exprKey(k) === exprKey(sortKeys[i]!.expr))) throw new SqlStateError("SELECT DISTINCT ON expressions must match initial ORDER BY expressions", "42P10");
      }
      const keys = [...onKeys.map((k) => ({ expr: k, desc: false, nullsFirst: false })), ...sortKeys];
      const inner = { kind: "sort" as const, input: plan, keys: sortKeys.length ? mergeDistinctOnKeys(onKeys, sortKeys) : keys, columns: plan.columns };
      plan = { kind: "distinct", input: inner, on: onKeys, columns: plan.columns };
    } else {
      plan = { kind: "distinct", input: plan, columns: plan.columns };
    }
  }
  if (sortKeys.length > 0) plan = { kind: "sort", input: plan, keys: sortKeys, columns: plan.columns };
  plan = await applyLimit(plan, s.limit ?? undefined, ctx, outer);
  if (hiddenCols.length > 0) plan = { kind: "project", input: plan, exprs: outColumns.map(columnRefOf), columns: outColumns };
  return plan;
}

function mergeDistinctOnKeys(onKeys: ScalarExpr[], sortKeys: SortKey[]): SortKey[] {
  const out = [...sortKeys];
  for (const k of onKeys) if (!out.some((s) => exprKey(s.expr) === exprKey(k))) out.push({ expr: k, desc: false, nullsFirst: false });
  return out;
}

async function applyLimit(plan: LogicalPlan, limit: pg.LimitStatement | undefined, ctx: AnalyzerContext, outer: Scope | undefined): Promise<LogicalPlan> {
  if (!limit || (!limit.limit && !limit.offset)) return plan;
  const env = exprEnv(new Scope(outer), ctx, "LIMIT");
  const asInt8 = async (e: Expr | undefined) => (e ? coerce(await analyzeExpr(e, env), INT8, "assignment", ctx.params, "argument of LIMIT") : undefined);
  const [l, o] = [await asInt8(limit.limit ?? undefined), await asInt8(limit.offset ?? undefined)];
  return { kind: "limit", input: plan, ...(l && { limit: l }), ...(o && { offset: o }), columns: plan.columns };
}

/**
 * Columns of FROM tables whose whole primary key is grouped, so that they are functionally
 * dependent on the grouping and PostgreSQL lets the select list use them. Grouping by them too
 * changes no group.
 */
function dependentColumns(from: LogicalPlan, groupBy: readonly ScalarExpr[]): ScalarExpr[] {
  const grouped = new Set(groupBy.flatMap((g) => (g.kind === "column" ? [g.id] : [])));
  const out: ScalarExpr[] = [];
  const visit = (p: LogicalPlan) => {
    if (p.kind === "join") {
      visit(p.left);
      visit(p.right);
    } else if (p.kind === "filter") {
      visit(p.input);
    } else if (p.kind === "scan" && p.table.primaryKey.length > 0) {
      const scanId = (tableColumnId: number) => p.columns[p.table.columns.findIndex((c) => c.id === tableColumnId)]?.id;
      if (p.table.primaryKey.every((k) => grouped.has(scanId(k) ?? -1))) {
        for (const c of p.columns) if (!grouped.has(c.id)) out.push(columnRefOf(c));
      }
    }
  };
  if (grouped.size > 0) visit(from);
  return out;
}

/** What the expressions above an aggregation may read of the rows below it. */
interface Grouping {
  /** exprKey of each grouping expression → its output column. */
  readonly keys: ReadonlyMap<string, OutputColumn>;
  /** Grouping expressions that are plain columns: FROM column id → output column. */
  readonly columns: ReadonlyMap<ColumnId, OutputColumn>;
  /** FROM columns by id, with the name PostgreSQL's errors give them (`rel.col`). */
  readonly fromIds: ReadonlyMap<ColumnId, string>;
}

/** Replaces grouped expressions by the aggregate's output columns; any other FROM column is an error. */
function groupedRewrite(e: ScalarExpr, g: Grouping): ScalarExpr {
  const hit = g.keys.get(exprKey(e));
  if (hit) return columnRefOf(hit);
  if (e.kind === "column") {
    const name = g.fromIds.get(e.id);
    if (name !== undefined) throw new SqlStateError(`column "${name}" must appear in the GROUP BY clause or be used in an aggregate function`, "42803");
    return e;
  }
  if (e.kind === "const" || e.kind === "param") return e;
  if (e.kind === "subquery") return groupedSubquery(e, g);
  // Top-down: a parent that matches a grouping expression wins over its children.
  return shallowMap(e, (c) => groupedRewrite(c, g));
}

/**
 * A subquery above the aggregation: its references to this query's FROM columns must be to
 * grouped ones, and then read the aggregate's output column instead.
 */
function groupedSubquery(e: Extract<ScalarExpr, { kind: "subquery" }>, g: Grouping): ScalarExpr {
  const renames = new Map<ColumnId, ScalarExpr & { kind: "column" }>();
  for (const id of e.outerRefs) {
    const name = g.fromIds.get(id);
    if (name === undefined) continue;
    const out = g.columns.get(id);
    if (!out) throw new SqlStateError(`subquery uses ungrouped column "${name}" from outer query`, "42803");
    renames.set(id, { kind: "column", id: out.id, type: out.type, name: out.name });
  }
  const input = e.input ? groupedRewrite(e.input, g) : undefined;
  const renamed = renames.size === 0 ? e : { ...e, plan: renameInPlan(e.plan, renames), outerRefs: [...new Set(e.outerRefs.map((id) => renames.get(id)?.id ?? id))] };
  return input ? { ...renamed, input } : renamed;
}

function shallowMap(e: ScalarExpr, f: (c: ScalarExpr) => ScalarExpr): ScalarExpr {
  switch (e.kind) {
    case "call":
    case "and":
    case "or":
    case "coalesce":
    case "greatest":
    case "least":
      return { ...e, args: e.args.map(f) };
    case "cast":
    case "not":
    case "is":
      return { ...e, input: f(e.input) };
    case "distinct from":
    case "nullif":
      return { ...e, left: f(e.left), right: f(e.right) };
    case "case":
      return { ...e, whens: e.whens.map((w) => ({ when: f(w.when), then: f(w.then) })), else: f(e.else) };
    case "in list":
      return { ...e, input: f(e.input), list: e.list.map(f) };
    case "subquery":
      return e.input ? { ...e, input: f(e.input) } : e;
    default:
      return e;
  }
}

async function groupingExpr(g: Expr, items: SelectItem[], env: ExprEnv): Promise<ScalarExpr> {
  const pos = ordinal(g);
  if (pos !== undefined) {
    const it = items[pos - 1];
    if (!it) throw new SqlStateError(`GROUP BY position ${pos} is not in select list`, "42P10");
    return it.expr;
  }
  const ref = g as pg.ExprRef;
  if (ref.type === "ref" && !ref.table) {
    try {
      return await analyzeExpr(g, env);
    } catch (e) {
      const it = items.find((i) => i.name === ref.name);
      if (it) return it.expr;
      throw e;
    }
  }
  return analyzeExpr(g, env);
}

function ordinal(e: Expr): number | undefined {
  return (e as { type: string }).type === "integer" ? (e as pg.ExprInteger).value : undefined;
}

async function orderItem(o: pg.OrderByStatement, items: SelectItem[], env: ExprEnv): Promise<{ key: SortKey; item?: number }> {
  const pos = ordinal(o.by);
  if (pos !== undefined) {
    if (pos < 1 || pos > items.length) throw new SqlStateError(`ORDER BY position ${pos} is not in select list`, "42P10");
    return { key: sortKey(items[pos - 1]!.expr, o), item: pos - 1 };
  }
  const ref = o.by as pg.ExprRef;
  if (ref.type === "ref" && !ref.table && ref.name !== "*") {
    const matches = items.map((it, i) => [it, i] as const).filter(([it]) => it.name === ref.name);
    if (matches.length > 1 && new Set(matches.map(([it]) => exprKey(it.expr))).size > 1) throw new SqlStateError(`ORDER BY "${ref.name}" is ambiguous`, "42702");
    if (matches.length > 0) return { key: sortKey(matches[0]![0].expr, o), item: matches[0]![1] };
  }
  return { key: sortKey(await analyzeExpr(o.by, env), o) };
}

/** PostgreSQL's FigureColname: the name a select-list item gets without an alias. */
export function columnName(e: Expr): string {
  const x = e as { type: string } & Record<string, unknown>;
  switch (x.type) {
    case "ref":
      return (x as unknown as pg.ExprRef).name;
    case "call": {
      const name = (x as unknown as pg.ExprCall).function.name.toLowerCase();
      return name;
    }
    case "cast": {
      const inner = columnName((x as unknown as pg.ExprCast).operand);
      if (inner !== "?column?") return inner;
      // PostgreSQL names the column after the type's last name, an array's being its element's.
      let to = (x as unknown as pg.ExprCast).to;
      while (to.kind === "array") to = to.arrayOf;
      return typeColumnName(to.name);
    }
    case "case":
      return "case";
    case "extract":
      return "extract";
    case "substring":
      return "substring";
    case "overlay":
      return "overlay";
    case "keyword":
      return (x as unknown as pg.ExprValueKeyword).keyword;
    case "member": {
      return "?column?";
    }
    case "select":
      return subqueryColumnName(x as unknown as pg.SelectFromStatement);
    default:
      return "?column?";
  }
}

function subqueryColumnName(s: pg.SelectFromStatement): string {
  const first = s.columns?.[0];
  if (!first) return "?column?";
  return first.alias?.name ?? columnName(first.expr);
}

function typeColumnName(name: string): string {
  const aliases: Record<string, string> = { int: "int4", integer: "int4", smallint: "int2", bigint: "int8", real: "float4", "double precision": "float8", boolean: "bool", decimal: "numeric", "character varying": "varchar", character: "bpchar", char: "bpchar" };
  return aliases[name.toLowerCase()] ?? name.toLowerCase();
}

// ---- set operations ------------------------------------------------------------------------

async function analyzeSetOperation(s: SetOperationStatement, ctx: AnalyzerContext, outer?: Scope): Promise<LogicalPlan> {
  if (s.for) throw lockingNotAllowed({ mode: s.for.type as RowLockMode }, "UNION/INTERSECT/EXCEPT");
  const [left, right] = [await analyzeQuery(s.left, ctx, outer, true), await analyzeQuery(s.right, ctx, outer, true)];
  const op = s.type.split(" ")[0] as "union" | "intersect" | "except";
  const all = s.type.endsWith(" all");
  if (left.columns.length !== right.columns.length) throw new SqlStateError(`each ${op.toUpperCase()} query must have the same number of columns`, "42601");
  const construct = op.toUpperCase() as "UNION" | "INTERSECT" | "EXCEPT";
  const types = left.columns.map((c, i) => {
    const pair = [columnRefOf(c), columnRefOf(right.columns[i]!)];
    return unify(pair, construct, ctx.params).type;
  });
  const castSide = (side: LogicalPlan): LogicalPlan => {
    let p = side;
    if (p.columns.every((c, i) => c.type.kind === types[i]!.kind && !isUnknownType(c.type))) return p;
    if (p.kind === "project") {
      // An operand's untyped literals take the resolved type (and a bad one fails here, as in PostgreSQL).
      const typed = (i: number, t: SqlType) => i < types.length && isUnknownType(t);
      p = {
        ...p,
        exprs: p.exprs.map((e, i) => (typed(i, e.type) ? coerce(e, types[i]!, "implicit", ctx.params) : e)),
        columns: p.columns.map((c, i) => (typed(i, c.type) ? { ...c, type: types[i]! } : c)),
      };
      if (p.columns.every((c, i) => c.type.kind === types[i]!.kind)) return p;
    }
    const exprs = p.columns.map((c, i) => coerce(columnRefOf(c), types[i]!, "implicit", ctx.params));
    return { kind: "project", input: p, exprs, columns: p.columns.map((c, i) => ({ ...ctx.column(c.name, types[i]!) })) };
  };
  const columns = left.columns.map((c, i) => ctx.column(c.name, types[i]!));
  let plan: LogicalPlan = { kind: "setop", op, all, left: castSide(left), right: castSide(right), columns };
  if (s.orderBy?.length) {
    const scope = new Scope(outer);
    scope.add({ name: undefined, columns });
    const items: SelectItem[] = columns.map((c) => ({ expr: columnRefOf(c), name: c.name }));
    const keys: SortKey[] = [];
    for (const o of s.orderBy) keys.push((await orderItem(o, items, exprEnv(scope, ctx, "ORDER BY"))).key);
    plan = { kind: "sort", input: plan, keys, columns };
  }
  return applyLimit(plan, s.limit, ctx, outer);
}

// ---- WITH ----------------------------------------------------------------------------------

/** WITH ...; `analyzeBody` analyses a body that is not a query (WITH ... INSERT / UPDATE / DELETE). */
export async function analyzeWith(w: WithQueryStatement, ctx: AnalyzerContext, outer?: Scope, analyzeBody?: (body: Statement) => Promise<LogicalPlan>): Promise<LogicalPlan> {
  const frame = new Map<string, CteBinding>();
  ctx.ctes.push(frame);
  try {
    const ctes: CteDefinition[] = [];
    for (const b of w.bind) {
      const name = b.alias.name;
      if (frame.has(name)) throw new SqlStateError(`WITH query name "${name}" specified more than once`, "42712");
      const aliases = b.columnNames?.map((c) => c.name);
      const id = ctx.newCteId();
      const st = b.statement as Statement;
      if (w.recursive && isSelfReferencing(st, name)) {
        const def = await recursiveCte(st as SetOperationStatement, name, id, aliases, ctx, outer, frame);
        ctes.push(def);
      } else {
        if (!["select", "values", "union", "union all", "intersect", "intersect all", "except", "except all", "with"].includes(st.type)) {
          throw new SqlStateError("data-modifying statements in WITH are not supported", "0A000");
        }
        const plan = await analyzeQuery(st, ctx, outer);
        if (aliases && aliases.length > plan.columns.length) throw new SqlStateError(`WITH query "${name}" has ${plan.columns.length} columns available but ${aliases.length} columns specified`, "42P10");
        const columns = plan.columns.map((c, i) => ({ ...c, name: aliases?.[i] ?? c.name }));
        ctes.push({ id, name, plan, columns });
        frame.set(name, { id, name, columns, worktable: false });
      }
    }
    const body = analyzeBody ? await analyzeBody(w.in as Statement) : await analyzeQuery(w.in as Statement, ctx, outer);
    return { kind: "with", ctes, body, columns: body.columns };
  } finally {
    ctx.ctes.pop();
  }
}

function isSelfReferencing(st: Statement, name: string): boolean {
  return JSON.stringify(st, (_k, v) => (typeof v === "bigint" ? String(v) : v)).includes(`"name":"${name}"`);
}

async function recursiveCte(
  st: SetOperationStatement,
  name: string,
  id: number,
  aliases: string[] | undefined,
  ctx: AnalyzerContext,
  outer: Scope | undefined,
  frame: Map<string, CteBinding>,
): Promise<CteDefinition> {
  if (st.type !== "union" && st.type !== "union all") {
    throw new SqlStateError(`recursive query "${name}" does not have the form non-recursive-term UNION [ALL] recursive-term`, "42P19");
  }
  const anchor = await analyzeQuery(st.left, ctx, outer);
  const columns = anchor.columns.map((c, i) => ({ ...ctx.column(aliases?.[i] ?? c.name, resultType(columnRefOf(c))) }));
  frame.set(name, { id, name, columns, worktable: true });
  const term = await analyzeQuery(st.right, ctx, outer);
  frame.set(name, { id, name, columns, worktable: false });
  if (term.columns.length !== columns.length) throw new SqlStateError("each UNION query must have the same number of columns", "42601");
  const castTo = (p: LogicalPlan): LogicalPlan => {
    if (p.columns.every((c, i) => c.type.kind === columns[i]!.type.kind)) return p;
    return {
      kind: "project",
      input: p,
      exprs: p.columns.map((c, i) => {
        try {
          return coerce(columnRefOf(c), columns[i]!.type, "assignment", ctx.params);
        } catch {
          throw new SqlStateError(`recursive query "${name}" column ${i + 1} has type ${columns[i]!.type.kind} in non-recursive term but type ${c.type.kind} overall`, "42804");
        }
      }),
      columns: p.columns.map((c, i) => ctx.column(c.name, columns[i]!.type)),
    };
  };
  return { id, name, plan: castTo(anchor), recursive: { term: castTo(term), all: st.type === "union all" }, columns };
}
