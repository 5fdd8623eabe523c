/**
 * Table statistics in the catalog: ANALYZE saves them under `[0, "stats", tableId]` (a catalog
 * change, so transactional and a new catalog version), and planning loads them through the
 * catalog's per-version cache. The stored form is JSON with values as one-row encodings of the
 * column's type (row-codec.ts), so every type round-trips exactly.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Catalog, Table } from "../catalog/index.js";
import { decodeRow, encodeRow, type SqlType, type SqlValue, TYPE_KINDS } from "../types/index.js";
import type { ColumnStats, StatsSource, TableStats } from "./stats.js";

const FORMAT = 1;

function valuesToText(values: readonly SqlValue[], type: SqlType): string {
  return encodeRow(
    values.map((_, i) => ({ id: i, type })),
    values,
  ).toString("base64");
}

function valuesFromText(text: string, count: number, type: SqlType): SqlValue[] {
  return decodeRow(
    Buffer.from(text, "base64"),
    Array.from({ length: count }, (_, i) => ({ id: i, type })),
  );
}

/** The stored form of a table's statistics. */
export function encodeTableStats(stats: TableStats): Buffer {
  const columns = [...stats.columns].map(([id, c]) => ({
    id,
    type: c.type,
    distinct: c.distinct,
    nullFraction: c.nullFraction,
    mostCommon: valuesToText(
      c.mostCommon.map((m) => m.value),
      c.type,
    ),
    frequencies: c.mostCommon.map((m) => m.frequency),
    histogram: valuesToText(c.histogram, c.type),
    bounds: c.histogram.length,
  }));
  return Buffer.from(JSON.stringify({ format: FORMAT, rowCount: stats.rowCount, version: stats.version, columns }, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)), "utf8");
}

function corrupt(what: string): SqlStateError {
  return new SqlStateError(`corrupt catalog entry: table statistics: ${what}`, "XX001");
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;

function decodeColumn(o: Record<string, unknown>): [number, ColumnStats] {
  const type = o.type as SqlType;
  if (typeof type !== "object" || type === null || !(TYPE_KINDS as readonly string[]).includes(type.kind)) throw corrupt("bad column type");
  const frequencies = o.frequencies;
  if (!Array.isArray(frequencies) || !frequencies.every(isCount)) throw corrupt("bad frequencies");
  if (!isCount(o.id) || !isCount(o.distinct) || !isCount(o.nullFraction) || !isCount(o.bounds) || typeof o.mostCommon !== "string" || typeof o.histogram !== "string") throw corrupt("bad column");
  const common = valuesFromText(o.mostCommon, frequencies.length, type);
  const stats: ColumnStats = {
    type,
    distinct: o.distinct,
    nullFraction: o.nullFraction,
    mostCommon: Object.freeze(common.map((value, i) => Object.freeze({ value, frequency: frequencies[i] as number }))),
    histogram: Object.freeze(valuesFromText(o.histogram, o.bounds, type)),
  };
  return [o.id, Object.freeze(stats)];
}

/** Inverse of encodeTableStats; frozen, since the catalog cache shares it between transactions. */
export function decodeTableStats(bytes: Uint8Array): TableStats {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown>;
  } catch {
    throw corrupt("not JSON");
  }
  if (o === null || typeof o !== "object" || o.format !== FORMAT) throw corrupt(`unknown format ${String((o as { format?: unknown } | null)?.format)}`);
  if (!isCount(o.rowCount) || !isCount(o.version) || !Array.isArray(o.columns)) throw corrupt("bad header");
  const columns = new Map((o.columns as Record<string, unknown>[]).map(decodeColumn));
  return Object.freeze({ rowCount: o.rowCount, version: o.version, columns });
}

/** Stores a table's statistics (ANALYZE), stamped with the catalog version the write makes. */
export async function saveTableStats(catalog: Catalog, table: Table, stats: Omit<TableStats, "version">): Promise<void> {
  await catalog.putTableStatistics(table.id, (version) => encodeTableStats({ ...stats, version }));
}

/** The statistics of the given tables that have been analysed, by table id. */
export async function loadTableStats(catalog: Catalog, tableIds: Iterable<number>): Promise<Map<number, TableStats>> {
  const out = new Map<number, TableStats>();
  for (const id of tableIds) {
    if (out.has(id)) continue;
    const s = await catalog.tableStatistics(id, decodeTableStats);
    if (s) out.set(id, s);
  }
  return out;
}

/**
 * A StatsSource over loaded statistics, falling back to `fallback` for tables never analysed
 * (its storage row estimates included: tableRowCount asks for them only without statistics).
 */
export function statsSourceOf(loaded: ReadonlyMap<number, TableStats>, fallback: StatsSource): StatsSource {
  if (fallback.approximateRows === undefined) return { tableStats: (table) => loaded.get(table.id) ?? fallback.tableStats(table) };
  return { tableStats: (table) => loaded.get(table.id) ?? fallback.tableStats(table), approximateRows: (table) => fallback.approximateRows?.(table) };
}
