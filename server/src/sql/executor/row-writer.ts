/**
 * Writes one table's rows and keeps its indexes and uniqueness guards in step: the single place
 * where a row's key, its index entries and its constraints are derived, for INSERT, UPDATE,
 * DELETE, ON CONFLICT and COPY alike. An hnsw index gets one vector entry per row whose vector
 * is not NULL (keys.ts, encodeVectorKey), written with putVector so the store indexes it.
 */
import type { KvTransaction, VectorIndexSpec } from "../../kv/kv.js";
import { type Catalog, encodeVectorKey, type Index, type Table, vectorIndexShape } from "../catalog/index.js";
import { type SqlValue, formatText, equalValues } from "../types/index.js";
import { checkNotNull, duplicateKey, indexPositions, pkeyName, uniqueGuardKey, uniqueTaken } from "./constraints.js";
import { decodeIndexKey, encodeIndexKey, encodePrimaryKey, primaryKeyOf } from "./index-keys.js";
import { rowCodecOf } from "./scan.js";

const EMPTY = Buffer.alloc(0);

export interface Conflict {
  /** The key of the existing row that holds the value. */
  readonly rowKey: Uint8Array;
  /** The primary key, or the unique index that conflicted. */
  readonly index?: Index;
}

export class RowWriter {
  private readonly btree: { index: Index; positions: number[] }[];
  private readonly vectors: { index: Index; spec: VectorIndexSpec; position: number }[];
  private readonly pkPositions: number[];

  constructor(
    private tx: KvTransaction,
    private catalog: Catalog,
    readonly table: Table,
    indexes: readonly Index[],
  ) {
    this.btree = indexes.filter((i) => i.method === "btree").map((index) => ({ index, positions: indexPositions(table, index) }));
    this.pkPositions = table.primaryKey.map((id) => table.columns.findIndex((c) => c.id === id));
    this.vectors = indexes.filter((i) => i.method === "hnsw").map((index) => ({ index, ...vectorIndexShape(index, table) }));
  }

  /** Writes in another transaction from now on (an operator tree run again). */
  rebind(tx: KvTransaction, catalog: Catalog): void {
    this.tx = tx;
    this.catalog = catalog;
  }

  get hasPrimaryKey(): boolean {
    return this.table.primaryKey.length > 0;
  }

  keyOf(row: readonly SqlValue[], rowId?: bigint): Buffer {
    return encodePrimaryKey(this.table, this.hasPrimaryKey ? primaryKeyOf(this.table, row) : [rowId!]);
  }

  private rowKeyOfEntry(index: Index): (k: Uint8Array) => Uint8Array {
    return (k) => encodePrimaryKey(this.table, decodeIndexKey(index, this.table, k).primaryKey);
  }

  /** The first uniqueness conflict a row would have (other than with the row at `selfKey`). */
  async findConflict(row: readonly SqlValue[], key: Uint8Array | undefined, selfKey?: Uint8Array, only?: Index | "primary"): Promise<Conflict | undefined> {
    if (key && this.hasPrimaryKey && (only === undefined || only === "primary")) {
      const same = selfKey && Buffer.compare(Buffer.from(key), Buffer.from(selfKey)) === 0;
      if (!same && (await this.tx.get(key))) return { rowKey: key };
    }
    for (const { index, positions } of this.btree) {
      if (!index.unique || (only !== undefined && only !== index)) continue;
      const values = positions.map((p) => row[p]!);
      const hit = await uniqueTaken(this.tx, this.table, index, values, selfKey, this.rowKeyOfEntry(index));
      if (hit) return { rowKey: hit, index };
    }
    return undefined;
  }

  conflictError(row: readonly SqlValue[], c: Conflict): Error {
    if (!c.index) {
      return duplicateKey(
        pkeyName(this.table),
        this.pkPositions.map((p) => this.table.columns[p]!.name),
        this.pkPositions.map((p) => formatText(row[p]!, this.table.columns[p]!.type)),
      );
    }
    const positions = indexPositions(this.table, c.index);
    return duplicateKey(
      c.index.name,
      positions.map((p) => this.table.columns[p]!.name),
      positions.map((p) => (row[p] === null ? "null" : formatText(row[p]!, this.table.columns[p]!.type))),
    );
  }

  async readRow(key: Uint8Array): Promise<SqlValue[] | undefined> {
    const v = await this.tx.get(key);
    return v ? rowCodecOf(this.table).decode(v) : undefined;
  }

