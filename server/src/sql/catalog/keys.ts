/**
 * The SQL layer's key layout, all of it tuples in the order-preserving encoding
 * (kv/key-encoding.ts), so every key sorts by its components.
 *
 * The first component is an integer naming a key space: 0 is the catalog, and every table owns
 * the space of its id. Ids start at FIRST_OBJECT_ID (16384, where PostgreSQL's user OIDs start,
 * so ids can be reported as OIDs) and are never reused, so a dropped table's leftover keys can
 * never be read as another table's.
 *
 *   catalog (space 0)
 *     [0, "meta", "version"]             → [counter, token]   bumped by every committed DDL
 *     [0, "meta", "next_id"]             → [id]               next object id
 *     [0, "rel", schema, name]           → [kind, id, table]  one namespace for tables, indexes,
 *                                                              sequences, views (table: an index's table)
 *     [0, "table", id]                   → table descriptor (JSON)
 *     [0, "index", tableId, id]          → index descriptor (JSON); a prefix scan lists a table's indexes
 *     [0, "sequence", id]                → sequence descriptor (JSON)
 *     [0, "view", id]                    → view descriptor (JSON): definition text, columns, dependencies
 *     [0, "seqval", id]                  → [last value, is_called]   written outside DDL (nextval)
 *     [0, "rowid", tableId]              → [last row id, true]        hidden row ids, like a sequence
 *     [0, "role", name]                  → role (JSON)
 *     [0, "stats", tableId]              → optimizer statistics of a table (JSON), written by ANALYZE
 *     [0, "dropped", id]                 → [start, end, ...]: key ranges a dropped relation left,
 *                                          awaiting purge (rows, index entries, sequence state)
 *
 *   table data (space = table id)
 *     [tableId, 0, ...primary key]       → row (row-codec.ts); without a primary key the single
 *                                          key column is the hidden int8 row id
 *     [tableId, indexId, ...index columns, ...primary key] → empty
 *                                          a secondary (btree) index entry; the primary key
 *                                          suffix keeps entries distinct when index values repeat
 *                                          (or are NULL) and leads back to the row
 *     [tableId, indexId, ...primary key]  → vector (kv putVector)
 *                                          an hnsw index entry: one per row whose vector is not
 *                                          NULL, written with the index's VectorIndexSpec
 *                                          (vector-index.ts) so the store indexes it
 *
 * Because every component is self-delimiting and no component encoding is a prefix of another,
 * the keys of one (table, index) pair form one contiguous range that no other pair's keys enter,
 * and the catalog (space 0) sorts before all data. Keys whose first component is not an integer
 * are left to others.
 */
import { type Direction, decodeTuple, encodeTuple, KeyEncoder, prefixEnd } from "../../kv/key-encoding.js";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { fromKeyValue, INT8, type SqlType, type SqlValue, toKeyValue } from "../types/index.js";
import type { Index, RelationKind, Table } from "./model.js";

/** The first id handed out (ids below are reserved for the system). */
export const FIRST_OBJECT_ID = 16384;
/** The index id of a table's rows. */
export const PRIMARY_INDEX_ID = 0;

const CATALOG = 0n;
const big = (n: number) => BigInt(n);

export const VERSION_KEY = encodeTuple([CATALOG, "meta", "version"]);
export const NEXT_ID_KEY = encodeTuple([CATALOG, "meta", "next_id"]);

