/**
 * Logical plans: relational operators over bound expressions, as the analyzer builds them and
 * the optimizer rewrites them. Every node lists the columns it produces (`columns`), each with a
 * plan-wide id; a parent refers to its input's columns by those ids.
 */
import type { Index, Table } from "../catalog/index.js";
import type { SetReturningFunction } from "../functions/index.js";
import type { SqlType } from "../types/index.js";
import type { ColumnId, ScalarExpr } from "./expr.js";

export interface OutputColumn {
  readonly id: ColumnId;
  readonly name: string;
  readonly type: SqlType;
  /** For RowDescription: the table (OID) and 1-based column it is a plain reference to, else 0. */
  readonly tableOid: number;
  readonly columnNumber: number;
}

export interface SortKey {
  readonly expr: ScalarExpr;
  readonly desc: boolean;
  readonly nullsFirst: boolean;
}

export interface AggregateCall {
  /** The output column the aggregate's value lands in. */
  readonly id: ColumnId;
  /** Lower-case aggregate name: count, sum, avg, min, max, string_agg, ... */
  readonly name: string;
  /** Empty for count(*). */
  readonly args: readonly ScalarExpr[];
  readonly distinct: boolean;
  readonly filter?: ScalarExpr;
  readonly orderBy?: readonly SortKey[];
  readonly type: SqlType;
}

export type FrameBoundSpec =
  | { readonly kind: "unbounded preceding" | "current row" | "unbounded following" }
  | { readonly kind: "preceding" | "following"; readonly offset: ScalarExpr };

export interface WindowFrameSpec {
  readonly mode: "rows" | "range" | "groups";
  readonly start: FrameBoundSpec;
  readonly end: FrameBoundSpec;
  readonly exclude?: "current row" | "group" | "ties";
}

export interface WindowCall {
  readonly id: ColumnId;
  readonly name: string;
  readonly args: readonly ScalarExpr[];
  readonly distinct: boolean;
  readonly filter?: ScalarExpr;
  readonly partitionBy: readonly ScalarExpr[];
  readonly orderBy: readonly SortKey[];
  /** Absent: PostgreSQL's default (RANGE UNBOUNDED PRECEDING .. CURRENT ROW, or the whole partition without ORDER BY). */
  readonly frame?: WindowFrameSpec;
  readonly type: SqlType;
}

export type JoinType = "inner" | "left" | "right" | "full" | "semi" | "anti";

export type RowLockMode = "update" | "no key update" | "share" | "key share";
/** What a row lock does when another transaction holds the row: NOWAIT fails (55P03), SKIP LOCKED leaves the row out. */
export type RowLockWait = "nowait" | "skip locked";

export interface OnConflict {
  /** Column ids of the conflict target (a unique index or the primary key); empty: any unique violation. */
  readonly target: readonly number[];
  readonly action: "nothing" | "update";
  /** DO UPDATE SET: table column id → expression over the existing row's and EXCLUDED's columns. */
  readonly assignments?: readonly { readonly columnId: number; readonly expr: ScalarExpr }[];
  readonly where?: ScalarExpr;
  /** Ids under which the existing row's columns and EXCLUDED's columns are visible to the expressions. */
  readonly existingColumns?: readonly OutputColumn[];
  readonly excludedColumns?: readonly OutputColumn[];
}

