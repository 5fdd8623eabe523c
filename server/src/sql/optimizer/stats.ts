/**
 * Table statistics the cost model reads: row counts and, per column, distinct values, the NULL
 * fraction, the most common values and an equi-depth histogram. ANALYZE gathers them
 * (analyze.ts) and stores them in the catalog (stats-store.ts); until a table has been analysed
 * the model uses PostgreSQL-like defaults, with the row count estimated from storage metadata
 * where the store has it (store-stats.ts, tableRowCount).
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
  /**
   * Rows of a table estimated from storage metadata (the kv store's approximateCount over the
   * table's primary-key range: its SSTables' key samples and its memtables), for tables without
   * ANALYZE statistics; undefined when there is no estimate. See tableRowCount for how it is used.
   */
  approximateRows?(table: Table): number | undefined;
}

export const NO_STATS: StatsSource = { tableStats: () => undefined };

/** Rows assumed in a table nobody has analysed (PostgreSQL assumes ~10 pages' worth). */
export const DEFAULT_ROW_COUNT = 1000;

/**
 * The row count the cost model uses for a table. Precedence: ANALYZE's count when the table has
 * statistics (they also give every column's distinct values, NULLs and histogram, which storage
 * knows nothing about); else the storage estimate, but never below DEFAULT_ROW_COUNT; else
 * DEFAULT_ROW_COUNT. The floor because a plan made for a table of a few rows (nested loops over
 * it) is the one that hurts when the table grows (until estimate-drift.ts notices and it is made
 * again), while assuming a thousand rows of a small table costs little, as PostgreSQL's ten-page
 * assumption for a never-vacuumed table does.
 */
export function tableRowCount(stats: StatsSource, table: Table): number {
  const analysed = stats.tableStats(table);
  if (analysed !== undefined) return Math.max(1, analysed.rowCount);
  const estimated = stats.approximateRows?.(table);
  return estimated === undefined ? DEFAULT_ROW_COUNT : Math.max(DEFAULT_ROW_COUNT, Math.round(estimated));
}
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
