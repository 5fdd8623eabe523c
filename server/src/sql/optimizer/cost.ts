/**
 * The cost model: what each physical operator costs, in abstract units where reading one row
 * in key order is 1. Every formula gives a startup cost (spent before the first row comes out)
 * and a total cost (all rows), as PostgreSQL's do, so a LIMIT can charge a pipelined input only
 * for the share of rows it takes.
 *
 * The constants reflect the kv store: a sequential read (the next entry of a cursor) is cheap, a
 * seek (positioning a cursor, a point get, the row lookup behind a secondary index entry) costs
 * several of them; CPU work per row and per condition is small beside both.
 */
import type { Estimate } from "../plan/physical.js";

/** Reading the next row of a cursor and decoding it. */
export const SEQ_ROW_COST = 1;
/** Positioning a cursor, or a point get (PostgreSQL's random_page_cost against seq_page_cost). */
export const SEEK_COST = 4;
/** Passing one row through an operator. */
export const CPU_ROW_COST = 0.01;
/** Evaluating one condition or expression on a row. */
export const CPU_OPERATOR_COST = 0.0025;
/** Hashing a row into a hash table (hash join build, hash aggregate). */
export const HASH_BUILD_COST = 0.02;
/** Looking a row's key up in a hash table. */
export const HASH_PROBE_COST = 0.01;
/** One comparison in a sort. */
export const COMPARE_COST = 0.005;

/** The startup cost of an estimate (absent: 0). */
export function startupOf(e: Estimate): number {
  return e.startup ?? 0;
}

export interface ScanShape {
  /** Seeks: one per key range (point gets included); 0 for a full scan. */
  readonly seeks: number;
  /** Index or table entries read. */
  readonly entriesRead: number;
  /** Each entry leads to a row lookup (a secondary index). */
  readonly rowLookups: boolean;
  /** Conditions checked on every row read. */
  readonly filterConditions: number;
  readonly rowsOut: number;
}

export function scanCost(s: ScanShape): Estimate {
  const startup = s.seeks > 0 ? SEEK_COST : 0;
  const perEntry = SEQ_ROW_COST + (s.rowLookups ? SEEK_COST : 0) + s.filterConditions * CPU_OPERATOR_COST;
  const total = s.seeks * SEEK_COST + s.entriesRead * perEntry + s.rowsOut * CPU_ROW_COST;
  return { rows: s.rowsOut, startup, cost: total };
}

/** A filter or projection over `input`: per-row work of `conditions` expressions. */
export function perRowCost(input: Estimate, rowsOut: number, conditions: number): Estimate {
  const perRow = CPU_ROW_COST + conditions * CPU_OPERATOR_COST;
  return { rows: rowsOut, startup: startupOf(input), cost: input.cost + input.rows * perRow };
}

/** Hash join: the right side is read and hashed first; the left side streams past it. */
export function hashJoinCost(left: Estimate, right: Estimate, rowsOut: number, residualConditions: number): Estimate {
  const startup = right.cost + right.rows * HASH_BUILD_COST + startupOf(left);
  const total = right.cost + right.rows * HASH_BUILD_COST + left.cost + left.rows * HASH_PROBE_COST + rowsOut * (CPU_ROW_COST + residualConditions * CPU_OPERATOR_COST);
  return { rows: rowsOut, startup, cost: total };
}

/** Nested loop over a right side read once into memory: every pair is checked. */
export function nestedLoopCost(left: Estimate, right: Estimate, rowsOut: number, conditions: number): Estimate {
  const pairs = left.rows * right.rows;
  const startup = startupOf(left) + right.cost;
  const total = left.cost + right.cost + pairs * (CPU_ROW_COST + Math.max(1, conditions) * CPU_OPERATOR_COST) + rowsOut * CPU_ROW_COST;
  return { rows: rowsOut, startup, cost: total };
}

/** Index nested loop: the inner scan runs once per left row (its estimate is per run). */
export function indexNestedLoopCost(left: Estimate, innerPerRun: Estimate, rowsOut: number, conditions: number): Estimate {
  const startup = startupOf(left) + startupOf(innerPerRun);
  const total = left.cost + left.rows * innerPerRun.cost + rowsOut * (CPU_ROW_COST + conditions * CPU_OPERATOR_COST);
  return { rows: rowsOut, startup, cost: total };
}

/** Hash aggregation: every input row is hashed before the first group comes out. */
export function hashAggregateCost(input: Estimate, groups: number, aggregates: number): Estimate {
  const startup = input.cost + input.rows * (HASH_BUILD_COST + aggregates * CPU_OPERATOR_COST);
  return { rows: groups, startup, cost: startup + groups * CPU_ROW_COST };
}

/** A full sort: n log n comparisons, all before the first row. */
export function sortCost(input: Estimate): Estimate {
  const n = Math.max(1, input.rows);
  const startup = input.cost + n * Math.log2(Math.max(2, n)) * COMPARE_COST * 2;
  return { rows: input.rows, startup, cost: startup + n * CPU_ROW_COST };
}

/** Top-N sort: a heap of `keep` rows, so n log(keep) comparisons; only `keep` rows come out. */
export function topNCost(input: Estimate, keep: number): Estimate {
  const n = Math.max(1, input.rows);
  const k = Math.max(1, Math.min(keep, n));
  const startup = input.cost + n * Math.log2(Math.max(2, 2 * k)) * COMPARE_COST * 2;
  return { rows: k, startup, cost: startup + k * CPU_ROW_COST };
}

/** LIMIT: a pipelined input is charged for the share of its rows read, a blocking one in full (its startup). */
export function limitCost(input: Estimate, rowsRead: number, rowsOut: number): Estimate {
  const fraction = input.rows > 0 ? Math.min(1, rowsRead / input.rows) : 1;
  return { rows: rowsOut, startup: startupOf(input), cost: startupOf(input) + (input.cost - startupOf(input)) * fraction };
}
