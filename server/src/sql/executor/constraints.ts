/**
 * Integrity checks for writes: NOT NULL, CHECK, and uniqueness (the primary key and UNIQUE
 * indexes), with PostgreSQL's errors (23502, 23514, 23505 with the key in DETAIL).
 *
 * Uniqueness under snapshot isolation: two transactions can each find a value free and insert
 * it. For the primary key the row key itself collides (first committer wins, the other fails
 * with 40001). A UNIQUE index's entries differ by their primary-key suffix, so each insert also
 * writes a guard key for the value, `[table, "unique", index, ...values]`, on which concurrent
 * inserts of one value collide the same way.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { encodeTuple } from "../../kv/key-encoding.js";
import type { KvTransaction } from "../../kv/kv.js";
import type { Index, Table } from "../catalog/index.js";
import { encodeIndexPrefix, prefixSpanOf } from "./index-keys.js";
import { formatText, type SqlValue, toKeyValue } from "../types/index.js";

export function checkNotNull(table: Table, row: readonly SqlValue[]): void {
  // A loop rather than forEach: this runs for every row written, and a callback per call showed in profiles.
  const columns = table.columns;
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]!;
    if (c.notNull && row[i] === null) {
      throw new SqlStateError(`null value in column "${c.name}" of relation "${table.name}" violates not-null constraint`, "23502", { detail: `Failing row contains (${formatRow(table, row)}).` });
    }
  }
}

export function checkViolation(table: Table, name: string, row: readonly SqlValue[]): SqlStateError {
  return new SqlStateError(`new row for relation "${table.name}" violates check constraint "${name}"`, "23514", { detail: `Failing row contains (${formatRow(table, row)}).` });
}

export function formatRow(table: Table, row: readonly SqlValue[]): string {
  return table.columns.map((c, i) => (row[i] === null || row[i] === undefined ? "null" : formatText(row[i]!, c.type))).join(", ");
}

export function pkeyName(table: Table): string {
  return `${table.name}_pkey`;
}

export function duplicateKey(constraint: string, columns: readonly string[], values: readonly string[]): SqlStateError {
  return new SqlStateError(`duplicate key value violates unique constraint "${constraint}"`, "23505", { detail: `Key (${columns.join(", ")})=(${values.join(", ")}) already exists.` });
}

/** Index column positions in table.columns. */
export function indexPositions(table: Table, index: Index): number[] {
  return index.columns.map((c) => table.columns.findIndex((x) => x.id === c.columnId));
}

export function uniqueGuardKey(table: Table, index: Index, values: readonly SqlValue[], positions: readonly number[]): Buffer {
  return encodeTuple([BigInt(table.id), "unique", BigInt(index.id), ...values.map((v, i) => toKeyValue(v, table.columns[positions[i]!]!.type))]);
}

/** Whether another row holds these UNIQUE index values (NULLs never conflict). */
export async function uniqueTaken(tx: KvTransaction, table: Table, index: Index, values: readonly SqlValue[], selfKey?: Uint8Array, decodeRowKey?: (entryKey: Uint8Array) => Uint8Array): Promise<Uint8Array | undefined> {
  if (values.some((v) => v === null)) return undefined;
  const span = prefixSpanOf(encodeIndexPrefix(index, table, values));
  const cursor = tx.scan({ ...span, limit: 2 });
  try {
    for (const e of await cursor.nextBatch(2)) {
      const rowKey = decodeRowKey ? decodeRowKey(e.key) : e.key;
      if (selfKey && Buffer.compare(Buffer.from(rowKey), Buffer.from(selfKey)) === 0) continue;
      return rowKey;
    }
    return undefined;
  } finally {
    cursor.close();
  }
}