export const relationKey = (schema: string, name: string) => encodeTuple([CATALOG, "rel", schema, name]);
export const tableKey = (id: number) => encodeTuple([CATALOG, "table", big(id)]);
export const TABLES_PREFIX = encodeTuple([CATALOG, "table"]);
export const indexKey = (tableId: number, id: number) => encodeTuple([CATALOG, "index", big(tableId), big(id)]);
export const indexesPrefix = (tableId: number) => encodeTuple([CATALOG, "index", big(tableId)]);
export const sequenceKey = (id: number) => encodeTuple([CATALOG, "sequence", big(id)]);
export const SEQUENCES_PREFIX = encodeTuple([CATALOG, "sequence"]);
export const viewKey = (id: number) => encodeTuple([CATALOG, "view", big(id)]);
export const VIEWS_PREFIX = encodeTuple([CATALOG, "view"]);
export const sequenceStateKey = (id: number) => encodeTuple([CATALOG, "seqval", big(id)]);
export const rowIdStateKey = (tableId: number) => encodeTuple([CATALOG, "rowid", big(tableId)]);
export const roleKey = (name: string) => encodeTuple([CATALOG, "role", name]);
export const ROLES_PREFIX = encodeTuple([CATALOG, "role"]);
export const droppedKey = (id: number) => encodeTuple([CATALOG, "dropped", big(id)]);
export const DROPPED_PREFIX = encodeTuple([CATALOG, "dropped"]);
export const statsKey = (tableId: number) => encodeTuple([CATALOG, "stats", big(tableId)]);

/** The range of keys starting with `prefix`. */
export function prefixSpan(prefix: Buffer): { start: Buffer; end: Buffer } {
  // Tuple prefixes never end in 0xff bytes only, so the end always exists.
  return { start: prefix, end: prefixEnd(prefix)! };
}

/** What a relation name entry points at. */
export interface RelationRef {
  readonly kind: RelationKind;
  readonly id: number;
  /** For an index: its table. */
  readonly tableId?: number;
}

export function encodeRelationRef(ref: RelationRef): Buffer {
  return encodeTuple(ref.tableId === undefined ? [ref.kind, big(ref.id)] : [ref.kind, big(ref.id), big(ref.tableId)]);
}

export function decodeRelationRef(bytes: Uint8Array): RelationRef {
  const [kind, id, tableId] = decodeTuple(bytes);
  if ((kind !== "table" && kind !== "index" && kind !== "sequence" && kind !== "view") || typeof id !== "bigint") throw new SqlStateError("corrupt catalog entry: relation name", "XX001");
  return tableId === undefined ? { kind, id: Number(id) } : { kind, id: Number(id), tableId: Number(tableId as bigint) };
}

/** The table lock name DDL and DML use for a relation (by id, so renames do not change it). */
export function relationLockName(id: number): string {
  return `rel/${id}`;
}

// ---- data keys -----------------------------------------------------------------------------

/** Every key of a table: rows and all its indexes. */
export function tableKeyPrefix(table: { readonly id: number }): Buffer {
  return encodeTuple([big(table.id)]);
}

/** The keys of one index of a table (PRIMARY_INDEX_ID: the rows). */
export function indexKeyPrefix(tableId: number, indexId: number): Buffer {
  return encodeTuple([big(tableId), big(indexId)]);
}

/** The range holding a table's rows (its primary index), for scans. */
export function tableSpan(table: { readonly id: number }): { start: Buffer; end: Buffer } {
  return prefixSpan(indexKeyPrefix(table.id, PRIMARY_INDEX_ID));
}

/** The range holding a secondary index's entries. */
export function indexSpan(index: { readonly tableId: number; readonly id: number }): { start: Buffer; end: Buffer } {
  return prefixSpan(indexKeyPrefix(index.tableId, index.id));
}

/** Everything a table stores (rows and index entries), for dropping it. */
export function tableDataSpan(tableId: number): { start: Buffer; end: Buffer } {
  return prefixSpan(encodeTuple([big(tableId)]));
}

/** How a table's keys are built, derived once per (immutable) table descriptor. */
interface KeyShape {
  /** Position in table.columns of each primary key column (empty: hidden row id). */
  readonly pkPositions: readonly number[];
  readonly pkTypes: readonly SqlType[];
  readonly pkDirections: readonly Direction[];
  readonly pkNames: readonly string[];
  readonly positionOfId: ReadonlyMap<number, number>;
}

const shapes = new WeakMap<Table, KeyShape>();