  /** Inserts a checked row; throws 23505 on a conflict. Returns its key. */
  async insert(row: SqlValue[]): Promise<Buffer> {
    checkNotNull(this.table, row);
    const rowId = this.hasPrimaryKey ? undefined : await this.catalog.nextRowId(this.table);
    const key = this.keyOf(row, rowId);
    const conflict = await this.findConflict(row, key);
    if (conflict) throw this.conflictError(row, conflict);
    await this.tx.put(key, rowCodecOf(this.table).encode(row));
    for (const { index, positions } of this.btree) await this.putEntry(index, positions, row, rowId);
    for (const v of this.vectors) await this.putVectorEntry(v, row, rowId);
    return key;
  }

  private vectorKey(index: Index, row: readonly SqlValue[], rowId: bigint | undefined): Buffer {
    return encodeVectorKey(index, this.table, this.hasPrimaryKey ? primaryKeyOf(this.table, row) : [rowId!]);
  }

  private async putVectorEntry(v: RowWriter["vectors"][number], row: readonly SqlValue[], rowId: bigint | undefined): Promise<void> {
    const vector = row[v.position]!;
    if (vector !== null) await this.tx.putVector(this.vectorKey(v.index, row, rowId), v.spec, vector as Float32Array);
  }

  private async deleteVectorEntry(v: RowWriter["vectors"][number], row: readonly SqlValue[], rowId: bigint | undefined): Promise<void> {
    if (row[v.position] !== null) await this.tx.delete(this.vectorKey(v.index, row, rowId));
  }

  private async putEntry(index: Index, positions: number[], row: readonly SqlValue[], rowId: bigint | undefined): Promise<void> {
    await this.tx.put(encodeIndexKey(index, this.table, row, rowId), EMPTY);
    if (index.unique) {
      const values = positions.map((p) => row[p]!);
      if (values.every((v) => v !== null)) await this.tx.put(uniqueGuardKey(this.table, index, values, positions), EMPTY);
    }
  }

  private async deleteEntry(index: Index, positions: number[], row: readonly SqlValue[], rowId: bigint | undefined): Promise<void> {
    await this.tx.delete(encodeIndexKey(index, this.table, row, rowId));
    if (index.unique) {
      const values = positions.map((p) => row[p]!);
      if (values.every((v) => v !== null)) await this.tx.delete(uniqueGuardKey(this.table, index, values, positions));
    }
  }

  async delete(key: Uint8Array, row: readonly SqlValue[], rowId: bigint | undefined): Promise<void> {
    await this.tx.delete(key);
    for (const { index, positions } of this.btree) await this.deleteEntry(index, positions, row, rowId);
    for (const v of this.vectors) await this.deleteVectorEntry(v, row, rowId);
  }

  /** Replaces a row; the key changes when the primary key does. */
  async update(oldKey: Uint8Array, oldRow: readonly SqlValue[], newRow: SqlValue[], rowId: bigint | undefined): Promise<void> {
    checkNotNull(this.table, newRow);
    const newKey = this.hasPrimaryKey ? this.keyOf(newRow) : Buffer.from(oldKey);
    const moved = Buffer.compare(newKey, oldKey) !== 0;
    // Most tables written row by row have no secondary index: no callback to make then.
    const changedIndexes =
      this.btree.length === 0 ? this.btree : this.btree.filter(({ positions }) => moved || positions.some((p) => !same(oldRow[p]!, newRow[p]!, this.table.columns[p]!.type)));
    // Uniqueness: only what changed can newly conflict.
    if (moved && (await this.tx.get(newKey))) throw this.conflictError(newRow, { rowKey: newKey });
    for (const { index, positions } of changedIndexes) {
      if (!index.unique) continue;
      const values = positions.map((p) => newRow[p]!);
      const hit = await uniqueTaken(this.tx, this.table, index, values, oldKey, this.rowKeyOfEntry(index));
      if (hit) throw this.conflictError(newRow, { rowKey: hit, index });
    }
    if (moved) await this.tx.delete(oldKey);
    await this.tx.put(newKey, rowCodecOf(this.table).encode(newRow));
    for (const { index, positions } of changedIndexes) {
      await this.deleteEntry(index, positions, oldRow, rowId);
      await this.putEntry(index, positions, newRow, rowId);
    }
    for (const v of this.vectors) {
      const column = this.table.columns[v.position]!;
      if (!moved && same(oldRow[v.position]!, newRow[v.position]!, column.type)) continue;
      // In place, putVector replaces the entry; a NULL vector or a new key leaves none behind.
      if (moved || newRow[v.position] === null) await this.deleteVectorEntry(v, oldRow, rowId);
      await this.putVectorEntry(v, newRow, rowId);
    }
  }
}

function same(a: SqlValue, b: SqlValue, t: Parameters<typeof equalValues>[2]): boolean {
  if (a === null || b === null) return a === b;
  return equalValues(a, b, t);
}
