/**
 * Row estimates from the kv store's metadata for tables ANALYZE has not seen: the store's
 * approximateCount over the table's primary-key range (rows are keyed `[table id, 0, key
 * columns...]`, executor/keys.ts), which the single-node store answers from its SSTables' key
 * samples and its memtables without reading data. Synchronous and cheap (a few binary searches
 * per table file), so planning stays synchronous; ColumnCatalog asks once per table and plan.
 */
import type { KvRange, KvStore } from "../../kv/kv.js";
import { KeyEncoder, prefixEnd } from "../../kv/key-encoding.js";
import type { Table } from "../catalog/index.js";
import { NO_STATS, type StatsSource } from "./stats.js";

/** The key range of a table's rows (its primary index, id 0). */
export function primaryKeyRange(table: Table): KvRange {
  const start = new KeyEncoder(16).append(BigInt(table.id)).append(0n).finish();
  const end = prefixEnd(start);
  return end === undefined ? { start } : { start, end };
}

/** A StatsSource with the store's row estimates and no ANALYZE statistics (NO_STATS if the store has no estimates). */
export function storeRowEstimates(store: KvStore): StatsSource {
  const count = store.approximateCount?.bind(store);
  if (count === undefined) return NO_STATS;
  return { tableStats: () => undefined, approximateRows: (table) => count(primaryKeyRange(table)) };
}