function shapeOf(table: Table): KeyShape {
  let s = shapes.get(table);
  if (s) return s;
  const positionOfId = new Map<number, number>();
  table.columns.forEach((c, i) => positionOfId.set(c.id, i));
  const pkPositions = table.primaryKey.map((id) => {
    const p = positionOfId.get(id);
    if (p === undefined) throw new SqlStateError(`table "${table.name}": primary key column id ${id} is not a column`, "XX000");
    return p;
  });
  const hidden = pkPositions.length === 0;
  s = {
    pkPositions,
    pkTypes: hidden ? [INT8] : pkPositions.map((p) => table.columns[p]!.type),
    pkDirections: hidden ? ["asc"] : table.primaryKey.map((_, i) => table.primaryKeyDirections[i] ?? "asc"),
    pkNames: hidden ? ["rowid"] : pkPositions.map((p) => table.columns[p]!.name),
    positionOfId,
  };
  shapes.set(table, s);
  return s;
}

/** Position of a column in table.columns. */
export function columnPosition(table: Table, columnId: number): number {
  const p = shapeOf(table).positionOfId.get(columnId);
  if (p === undefined) throw new SqlStateError(`table "${table.name}" has no column id ${columnId}`, "XX000");
  return p;
}

function nullInKey(table: Table, column: string): SqlStateError {
  return new SqlStateError(`null value in column "${column}" of relation "${table.name}" violates not-null constraint`, "23502");
}

// Encoding is synchronous, so one encoder serves every call.
const encoder = new KeyEncoder(128);

function appendPrimaryKey(table: Table, values: readonly SqlValue[]): void {
  const s = shapeOf(table);
  if (values.length !== s.pkTypes.length) throw new SqlStateError(`table "${table.name}": ${values.length} primary key values for ${s.pkTypes.length} columns`, "XX000");
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === null) throw nullInKey(table, s.pkNames[i]!);
    encoder.append(toKeyValue(v, s.pkTypes[i]!), s.pkDirections[i]);
  }
}

/**
 * The key of a row given its primary key values (in primary key order), or `[rowId]` (a bigint)
 * for a table without a primary key.
 */
export function encodePrimaryKey(table: Table, values: readonly SqlValue[]): Buffer {
  encoder.reset().append(big(table.id)).append(0n);
  appendPrimaryKey(table, values);
  return encoder.finish();
}

/** The primary key values of a full row (values in table.columns order); not for hidden row ids. */
export function primaryKeyOf(table: Table, row: readonly SqlValue[]): SqlValue[] {
  return shapeOf(table).pkPositions.map((p) => row[p]!);
}

function malformed(what: string): SqlStateError {
  return new SqlStateError(`malformed key: ${what}`, "XX001");
}

/** Inverse of encodePrimaryKey (numerics come back normalised: 1.50 as 1.5). */
export function decodePrimaryKey(table: Table, key: Uint8Array): SqlValue[] {
  const s = shapeOf(table);
  const parts = decodeTuple(key, ["asc", "asc", ...s.pkDirections]);
  if (parts[0] !== big(table.id) || parts[1] !== 0n) throw malformed(`not a row key of table "${table.name}"`);
  if (parts.length !== 2 + s.pkTypes.length) throw malformed(`row key of table "${table.name}" has ${parts.length - 2} key columns`);
  return s.pkTypes.map((t, i) => fromKeyValue(parts[2 + i]!, t));
}

function indexShape(index: Index, table: Table): { positions: number[]; types: SqlType[] } {
  if (index.tableId !== table.id) throw new SqlStateError(`index "${index.name}" is not an index of table "${table.name}"`, "XX000");
  if (index.method !== "btree") throw new SqlStateError(`${index.method} index "${index.name}" has no kv entries`, "XX000");
  const positions = index.columns.map((c) => columnPosition(table, c.columnId));
  return { positions, types: positions.map((p) => table.columns[p]!.type) };
}

/**
 * The entry of a btree index for a row (values in table.columns order). `rowId` is the hidden
 * row id of a table without a primary key.
 */
export function encodeIndexKey(index: Index, table: Table, row: readonly SqlValue[], rowId?: bigint): Buffer {
  const { positions, types } = indexShape(index, table);
  encoder.reset().append(big(table.id)).append(big(index.id));
  positions.forEach((p, i) => encoder.append(toKeyValue(row[p]!, types[i]!), index.columns[i]!.direction));
  if (table.primaryKey.length === 0) {
    if (rowId === undefined) throw new SqlStateError(`table "${table.name}" has no primary key: an index entry needs the row id`, "XX000");
    appendPrimaryKey(table, [rowId]);
  } else {
    appendPrimaryKey(table, primaryKeyOf(table, row));
  }
  return encoder.finish();
}

