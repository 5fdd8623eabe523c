/**
 * Predicate pushdown: moves each conjunct of a filter as close to the rows it reads as it can
 * go — through projections (substituting the projected expressions), into the sides of joins
 * (both sides of an inner join; only the non-preserved side's ON for outer joins, as the rules of
 * outer joins require), into join conditions, and down to scans, where access-path selection
 * turns them into key ranges.
 *
 * A pure rewrite of logical plans: the same rows come out, in the same order.
 */
import { andAll, type ColumnId, columnsOf, conjuncts, hasSubquery, isVolatile, mapExpr, type ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan } from "../plan/logical.js";
import { impliedEqualities } from "./equivalence.js";

export function pushDownPredicates(p: LogicalPlan): LogicalPlan {
  return push(p, []);
}

function idsOf(p: LogicalPlan): Set<ColumnId> {
  const s = new Set(p.columns.map((c) => c.id));
  if (p.kind === "scan" && p.rowId) s.add(p.rowId.id);
  return s;
}

function within(e: ScalarExpr, ids: ReadonlySet<ColumnId>, outer: ReadonlySet<ColumnId> | undefined): boolean {
  for (const id of columnsOf(e)) if (!ids.has(id) && !(outer?.has(id) ?? false)) return false;
  return true;
}

/** Wraps `p` in a filter of the conjuncts (if any). */
function filtered(p: LogicalPlan, preds: readonly ScalarExpr[]): LogicalPlan {
  const predicate = andAll(preds);
  return predicate ? { kind: "filter", input: p, predicate, columns: p.columns } : p;
}

/**
 * `preds` are conjuncts from above that may be applied at `p` or below. A conjunct that reads
 * columns no node here produces (an outer reference) may go anywhere; it is a constant here.
 */
function push(p: LogicalPlan, preds: ScalarExpr[]): LogicalPlan {
  switch (p.kind) {
    case "filter": {
      // Volatile conditions must run once per row in place; keep them here.
      const mine = conjuncts(p.predicate);
      mine.push(...impliedEqualities([...mine, ...preds], p.input));
      const movable = mine.filter((c) => !isVolatile(c));
      const fixed = mine.filter((c) => isVolatile(c));
      return filtered(push(p.input, [...preds, ...movable]), fixed);
    }
    case "project": {
      const byId = new Map(p.columns.map((c, i) => [c.id, p.exprs[i]!] as const));
      const down: ScalarExpr[] = [];
      const stay: ScalarExpr[] = [];
      for (const c of preds) {
        const subst = substitute(c, byId);
        if (subst && !isVolatile(subst) && !hasSubquery(subst)) down.push(subst);
        else stay.push(c);
      }
      return filtered({ ...p, input: push(p.input, down) }, stay);
    }
    case "join":
      return pushJoin(p, preds);
    case "scan":
    case "values":
    case "cte scan":
    case "worktable scan":
    case "function scan":
      return filtered(p, preds);
    case "sort":
      return { ...p, input: push(p.input, preds) };
    case "aggregate": {
      // A condition on grouping columns only can filter rows before grouping.
      const byId = new Map(p.groupBy.map((g, i) => [p.columns[i]!.id, g] as const));
      const aggregateIds = new Set(p.aggregates.map((a) => a.id));
      const down: ScalarExpr[] = [];
      const stay: ScalarExpr[] = [];
      for (const c of preds) {
        // HAVING count(*) > 1 reads an aggregate's value: it cannot run before grouping.
        const readsAggregate = [...columnsOf(c)].some((id) => aggregateIds.has(id));
        const subst = readsAggregate ? undefined : substitute(c, byId);
        if (subst && p.groupBy.length > 0 && !hasSubquery(subst)) down.push(subst);
        else stay.push(c);
      }
      return filtered({ ...p, input: push(p.input, down) }, stay);
    }
    default:
      return filtered(rebuildChildren(p), preds);
  }
}

function rebuildChildren(p: LogicalPlan): LogicalPlan {
  switch (p.kind) {
    case "setop":
      return { ...p, left: push(p.left, []), right: push(p.right, []) };
    case "with":
      return {
        ...p,
        ctes: p.ctes.map((c) => ({ ...c, plan: push(c.plan, []), ...(c.recursive && { recursive: { ...c.recursive, term: push(c.recursive.term, []) } }) })),
        body: push(p.body, []),
      };
    case "insert":
      return { ...p, source: push(p.source, []) };
    case "limit":
    case "distinct":
    case "window":
    case "update":
    case "delete":
      return { ...p, input: push(p.input, []) } as LogicalPlan;
    default:
      return p;
  }
}

/** Rewrites column references through a projection; undefined if some referenced column is not a plain mapping. */
function substitute(e: ScalarExpr, byId: ReadonlyMap<ColumnId, ScalarExpr>): ScalarExpr | undefined {
  let ok = true;
  const out = mapExpr(e, (x) => {
    if (x.kind === "column") {
      const m = byId.get(x.id);
      if (m) return m;
    }
    if (x.kind === "subquery") ok = false;
    return x;
  });
  return ok ? out : undefined;
}

function pushJoin(p: Extract<LogicalPlan, { kind: "join" }>, preds: ScalarExpr[]): LogicalPlan {
  const leftIds = idsOf(p.left);
  const rightIds = idsOf(p.right);
  const allIds = new Set([...leftIds, ...rightIds]);
  const toLeft: ScalarExpr[] = [];
  const toRight: ScalarExpr[] = [];
  const stay: ScalarExpr[] = [];
  let on = conjuncts(p.on);
  const local = (c: ScalarExpr, ids: Set<ColumnId>) => {
    const cols = columnsOf(c);
    for (const id of cols) if (!ids.has(id) && allIds.has(id)) return false;
    // Outer references (not produced here) are constants for this join.
    return !isVolatile(c);
  };
  const preservesLeft = p.type === "left" || p.type === "full" || p.type === "anti" || p.type === "semi";
  const preservesRight = p.type === "right" || p.type === "full";
  // Conditions from above (WHERE) can go to a side only if that side is not null-extended.
  for (const c of preds) {
    if (local(c, leftIds) && !preservesRight) toLeft.push(c);
    else if (local(c, rightIds) && !preservesLeft) toRight.push(c);
    // A LATERAL join stays a nested loop: no condition joins its sides (it would invite a hash join).
    else if (p.type === "inner" && !p.lateral && !isVolatile(c)) on.push(c);
    else stay.push(c);
  }
  // ON conditions can filter the non-preserved side before the join.
  const keepOn: ScalarExpr[] = [];
  for (const c of on) {
    if (hasSubquery(c) || isVolatile(c)) keepOn.push(c);
    else if (local(c, leftIds) && !preservesLeft && within(c, leftIds, undefined)) toLeft.push(c);
    else if (local(c, rightIds) && !preservesRight && within(c, rightIds, undefined)) toRight.push(c);
    else keepOn.push(c);
  }
  on = keepOn;
  const onExpr = andAll(on);
  const join: LogicalPlan = { kind: "join", type: p.type, left: push(p.left, toLeft), right: push(p.right, toRight), ...(onExpr && { on: onExpr }), ...(p.lateral && { lateral: true }), columns: p.columns };
  return filtered(join, stay);
}