export type LogicalPlan =
  | {
      readonly kind: "scan";
      readonly table: Table;
      readonly alias: string;
      /** One per table column, in table order; the optimizer prunes unused ones from reads. */
      readonly columns: readonly OutputColumn[];
      /** Row lock SELECT ... FOR UPDATE/SHARE takes on every row it returns. */
      readonly lock?: RowLockMode;
      /** Absent: wait for the lock. */
      readonly lockWait?: RowLockWait;
      /** Tables without a primary key: the hidden row id, produced for UPDATE and DELETE. */
      readonly rowId?: OutputColumn;
    }
  | { readonly kind: "values"; readonly rows: readonly (readonly ScalarExpr[])[]; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "filter"; readonly input: LogicalPlan; readonly predicate: ScalarExpr; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "project"; readonly input: LogicalPlan; readonly exprs: readonly ScalarExpr[]; readonly columns: readonly OutputColumn[] }
  | {
      readonly kind: "join";
      readonly type: JoinType;
      readonly left: LogicalPlan;
      readonly right: LogicalPlan;
      readonly on?: ScalarExpr;
      /**
       * LATERAL: the right side reads the left side's columns, so it runs once per left row (a
       * nested loop binding them) and the join is never reordered.
       */
      readonly lateral?: boolean;
      readonly columns: readonly OutputColumn[];
    }
  | {
      readonly kind: "aggregate";
      readonly input: LogicalPlan;
      /** Grouping expressions; group i's value lands in columns[i]. */
      readonly groupBy: readonly ScalarExpr[];
      readonly aggregates: readonly AggregateCall[];
      /** groupBy columns then one per aggregate. */
      readonly columns: readonly OutputColumn[];
    }
  | { readonly kind: "window"; readonly input: LogicalPlan; readonly windows: readonly WindowCall[]; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "sort"; readonly input: LogicalPlan; readonly keys: readonly SortKey[]; readonly columns: readonly OutputColumn[] }
  | { readonly kind: "limit"; readonly input: LogicalPlan; readonly limit?: ScalarExpr; readonly offset?: ScalarExpr; readonly columns: readonly OutputColumn[] }
  /** DISTINCT, or DISTINCT ON (keys): the first row of each key (the input is sorted by it). */
  | { readonly kind: "distinct"; readonly input: LogicalPlan; readonly on?: readonly ScalarExpr[]; readonly columns: readonly OutputColumn[] }
  | {
      readonly kind: "setop";
      readonly op: "union" | "intersect" | "except";
      readonly all: boolean;
      readonly left: LogicalPlan;
      readonly right: LogicalPlan;
      /** New ids; the i-th column of each side feeds columns[i] (cast to its type). */
      readonly columns: readonly OutputColumn[];
    }
  /** Reads a WITH query's result (materialised once per statement execution). */
  | { readonly kind: "cte scan"; readonly cteId: number; readonly name: string; readonly columns: readonly OutputColumn[] }
  /**
   * A set-returning function in FROM (generate_series, unnest...): its value column, then with
   * ORDINALITY the row number. The arguments may read an enclosing query's columns.
   */
  | {
      readonly kind: "function scan";
      readonly fn: SetReturningFunction;
      readonly args: readonly ScalarExpr[];
      readonly alias: string;
      readonly ordinality: boolean;
      readonly columns: readonly OutputColumn[];
    }
  | {
      readonly kind: "with";
      readonly ctes: readonly CteDefinition[];
      readonly body: LogicalPlan;
      readonly columns: readonly OutputColumn[];
    }
  /** Inside a recursive CTE's recursive term: the rows the previous iteration produced. */
  | { readonly kind: "worktable scan"; readonly cteId: number; readonly name: string; readonly columns: readonly OutputColumn[] }
  | {
      readonly kind: "insert";
      readonly table: Table;
      readonly indexes: readonly Index[];
      /** Produces whole rows in table column order (defaults already filled in). */
      readonly source: LogicalPlan;
      /** Ids the new row's columns have for checks and RETURNING (table order). */
      readonly rowColumns: readonly OutputColumn[];
      readonly checks: readonly CheckConstraint[];
      readonly onConflict?: OnConflict;
      /** RETURNING expressions over rowColumns. */
      readonly returning?: readonly ScalarExpr[];
      readonly columns: readonly OutputColumn[];
    }
  | {
      readonly kind: "update";
      readonly table: Table;
      readonly indexes: readonly Index[];
      /** Produces the old row (the table's columns, as `tableColumns`) plus whatever the assignments read. */
      readonly input: LogicalPlan;
      readonly tableColumns: readonly OutputColumn[];
      /** Assignment expressions are over the input's columns. */
      readonly assignments: readonly { readonly columnId: number; readonly expr: ScalarExpr }[];
      readonly rowColumns: readonly OutputColumn[];
      readonly checks: readonly CheckConstraint[];
      /** RETURNING expressions over rowColumns (the new row) and, for UPDATE ... FROM, the input's columns. */
      readonly returning?: readonly ScalarExpr[];
      readonly columns: readonly OutputColumn[];
    }
  | {
      readonly kind: "delete";
      readonly table: Table;
      readonly indexes: readonly Index[];
      readonly input: LogicalPlan;
      readonly tableColumns: readonly OutputColumn[];
      /** RETURNING expressions over tableColumns (the deleted row). */
      readonly returning?: readonly ScalarExpr[];
      readonly columns: readonly OutputColumn[];
    };

/** A CHECK constraint bound over a write's rowColumns. */
export interface CheckConstraint {
  readonly name: string;
  readonly expr: ScalarExpr;
}

export interface CteDefinition {
  readonly id: number;
  readonly name: string;
  readonly plan: LogicalPlan;
  /** WITH RECURSIVE: plan is the non-recursive term; this is the recursive term (reading the worktable). */
  readonly recursive?: { readonly term: LogicalPlan; readonly all: boolean };
  readonly columns: readonly OutputColumn[];
}


export function inputsOf(p: LogicalPlan): LogicalPlan[] {
  switch (p.kind) {
    case "scan":
    case "values":
    case "cte scan":
    case "worktable scan":
    case "function scan":
      return [];
    case "join":
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
