/**
 * ANALYZE: reads each table once, counting its rows and keeping a bounded random sample of them
 * (reservoir sampling, so memory does not grow with the table), computes per-column statistics
 * from the sample (column-stats.ts) and stores them in the catalog (stats-store.ts).
 *
 * The sample is drawn with a seeded generator (seeded by the table id by default), so analysing
 * the same rows gives the same statistics and plans stay reproducible.
 */
import { mulberry32 } from "../../common/mulberry32.js";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { KvTransaction } from "../../kv/kv.js";
import { type Catalog, type Table, tableSpan } from "../catalog/index.js";
import { RowCodec, type SqlValue } from "../types/index.js";
import { columnStats } from "./column-stats.js";
import type { ColumnStats, TableStats } from "./stats.js";
import { saveTableStats } from "./stats-store.js";

export interface AnalyzeOptions {
  /** Rows sampled per table at most (PostgreSQL: 300 × the statistics target). */
  readonly sampleRows?: number;
  /** Most common values and histogram buckets per column (PostgreSQL's default_statistics_target). */
  readonly target?: number;
  /** A uniform random source in [0, 1) for a table's sample. */
  readonly randomFor?: (table: Table) => () => number;
  /** Called between batches of rows; throws to cancel. */
  readonly checkCancel?: () => void;
}

export const DEFAULT_STATISTICS_TARGET = 100;
export const DEFAULT_SAMPLE_ROWS = 300 * DEFAULT_STATISTICS_TARGET;
const BATCH_ROWS = 256;

/** The sampler's generator, seeded per table so one table's statistics are the same every time. */
export const seededRandom = mulberry32;

/**
 * A uniform sample of at most `capacity` items from a stream of unknown length (Algorithm R):
 * after n offers every item has been kept with probability capacity / n.
 */
export class Reservoir<T> {
  private readonly items: T[] = [];
  private offered = 0;

  constructor(
    readonly capacity: number,
    private readonly random: () => number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`reservoir capacity must be a positive integer, not ${capacity}`);
  }

  /** Offers the next item; `make` runs only when the item is kept (so rejected rows cost nothing). */
  offer(make: () => T): void {
    const n = this.offered++;
    if (n < this.capacity) {
      this.items.push(make());
      return;
    }
    const j = Math.floor(this.random() * (n + 1));
    if (j < this.capacity) this.items[j] = make();
  }

  /** Items offered so far. */
  get seen(): number {
    return this.offered;
  }

  get sample(): readonly T[] {
    return this.items;
  }
}

/** Reads a table and computes its statistics (everything but the catalog version). */
export async function gatherTableStats(tx: KvTransaction, table: Table, options: AnalyzeOptions = {}): Promise<Omit<TableStats, "version">> {
  const random = options.randomFor?.(table) ?? seededRandom(table.id);
  const reservoir = new Reservoir<Uint8Array>(options.sampleRows ?? DEFAULT_SAMPLE_ROWS, random);
  const cursor = tx.scan(tableSpan(table));
  try {
    for (;;) {
      options.checkCancel?.();
      const batch = await cursor.nextBatch(BATCH_ROWS);
      if (batch.length === 0) break;
      // NB: copy kept values, since a cursor may reuse its buffers.
      for (const e of batch) reservoir.offer(() => Uint8Array.from(e.value));
    }
  } finally {
    cursor.close();
  }
  const codec = new RowCodec(table.columns);
  const rows: SqlValue[][] = reservoir.sample.map((v) => codec.decode(v));
  const target = options.target ?? DEFAULT_STATISTICS_TARGET;
  const columns = new Map<number, ColumnStats>();
  table.columns.forEach((c, i) => {
    columns.set(c.id, columnStats({ type: c.type, values: rows.map((r) => r[i]!), totalRows: reservoir.seen, target }));
  });
  return { rowCount: reservoir.seen, columns };
}

/** What ANALYZE did: the warnings PostgreSQL would give for names that are not tables. */
export interface AnalyzeResult {
  readonly warnings: readonly string[];
}

/**
 * ANALYZE [table, ...]: every named table (no names: every table), each under an
 * intention-shared lock (writers go on), its statistics saved in the transaction.
 */
export async function analyzeTables(catalog: Catalog, names: readonly string[], options: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  if (catalog.tx.readOnly) throw new SqlStateError("cannot execute ANALYZE in a read-only transaction", "25006");
  const warnings: string[] = [];
  const tables: Table[] = [];
  if (names.length === 0) {
    for (const t of await catalog.listTables()) tables.push(await catalog.useTable(t.name, "intention-shared"));
  } else {
    for (const name of names) {
      const ref = await catalog.relation(name);
      if (ref === undefined) throw new SqlStateError(`relation "${name}" does not exist`, "42P01");
      if (ref.kind !== "table") {
        warnings.push(`skipping "${name}" --- cannot analyze non-tables or special system tables`);
        continue;
      }
      const t = await catalog.useTable(name, "intention-shared");
      if (!tables.some((x) => x.id === t.id)) tables.push(t);
    }
  }
  for (const t of tables) await saveTableStats(catalog, t, await gatherTableStats(catalog.tx, t, options));
  return { warnings };
}
