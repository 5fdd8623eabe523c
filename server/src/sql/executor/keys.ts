/**
 * Key ranges of an index (or the primary key) from the values a KeyRange's expressions took,
 * with SQL's NULL rules: a comparison never matches NULL, so ranges stop short of the NULL
 * entries (which sort last ascending, first descending).
 */
import type { KvRange } from "../../kv/kv.js";
import { type Direction, KeyEncoder, prefixEnd } from "../../kv/key-encoding.js";
import type { Index, Table } from "../catalog/index.js";
import { castValue, INT8, type SqlType, type SqlValue, toKeyValue } from "../types/index.js";

export interface KeyColumns {
  readonly types: readonly SqlType[];
  readonly directions: readonly Direction[];
  readonly indexId: number;
}

const shapes = new WeakMap<object, KeyColumns>();

export function keyColumnsOf(table: Table, index: Index | undefined): KeyColumns {
  const owner: object = index ?? table;
  let s = shapes.get(owner);
  if (s) return s;
  if (index) {
    s = { types: index.columns.map((c) => table.columns.find((x) => x.id === c.columnId)!.type), directions: index.columns.map((c) => c.direction), indexId: index.id };
  } else if (table.primaryKey.length === 0) {
    s = { types: [INT8], directions: ["asc"], indexId: 0 };
  } else {
    s = { types: table.primaryKey.map((id) => table.columns.find((x) => x.id === id)!.type), directions: table.primaryKey.map((_, i) => table.primaryKeyDirections[i] ?? "asc"), indexId: 0 };
  }
  shapes.set(owner, s);
  return s;
}

const encoder = new KeyEncoder(128);

/** The key prefix `[table, index, ...values]`, values already in the key columns' types. */
export function keyPrefix(table: Table, shape: KeyColumns, values: readonly SqlValue[]): Buffer {
  encoder.reset().append(BigInt(table.id)).append(BigInt(shape.indexId));
  for (let i = 0; i < values.length; i++) encoder.append(toKeyValue(values[i]!, shape.types[i]!), shape.directions[i]);
  return encoder.finish();
}

function after(prefix: Buffer): Buffer {
  return prefixEnd(prefix) ?? Buffer.from([0xff, 0xff, 0xff, 0xff]);
}

export interface RangeValues {
  readonly eq: readonly SqlValue[];
  readonly eqTypes: readonly SqlType[];
  readonly lower?: { readonly value: SqlValue; readonly type: SqlType; readonly inclusive: boolean };
  readonly upper?: { readonly value: SqlValue; readonly type: SqlType; readonly inclusive: boolean };
}

/** Equality values in the key columns' types, or undefined when one is NULL (which matches nothing). */
function keyValues(shape: KeyColumns, r: Pick<RangeValues, "eq" | "eqTypes">): SqlValue[] | undefined {
  const eq: SqlValue[] = [];
  for (let i = 0; i < r.eq.length; i++) {
    const v = r.eq[i]!;
    if (v === null) return undefined;
    eq.push(castValue(v, r.eqTypes[i]!, shape.types[i]!, "implicit"));
  }
  return eq;
}

/**
 * The key a point lookup reads (its equalities fix every key column), or undefined when a value
 * is NULL: kvRangeOf's start, without its end.
 */
export function pointKeyOf(table: Table, shape: KeyColumns, r: Pick<RangeValues, "eq" | "eqTypes">): Buffer | undefined {
  const eq = keyValues(shape, r);
  return eq && keyPrefix(table, shape, eq);
}

/** keyPrefix of the equalities and one more value (a range bound). */
function keyWith(table: Table, shape: KeyColumns, eq: readonly SqlValue[], v: SqlValue): Buffer {
  return keyPrefix(table, shape, [...eq, v]);
}

function boundValue(b: { readonly value: SqlValue; readonly type: SqlType }, t: SqlType): SqlValue {
  return b.value === null ? null : castValue(b.value, b.type, t, "implicit");
}

/** The kv range of a key range, or undefined when it can match nothing (a NULL bound). */
export function kvRangeOf(table: Table, shape: KeyColumns, r: RangeValues): KvRange | undefined {
  const eq = keyValues(shape, r);
  if (eq === undefined) return undefined;
  const base = keyPrefix(table, shape, eq);
  if (!r.lower && !r.upper) return { start: base, end: after(base) };
  const j = eq.length;
  const t = shape.types[j]!;
  const desc = shape.directions[j] === "desc";
  const lo = r.lower ? boundValue(r.lower, t) : undefined;
  const hi = r.upper ? boundValue(r.upper, t) : undefined;
  if (lo === null || hi === null) return undefined;
  const nulls = keyWith(table, shape, eq, null);
  // Ascending: key order is value order, NULLs last. Descending: reversed, NULLs first.
  let start: Buffer;
  let end: Buffer;
  if (!desc) {
    start = lo === undefined ? base : r.lower!.inclusive ? keyWith(table, shape, eq, lo) : after(keyWith(table, shape, eq, lo));
    end = hi === undefined ? nulls : r.upper!.inclusive ? after(keyWith(table, shape, eq, hi)) : keyWith(table, shape, eq, hi);
  } else {
    start = hi === undefined ? after(nulls) : r.upper!.inclusive ? keyWith(table, shape, eq, hi) : after(keyWith(table, shape, eq, hi));
    end = lo === undefined ? after(base) : r.lower!.inclusive ? after(keyWith(table, shape, eq, lo)) : keyWith(table, shape, eq, lo);
  }
  if (Buffer.compare(start, end) >= 0) return undefined;
  return { start, end };
}
