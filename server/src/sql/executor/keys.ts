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
  values.forEach((v, i) => encoder.append(toKeyValue(v, shape.types[i]!), shape.directions[i]));
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

/** The kv range of a key range, or undefined when it can match nothing (a NULL bound). */
export function kvRangeOf(table: Table, shape: KeyColumns, r: RangeValues): KvRange | undefined {
  const eq: SqlValue[] = [];
  for (let i = 0; i < r.eq.length; i++) {
    const v = r.eq[i]!;
    if (v === null) return undefined;
    eq.push(castValue(v, r.eqTypes[i]!, shape.types[i]!, "implicit"));
  }
  const base = keyPrefix(table, shape, eq);
  if (!r.lower && !r.upper) return { start: base, end: after(base) };
  const j = eq.length;
  const t = shape.types[j]!;
  const desc = shape.directions[j] === "desc";
  const conv = (b: { value: SqlValue; type: SqlType }) => (b.value === null ? null : castValue(b.value, b.type, t, "implicit"));
  const lo = r.lower ? conv(r.lower) : undefined;
  const hi = r.upper ? conv(r.upper) : undefined;
  if (lo === null || hi === null) return undefined;
  const at = (v: SqlValue) => keyPrefix(table, shape, [...eq, v]);
  const nulls = at(null);
  // Ascending: key order is value order, NULLs last. Descending: reversed, NULLs first.
  let start: Buffer;
  let end: Buffer;
  if (!desc) {
    start = lo === undefined ? base : r.lower!.inclusive ? at(lo) : after(at(lo));
    end = hi === undefined ? nulls : r.upper!.inclusive ? after(at(hi)) : at(hi);
  } else {
    start = hi === undefined ? after(nulls) : r.upper!.inclusive ? at(hi) : after(at(hi));
    end = lo === undefined ? after(base) : r.lower!.inclusive ? after(at(lo)) : at(lo);
  }
  if (Buffer.compare(start, end) >= 0) return undefined;
  return { start, end };
}
