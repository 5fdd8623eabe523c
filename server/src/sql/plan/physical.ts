/**
 * Physical plans: the logical operators with their algorithms and access paths chosen, and the
 * optimizer's estimates attached. The executor builds one operator per node.
 */
import type { Index, Table } from "../catalog/index.js";
import type { ScalarExpr } from "./expr.js";
import type { AggregateCall, JoinType, LogicalPlan, OutputColumn, RowLockMode, RowLockWait, SortKey, WindowCall } from "./logical.js";

export interface Estimate {
  /** Rows the node is expected to produce. */
  readonly rows: number;
  /** Cost before the first row comes out (what a LIMIT always pays); absent: 0. */
  readonly startup?: number;
  /** Total cost to produce them all (abstract units: one sequential row read is 1; optimizer/cost.ts). */
  readonly cost: number;
}

/** One contiguous range of an index: equalities on its leading columns, then an optional range on the next. */
export interface KeyRange {
  readonly eq: readonly ScalarExpr[];
  readonly lower?: { readonly expr: ScalarExpr; readonly inclusive: boolean };
  readonly upper?: { readonly expr: ScalarExpr; readonly inclusive: boolean };
}

export type PhysicalPlan = (
  | {
      /**
       * Reads a table through its primary key (index undefined) or a secondary index (then each
       * entry leads back to its row). `ranges` undefined reads everything; several ranges are
       * read in order (IN lists). `point` says every range is one full primary key: a get.
       */
      readonly kind: "scan";
      readonly table: Table;
      readonly alias: string;
      readonly index?: Index;
      readonly ranges?: readonly KeyRange[];
      readonly point: boolean;
      readonly reverse: boolean;
      /** Conditions checked on each row (what the ranges do not cover). */
      readonly filter?: ScalarExpr;
      readonly columns: readonly OutputColumn[];
      readonly rowId?: OutputColumn;
      readonly lock?: RowLockMode;
      readonly lockWait?: RowLockWait;
      /** Stop after this many rows pass the filter (a LIMIT pushed into the scan). */
      readonly limit?: ScalarExpr;
      /**
       * Positions (in table.columns) of the columns the statement reads, ascending; the others
       * are never decoded and come back NULL (optimizer/read-columns.ts). Absent: every column.
       */
      readonly reads?: readonly number[];
    }
  | {
      /**
       * The k nearest rows by the index's distance to `query`, nearest first, through an HNSW
       * index (optimizer/vector-routing.ts). With a filter it asks the index for k / selectivity
       * candidates; when fewer than k rows come back (fewer pass the filter, or the table has
       * rows with NULL vectors) it scans the table exactly instead, so it returns what the
       * exact plan would.
       */
      readonly kind: "vector search";
      readonly table: Table;
      readonly alias: string;
      readonly index: Index;
      readonly query: ScalarExpr;
      readonly k: ScalarExpr;
      readonly filter?: ScalarExpr;
      /** Estimated fraction of rows that pass `filter` (1 without one), in (0, 1]. */
      readonly selectivity: number;
      /**
       * When set, the last of `columns`: each row's distance to `query` (the operator's value, as
       * the index computed it), so the ORDER BY expression above need not compute it again.
       */
      readonly distance?: OutputColumn;
      /**
       * Nothing above reads more than the primary key (and the distance): rows found through
       * the index are not read, their other columns are NULL.
       */
      readonly keyOnly?: boolean;
      readonly columns: readonly OutputColumn[];
      readonly rowId?: OutputColumn;
    }
  | { readonly kind: "values"; readonly rows: readonly (readonly ScalarExpr[])[]; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "filter"; readonly input: PhysicalPlan; readonly predicate: ScalarExpr; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "project"; readonly input: PhysicalPlan; readonly exprs: readonly ScalarExpr[]; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "nested loop join"; readonly type: JoinType; readonly left: PhysicalPlan; readonly right: PhysicalPlan; readonly on?: ScalarExpr; readonly columns: readonly OutputColumn[] }
  | {
      readonly kind: "hash join";
      readonly type: JoinType;
      /** The probe side (streamed). */
      readonly left: PhysicalPlan;
      /** The build side (hashed in memory). */
      readonly right: PhysicalPlan;
      readonly leftKeys: readonly ScalarExpr[];
      readonly rightKeys: readonly ScalarExpr[];
      readonly residual?: ScalarExpr;
      readonly columns: readonly OutputColumn[];
    }
  | {
      readonly kind: "merge join";
      readonly type: JoinType;
      readonly left: PhysicalPlan;
      readonly right: PhysicalPlan;
      readonly leftKeys: readonly ScalarExpr[];
      readonly rightKeys: readonly ScalarExpr[];
      readonly residual?: ScalarExpr;
      readonly columns: readonly OutputColumn[];
    }
  | {
      readonly kind: "hash aggregate" | "sort aggregate";
      readonly input: PhysicalPlan;
      readonly groupBy: readonly ScalarExpr[];
      readonly aggregates: readonly AggregateCall[];
      readonly columns: readonly OutputColumn[];
    }
  | { readonly kind: "window"; readonly input: PhysicalPlan; readonly windows: readonly WindowCall[]; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "sort"; readonly input: PhysicalPlan; readonly keys: readonly SortKey[]; readonly columns: readonly OutputColumn[]; readonly limit?: ScalarExpr }
  | { readonly kind: "limit"; readonly input: PhysicalPlan; readonly limit?: ScalarExpr; readonly offset?: ScalarExpr; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "distinct"; readonly input: PhysicalPlan; readonly on?: readonly ScalarExpr[]; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "setop"; readonly op: "union" | "intersect" | "except"; readonly all: boolean; readonly left: PhysicalPlan; readonly right: PhysicalPlan; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "cte scan" | "worktable scan"; readonly cteId: number; readonly name: string; readonly columns: readonly OutputColumn[] }
  | Extract<LogicalPlan, { kind: "function scan" }>
  | { readonly kind: "with"; readonly ctes: readonly PhysicalCte[]; readonly body: PhysicalPlan; readonly columns: readonly OutputColumn[] }
  | (Omit<Extract<LogicalPlan, { kind: "insert" }>, "source"> & { readonly source: PhysicalPlan })
  | (Omit<Extract<LogicalPlan, { kind: "update" }>, "input"> & { readonly input: PhysicalPlan })
  | (Omit<Extract<LogicalPlan, { kind: "delete" }>, "input"> & { readonly input: PhysicalPlan })
) & { readonly est: Estimate };

/**
 * The most candidates one filtered vector search asks the HNSW index for (at least k). The
 * optimizer routes a filter so selective that it would need more to the exact plan.
 */
export const MAX_HNSW_CANDIDATES = 1000;

export interface PhysicalCte {
  readonly id: number;
  readonly name: string;
  readonly plan: PhysicalPlan;
  readonly recursive?: { readonly term: PhysicalPlan; readonly all: boolean };
  readonly columns: readonly OutputColumn[];
}

export function physicalInputs(p: PhysicalPlan): PhysicalPlan[] {
  switch (p.kind) {
    case "scan":
    case "vector search":
    case "values":
    case "cte scan":
    case "worktable scan":
    case "function scan":
      return [];
    case "nested loop join":
    case "hash join":
    case "merge join":
    case "setop":
      return [p.left, p.right];
    case "with":
      return [...p.ctes.flatMap((c) => (c.recursive ? [c.plan, c.recursive.term] : [c.plan])), p.body];
    case "insert":
      return [p.source];
    default:
      return [p.input];
  }
}
