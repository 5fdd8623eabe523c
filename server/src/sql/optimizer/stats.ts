/**
 * Table statistics the cost model reads: row counts and, per column, distinct values, the NULL
 * fraction, the most common values and an equi-depth histogram. ANALYZE gathers them
 * (analyze.ts) and stores them in the catalog (stats-store.ts); until a table has been analysed
 * the model uses PostgreSQL-like defaults.
 */
import type { Table } from "../catalog/index.js";
import type { SqlType, SqlValue } from "../types/index.js";

export interface MostCommonValue {
  /** Never NULL (NULLs are counted by nullFraction). */
  readonly value: SqlValue;
  /** Fraction of all rows (NULLs included) holding the value. */
  readonly frequency: number;
}

export interface ColumnStats {
  /** The type the values below are in (statistics of a column whose type changed are ignored). */
  readonly type: SqlType;
  /** Distinct non-NULL values in the whole table (estimated from the sample). */
  readonly distinct: number;
  readonly nullFraction: number;
  /** Most frequent first; their frequencies sum to at most 1 - nullFraction. */
  readonly mostCommon: readonly MostCommonValue[];
  /**
   * Equi-depth histogram bounds (ascending, at least two or none) over the non-NULL values that
   * are not among mostCommon: each adjacent pair bounds an equal share of those rows.
   */
  readonly histogram: readonly SqlValue[];
}

export interface TableStats {
  readonly rowCount: number;
  /** By table column id. */
  readonly columns: ReadonlyMap<number, ColumnStats>;
  /** The catalog version ANALYZE wrote them in: plans made with other statistics are replanned. */
  readonly version: number;
}

export interface StatsSource {
  tableStats(table: Table): TableStats | undefined;
}

export const NO_STATS: StatsSource = { tableStats: () => undefined };

/** Rows assumed in a table nobody has analysed (PostgreSQL assumes ~10 pages' worth). */
export const DEFAULT_ROW_COUNT = 1000;
/** PostgreSQL's DEFAULT_EQ_SEL and DEFAULT_INEQ_SEL. */
export const DEFAULT_EQ_SELECTIVITY = 0.005;
export const DEFAULT_RANGE_SELECTIVITY = 1 / 3;
/** PostgreSQL's DEFAULT_RANGE_INEQ_SEL: `a > x AND a < y` on a column without a histogram. */
export const DEFAULT_BETWEEN_SELECTIVITY = 0.005;
/** PostgreSQL's DEFAULT_MATCH_SEL (LIKE without statistics) and DEFAULT_UNK_SEL (IS NULL). */
export const DEFAULT_MATCH_SELECTIVITY = 0.005;
export const DEFAULT_NULL_SELECTIVITY = 0.005;
/** PostgreSQL's DEFAULT_NUM_DISTINCT: distinct values assumed of a column without statistics. */
export const DEFAULT_DISTINCT = 200;
