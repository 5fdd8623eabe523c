/**
 * Renaming column references throughout a query plan, nested subqueries included: how a
 * correlated subquery under GROUP BY comes to read the grouped column (the aggregate's output)
 * instead of the FROM column it named, which no longer exists above the aggregation.
 */
import { type ColumnId, mapExpr, type ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan, SortKey } from "../plan/logical.js";

export type ColumnRenames = ReadonlyMap<ColumnId, ScalarExpr & { kind: "column" }>;

/** `e` with every reference to a renamed column replaced, inside subquery plans too. */
export function renameInExpr(e: ScalarExpr, renames: ColumnRenames): ScalarExpr {
  return mapExpr(e, (x) => {
    if (x.kind === "column") return renames.get(x.id) ?? x;
    if (x.kind === "subquery" && x.outerRefs.some((id) => renames.has(id))) {
      return { ...x, plan: renameInPlan(x.plan, renames), outerRefs: [...new Set(x.outerRefs.map((id) => renames.get(id)?.id ?? id))] };
    }
    return x;
  });
}

/**
 * `p` with references to renamed columns replaced in every expression of every node. Only
 * references change: the columns nodes produce keep their ids, so renaming an id that `p`
 * produces itself would be a mistake (callers rename outer references only).
 */
export function renameInPlan(p: LogicalPlan, renames: ColumnRenames): LogicalPlan {
  const e = (x: ScalarExpr) => renameInExpr(x, renames);
  const keys = (ks: readonly SortKey[]) => ks.map((k) => ({ ...k, expr: e(k.expr) }));
  const plan = (q: LogicalPlan) => renameInPlan(q, renames);
  switch (p.kind) {
    case "scan":
    case "cte scan":
    case "worktable scan":
      return p;
    case "values":
      return { ...p, rows: p.rows.map((r) => r.map(e)) };
    case "function scan":
      return { ...p, args: p.args.map(e) };
    case "filter":
      return { ...p, input: plan(p.input), predicate: e(p.predicate) };
    case "project":
      return { ...p, input: plan(p.input), exprs: p.exprs.map(e) };
    case "join":
      return { ...p, left: plan(p.left), right: plan(p.right), ...(p.on && { on: e(p.on) }) };
    case "aggregate":
      return {
        ...p,
        input: plan(p.input),
        groupBy: p.groupBy.map(e),
        aggregates: p.aggregates.map((a) => ({ ...a, args: a.args.map(e), ...(a.filter && { filter: e(a.filter) }), ...(a.orderBy && { orderBy: keys(a.orderBy) }) })),
      };
    case "window":
      return {
        ...p,
        input: plan(p.input),
        windows: p.windows.map((w) => ({
          ...w,
          args: w.args.map(e),
          ...(w.filter && { filter: e(w.filter) }),
          partitionBy: w.partitionBy.map(e),
          orderBy: keys(w.orderBy),
          ...(w.frame && {
            frame: {
              ...w.frame,
              start: "offset" in w.frame.start ? { ...w.frame.start, offset: e(w.frame.start.offset) } : w.frame.start,
              end: "offset" in w.frame.end ? { ...w.frame.end, offset: e(w.frame.end.offset) } : w.frame.end,
            },
          }),
        })),
      };
    case "sort":
      return { ...p, input: plan(p.input), keys: keys(p.keys) };
    case "limit":
      return { ...p, input: plan(p.input), ...(p.limit && { limit: e(p.limit) }), ...(p.offset && { offset: e(p.offset) }) };
    case "distinct":
      return { ...p, input: plan(p.input), ...(p.on && { on: p.on.map(e) }) };
    case "setop":
      return { ...p, left: plan(p.left), right: plan(p.right) };
    case "with":
      return {
        ...p,
        ctes: p.ctes.map((c) => ({ ...c, plan: plan(c.plan), ...(c.recursive && { recursive: { ...c.recursive, term: plan(c.recursive.term) } }) })),
        body: plan(p.body),
      };
    case "insert":
    case "update":
    case "delete":
      // Subqueries never hold data-modifying statements.
      return p;
  }
}
