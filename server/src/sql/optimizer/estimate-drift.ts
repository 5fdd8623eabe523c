/**
 * Cached plans and tables that grow. A table nobody has analysed is costed from the storage
 * engine's estimate of its rows (store-stats.ts), which moves as rows come and go, while a plan
 * is kept for as long as the catalog does not change. So a plan remembers the estimates it was
 * made with, and is made again once one of them has moved by a factor of ESTIMATE_DRIFT_FACTOR in
 * the row count the cost model uses (a table grown from a thousand rows to a million no longer
 * gets the nested loops planned for it when it was small). PostgreSQL gets the same effect from
 * autovacuum's ANALYZE invalidating plans after enough rows changed.
 */
import type { Table } from "../catalog/index.js";
import { DEFAULT_ROW_COUNT, type StatsSource } from "./stats.js";

/** How far an estimate may move before a plan made with it is made again. */
export const ESTIMATE_DRIFT_FACTOR = 2;

/** Estimates are compared at most this often per plan: a comparison asks the store again. */
export const ESTIMATE_CHECK_INTERVAL_MS = 1000;

/** The row count the cost model takes from a storage estimate (tableRowCount's floor). */
function costedRows(estimate: number | undefined): number {
  return estimate === undefined ? DEFAULT_ROW_COUNT : Math.max(DEFAULT_ROW_COUNT, Math.round(estimate));
}

/** Whether a plan costed with estimate `then` should be made again now that it is `now`. */
export function estimateDrifted(then: number | undefined, now: number | undefined): boolean {
  const a = costedRows(then);
  const b = costedRows(now);
  return a * ESTIMATE_DRIFT_FACTOR <= b || b * ESTIMATE_DRIFT_FACTOR <= a;
}

/**
 * A StatsSource that passes `source` through and remembers each storage estimate planning asked
 * for (only tables without ANALYZE statistics are asked), to be compared with the store later.
 */
export class RecordedEstimates {
  readonly stats: StatsSource;
  private readonly seen = new Map<number, { readonly table: Table; readonly rows: number | undefined }>();
  private checkedAt: number;

  constructor(
    private readonly source: StatsSource,
    now: number,
  ) {
    this.checkedAt = now;
    const approximate = source.approximateRows;
    this.stats =
      approximate === undefined
        ? source
        : {
            tableStats: (table) => source.tableStats(table),
            approximateRows: (table) => {
              const rows = approximate.call(source, table);
              if (!this.seen.has(table.id)) this.seen.set(table.id, { table, rows });
              return rows;
            },
          };
  }

  /**
   * True when, at `now` (ms), some estimate has drifted (see estimateDrifted) since planning.
   * Asks the store at most once per ESTIMATE_CHECK_INTERVAL_MS; in between it says false.
   */
  stale(now: number): boolean {
    if (this.seen.size === 0) return false;
    // A clock set back counts as due, rather than as no check until it catches up.
    if (now - this.checkedAt < ESTIMATE_CHECK_INTERVAL_MS && now >= this.checkedAt) return false;
    this.checkedAt = now;
    for (const { table, rows } of this.seen.values()) if (estimateDrifted(rows, this.source.approximateRows?.(table))) return true;
    return false;
  }
}
