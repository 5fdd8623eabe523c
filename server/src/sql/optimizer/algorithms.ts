/**
 * Order-based algorithms the planner weighs against hashing:
 * - merge join: both sides sorted ascending on the join keys (NULLs last), by an index or the
 *   primary key when they already are, else by a sort below; it streams, and is the cheaper
 *   choice when the inputs come ordered;
 * - sort (group) aggregation: when the input already arrives grouped by the GROUP BY columns
 *   (an index or a sort below), it keeps one group in memory and streams its output; and over a
 *   sort when an aggregate call has DISTINCT or ORDER BY.
 * Both executors spill past work_mem as well as their hash counterparts do; the choice is one
 * of cost only, but for DISTINCT and ORDER BY in aggregate calls.
 */
import type { ColumnId, ScalarExpr } from "../plan/expr.js";
import type { AggregateCall, JoinType, OutputColumn, SortKey } from "../plan/logical.js";
import type { Estimate, PhysicalPlan } from "../plan/physical.js";
import { COMPARE_COST, CPU_OPERATOR_COST, CPU_ROW_COST, hashAggregateCost, sortCost, startupOf } from "./cost.js";
import { type Ordering, orderOf, satisfies } from "./ordering.js";

/** The order the merge join executor reads each side in (executor/merge-join.ts MERGE_ORDER). */
function mergeOrder(keys: readonly ScalarExpr[]): SortKey[] {
  return keys.map((expr) => ({ expr, desc: false, nullsFirst: false }));
}

/** `input` as it is when its order already fits (`keys`, or `fits`), else under a sort on `keys`. */
function inOrder(input: PhysicalPlan, keys: readonly SortKey[], fits: (order: Ordering) => boolean = (o) => satisfies(o, keys)): PhysicalPlan {
  if (fits(orderOf(input))) return input;
  return { kind: "sort", input, keys, columns: input.columns, est: sortCost(input.est) };
}

/** Merge join: both sides read once, in step; each row compared about once. */
export function mergeJoinCost(left: Estimate, right: Estimate, rowsOut: number, residualConditions: number): Estimate {
  const startup = startupOf(left) + startupOf(right);
  const total = left.cost + right.cost + (left.rows + right.rows) * COMPARE_COST + rowsOut * (CPU_ROW_COST + residualConditions * CPU_OPERATOR_COST);
  return { rows: rowsOut, startup, cost: total };
}

export interface EquiJoin {
  readonly type: JoinType;
  readonly left: PhysicalPlan;
  readonly right: PhysicalPlan;
  readonly leftKeys: readonly ScalarExpr[];
  readonly rightKeys: readonly ScalarExpr[];
  readonly residual?: ScalarExpr;
  readonly residualConditions: number;
  readonly columns: readonly OutputColumn[];
  readonly rows: number;
}

/** A merge join of an equi-join, with sorts below the sides that need them. */
export function mergeJoinPlan(j: EquiJoin): PhysicalPlan {
  const left = inOrder(j.left, mergeOrder(j.leftKeys));
  const right = inOrder(j.right, mergeOrder(j.rightKeys));
  return {
    kind: "merge join",
    type: j.type,
    left,
    right,
    leftKeys: j.leftKeys,
    rightKeys: j.rightKeys,
    ...(j.residual && { residual: j.residual }),
    columns: j.columns,
    est: mergeJoinCost(left.est, right.est, j.rows, j.residualConditions),
  };
}

/**
 * Column sets whose values no two rows share: the whole primary key of a scanned table, kept
 * through filters, limits, sorts and projections that pass its columns through.
 */
export function uniqueKeysOf(p: PhysicalPlan): ColumnId[][] {
  switch (p.kind) {
    case "scan": {
      if (p.table.primaryKey.length === 0) return [];
      const ids: ColumnId[] = [];
      for (const tableColumnId of p.table.primaryKey) {
        const pos = p.table.columns.findIndex((c) => c.id === tableColumnId);
        const id = pos < 0 ? undefined : p.columns[pos]?.id;
        if (id === undefined) return [];
        ids.push(id);
      }
      return [ids];
    }
    case "filter":
    case "limit":
    case "sort":
      return uniqueKeysOf(p.input);
    case "project": {
      const outOf = new Map<ColumnId, ColumnId>();
      p.exprs.forEach((e, i) => {
        if (e.kind === "column" && !outOf.has(e.id)) outOf.set(e.id, p.columns[i]!.id);
      });
      return uniqueKeysOf(p.input)
        .map((key) => key.map((id) => outOf.get(id)))
        .filter((key): key is ColumnId[] => key.every((id) => id !== undefined));
    }
    default:
      return [];
  }
}

/**
 * Whether rows in `order` come grouped by `groupBy`: the order's leading keys are group columns
 * (in any order and direction) and either cover them all or include a unique key (then every
 * group is one row, as when the grouping adds columns that depend on a primary key).
 */
export function groupedBy(order: Ordering, groupBy: readonly ScalarExpr[], uniqueKeys: readonly (readonly ColumnId[])[] = []): boolean {
  if (groupBy.length === 0) return false;
  const need = new Set<ColumnId>();
  for (const g of groupBy) {
    if (g.kind !== "column") return false;
    if (!order.constants.has(g.id)) need.add(g.id);
  }
  const seen = new Set<ColumnId>(order.constants);
  const unique = () => uniqueKeys.some((key) => key.every((id) => seen.has(id)));
  for (const k of order.keys) {
    if (need.size === 0 || unique()) return true;
    if (order.constants.has(k.id)) continue;
    if (!need.delete(k.id)) return false;
    seen.add(k.id);
  }
  return need.size === 0 || unique();
}

/** Sort aggregation: a comparison per row to find group boundaries; output streams. */
export function sortAggregateCost(input: Estimate, groups: number, aggregates: number): Estimate {
  const cost = input.cost + input.rows * (COMPARE_COST + aggregates * CPU_OPERATOR_COST) + groups * CPU_ROW_COST;
  return { rows: groups, startup: startupOf(input), cost };
}

/**
 * GROUP BY over a planned input: sort aggregation when the input comes grouped, or when an
 * aggregate has DISTINCT or ORDER BY (each such call sorts its group's arguments, and only sort
 * aggregation has one group, so one sort, at a time: PostgreSQL never hashes these either);
 * else hash aggregation.
 */
export function aggregatePlan(input: PhysicalPlan, groupBy: readonly ScalarExpr[], aggregates: readonly AggregateCall[], columns: readonly OutputColumn[], groups: number): PhysicalPlan {
  const sortsPerGroup = aggregates.some((a) => a.distinct || a.orderBy);
  if (groupedBy(orderOf(input), groupBy, uniqueKeysOf(input)) || (groupBy.length > 0 && sortsPerGroup)) {
    const sorted = inOrder(
      input,
      groupBy.map((expr) => ({ expr, desc: false, nullsFirst: false })),
      (order) => groupedBy(order, groupBy, uniqueKeysOf(input)),
    );
    return { kind: "sort aggregate", input: sorted, groupBy, aggregates, columns, est: sortAggregateCost(sorted.est, groups, aggregates.length) };
  }
  return { kind: "hash aggregate", input, groupBy, aggregates, columns, est: hashAggregateCost(input.est, groups, aggregates.length) };
}