/**
 * The start of the index entries whose leading columns equal `values` (a prefix of the index
 * columns): with prefixSpan, the range to look up or to check uniqueness in.
 */
export function encodeIndexPrefix(index: Index, table: Table, values: readonly SqlValue[]): Buffer {
  const { types } = indexShape(index, table);
  if (values.length > types.length) throw new SqlStateError(`index "${index.name}" has ${types.length} columns, not ${values.length}`, "XX000");
  encoder.reset().append(big(table.id)).append(big(index.id));
  values.forEach((v, i) => encoder.append(toKeyValue(v, types[i]!), index.columns[i]!.direction));
  return encoder.finish();
}

/** The index column values and the primary key (or [row id]) of an index entry. */
export function decodeIndexKey(index: Index, table: Table, key: Uint8Array): { values: SqlValue[]; primaryKey: SqlValue[] } {
  const { types } = indexShape(index, table);
  const s = shapeOf(table);
  const dirs: Direction[] = ["asc", "asc", ...index.columns.map((c) => c.direction), ...s.pkDirections];
  const parts = decodeTuple(key, dirs);
  if (parts[0] !== big(table.id) || parts[1] !== big(index.id)) throw malformed(`not an entry of index "${index.name}"`);
  if (parts.length !== 2 + types.length + s.pkTypes.length) throw malformed(`entry of index "${index.name}" has ${parts.length - 2} components`);
  return {
    values: types.map((t, i) => fromKeyValue(parts[2 + i]!, t)),
    primaryKey: s.pkTypes.map((t, i) => fromKeyValue(parts[2 + types.length + i]!, t)),
  };
}

function hnswIndexOf(index: Index, table: Table): void {
  if (index.tableId !== table.id) throw new SqlStateError(`index "${index.name}" is not an index of table "${table.name}"`, "XX000");
  if (index.method !== "hnsw") throw new SqlStateError(`${index.method} index "${index.name}" has no vector entries`, "XX000");
}

/**
 * The key of a row's entry in an hnsw index, from the row's primary key values (or `[rowId]`
 * for a table without a primary key), as encodePrimaryKey takes them.
 */
export function encodeVectorKey(index: Index, table: Table, primaryKey: readonly SqlValue[]): Buffer {
  hnswIndexOf(index, table);
  encoder.reset().append(big(table.id)).append(big(index.id));
  appendPrimaryKey(table, primaryKey);
  return encoder.finish();
}

/** The primary key values (or [row id]) of an hnsw index entry's key. */
export function decodeVectorKey(index: Index, table: Table, key: Uint8Array): SqlValue[] {
  hnswIndexOf(index, table);
  const s = shapeOf(table);
  const parts = decodeTuple(key, ["asc", "asc", ...s.pkDirections]);
  if (parts[0] !== big(table.id) || parts[1] !== big(index.id)) throw malformed(`not an entry of index "${index.name}"`);
  if (parts.length !== 2 + s.pkTypes.length) throw malformed(`entry of index "${index.name}" has ${parts.length - 2} key columns`);
  return s.pkTypes.map((t, i) => fromKeyValue(parts[2 + i]!, t));
}

/**
 * The row key an hnsw index entry leads to. Both keys end in the same primary key encoding, so
 * only the (table, index) prefix changes; nothing is decoded.
 */
export function rowKeyOfVectorKey(index: Index, table: Table, key: Uint8Array): Buffer {
  hnswIndexOf(index, table);
  const from = indexKeyPrefix(table.id, index.id);
  if (key.length <= from.length || Buffer.compare(from, key.subarray(0, from.length)) !== 0) throw malformed(`not an entry of index "${index.name}"`);
  return Buffer.concat([indexKeyPrefix(table.id, PRIMARY_INDEX_ID), key.subarray(from.length)]);
}
