/**
 * Table statistics as the cost model reads them. ANALYZE gathers them (row count, per-column
 * distinct counts, null fractions and histograms); until a table has been analysed the model
 * uses PostgreSQL-like defaults.
 */
import type { Table } from "../catalog/index.js";
import type { SqlValue } from "../types/index.js";

export interface ColumnStats {
  readonly distinct: number;
  readonly nullFraction: number;
  /** Equi-depth histogram bounds (sorted), for range selectivity; may be empty. */
  readonly histogram: readonly SqlValue[];
}

export interface TableStats {
  readonly rowCount: number;
  /** By column id. */
  readonly columns: ReadonlyMap<number, ColumnStats>;
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
