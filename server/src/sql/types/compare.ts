/**
 * Comparison of SQL values as PostgreSQL's btree operator classes order them (ORDER BY, merge
 * joins, indexes), and hash keys that group values exactly as the comparison equates them (hash
 * joins, GROUP BY, DISTINCT). NULLs are the caller's business: these functions take non-null values.
 *
 * Orders: floats and numeric put NaN above +Infinity (and NaN = NaN, -0 = 0); text compares by
 * code point (the "C" collation); char(n) ignores trailing spaces; bytea compares bytes; jsonb
 * follows PostgreSQL's jsonb ordering; vector follows pgvector (elements, then dimension count).
 * json has no ordering or equality in PostgreSQL and raises 42883.
 */
import { SqlTypeError } from "./errors.js";
import { compareIntervals, type Interval, intervalHashKey } from "./interval.js";
import { compareCodePoints } from "./json.js";
import { type SqlType, typeNameForMessages } from "./sql-type.js";
import { type Jsonb, JsonbObject, type JsonbNode, Numeric, type SqlArray, type SqlScalar, type SqlValue } from "./value.js";

export type Ordering = -1 | 0 | 1;

function sign(c: number): Ordering {
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

/** Compares two non-null values of type `t`: -1, 0 or 1. */
export function compareValues(a: SqlScalar, b: SqlScalar, t: SqlType): Ordering {
  switch (t.kind) {
    case "bool":
      return a === b ? 0 : a ? 1 : -1;
    case "int2":
    case "int4":
    case "oid":
    case "date":
    case "timestamp":
    case "timestamptz":
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case "array":
      return compareArrays(a as SqlArray, b as SqlArray, t.element);
    case "int8":
      return (a as bigint) < (b as bigint) ? -1 : (a as bigint) > (b as bigint) ? 1 : 0;
    case "float4":
    case "float8":
      return compareFloats(a as number, b as number);
    case "numeric":
      return compareNumerics(a as Numeric, b as Numeric);
    case "text":
    case "varchar":
    case "unknown":
      return a === b ? 0 : sign(compareCodePoints(a as string, b as string));
    case "char":
      return sign(compareCodePoints(trimTrailingSpaces(a as string), trimTrailingSpaces(b as string)));
    case "uuid":
      // Canonical lowercase hex of fixed layout: string order is byte order.
      return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
    case "bytea":
      return sign(Buffer.compare(a as Uint8Array, b as Uint8Array));
    case "jsonb":
      return compareJsonb(a as Jsonb, b as Jsonb);
    case "interval":
      return compareIntervals(a as Interval, b as Interval);
    case "vector":
      return compareVectors(a as Float32Array, b as Float32Array);
    case "json":
    case "null":
      throw noOperator("ordering", t);
  }
}

/**
 * Whether two values (NULL included) of a column of type `t` are the same stored value: what a
 * row read again is compared with (json has no equality operator: its text is compared).
 */
export function sameStoredValue(a: SqlValue, b: SqlValue, t: SqlType): boolean {
  // The common case, a row nobody changed: its values decode to the same numbers and strings.
  if (a === b) return true;
  if (a === null || b === null) return false;
  return t.kind === "json" ? a === b : equalValues(a, b, t);
}

/** Whether two non-null values of type `t` are equal under PostgreSQL's "=" for the type. */
export function equalValues(a: SqlScalar, b: SqlScalar, t: SqlType): boolean {
  switch (t.kind) {
    case "bool":
    case "int2":
    case "int4":
    case "int8":
    case "oid":
    case "date":
    case "timestamp":
    case "timestamptz":
    case "text":
    case "varchar":
    case "unknown":
    case "uuid":
      return a === b;
    case "float4":
    case "float8":
      return a === b || (Number.isNaN(a) && Number.isNaN(b));
    case "json":
    case "null":
      throw noOperator("equality", t);
    default:
      return compareValues(a, b, t) === 0;
  }
}

/**
 * array_cmp: element by element (a NULL element sorts after any value and equals another NULL),
 * then the shorter array first.
 */
function compareArrays(a: SqlArray, b: SqlArray, element: SqlType): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === null || y === null) {
      if (x === y) continue;
      return x === null ? 1 : -1;
    }
    const c = compareValues(x, y, element);
    if (c !== 0) return c;
  }
  return sign(a.length - b.length);
}

function noOperator(what: "ordering" | "equality", t: SqlType): SqlTypeError {
  return new SqlTypeError(`could not identify an ${what} operator for type ${typeNameForMessages(t)}`, "42883");
}

/** PostgreSQL's float order: NaN equals NaN and sorts above everything; -0 equals 0. */
export function compareFloats(x: number, y: number): Ordering {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return 0;
  return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
}

/** numeric order: NaN above +Infinity; the display scale does not matter (1.5 = 1.50). */
export function compareNumerics(a: Numeric, b: Numeric): Ordering {
  const an = a.isNaN();
  const bn = b.isNaN();
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  return sign(a.value.comparedTo(b.value));
}

export function trimTrailingSpaces(s: string): string {
  let n = s.length;
  while (n > 0 && s.charCodeAt(n - 1) === 0x20) n--;
  return n === s.length ? s : s.slice(0, n);
}

/** pgvector's vector_cmp: element by element, then the shorter vector first. */
export function compareVectors(a: Float32Array, b: Float32Array): Ordering {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i]! < b[i]!) return -1;
    if (a[i]! > b[i]!) return 1;
  }
  return sign(a.length - b.length);
}

/** jbvType order for values of different types: null < string < number < boolean < array < object. */
function jsonbRank(n: JsonbNode): number {
  if (n === null) return 0;
  if (typeof n === "string") return 1;
  if (n instanceof Numeric) return 2;
  if (typeof n === "boolean") return 3;
  if (n instanceof JsonbObject) return 5;
  return 4;
}

/**
 * compareJsonbContainers: a top-level scalar is a one-element "raw scalar" array there, so it
 * sorts below any array except the empty array (the documented quirk: '[]' < 'null').
 */
export function compareJsonb(a: Jsonb, b: Jsonb): Ordering {
  const x = a.root;
  const y = b.root;
  const xs = jsonbRank(x) < 4;
  const ys = jsonbRank(y) < 4;
  if (xs && Array.isArray(y)) return y.length === 1 ? -1 : sign(1 - y.length);
  if (ys && Array.isArray(x)) return x.length === 1 ? 1 : sign(x.length - 1);
  return compareJsonbNodes(x, y);
}

function compareJsonbNodes(x: JsonbNode, y: JsonbNode): Ordering {
  const rx = jsonbRank(x);
  const ry = jsonbRank(y);
  if (rx !== ry) return rx < ry ? -1 : 1;
  switch (rx) {
    case 0:
      return 0;
    case 1:
      return sign(compareCodePoints(x as string, y as string));
    case 2:
      return compareNumerics(x as Numeric, y as Numeric);
    case 3:
      return x === y ? 0 : x ? 1 : -1;
    case 4: {
      const xa = x as readonly JsonbNode[];
      const ya = y as readonly JsonbNode[];
      if (xa.length !== ya.length) return xa.length < ya.length ? -1 : 1;
      for (let i = 0; i < xa.length; i++) {
        const c = compareJsonbNodes(xa[i]!, ya[i]!);
        if (c !== 0) return c;
      }
      return 0;
    }
    default: {
      const xo = x as JsonbObject;
      const yo = y as JsonbObject;
      if (xo.size !== yo.size) return xo.size < yo.size ? -1 : 1;
      // Pairs in storage order, key before value; keys compare by bytes here, not by length.
      for (let i = 0; i < xo.size; i++) {
        const k = sign(compareCodePoints(xo.keys[i]!, yo.keys[i]!));
        if (k !== 0) return k;
        const v = compareJsonbNodes(xo.values[i]!, yo.values[i]!);
        if (v !== 0) return v;
      }
      return 0;
    }
  }
}

/** A hash/group key: equal exactly when the values compare equal. */
export type HashKey = string | number;

/** Types whose single-column key is a number (the rest use strings). */
function numberKeyed(t: SqlType): boolean {
  switch (t.kind) {
    case "bool":
    case "int2":
    case "int4":
    case "oid":
    case "float4":
    case "float8":
    case "date":
    case "timestamp":
    case "timestamptz":
      return true;
    default:
      return false;
  }
}

/**
 * A Map key for a tuple of values (types[i] is the type of values[i]): two tuples get the same key
 * exactly when every pair of values compares equal, with NULLs equal to each other (as GROUP BY and
 * DISTINCT treat them; a hash join must drop NULL keys itself). Integer types share one form, so an
 * int4 and an int8 column hash alike; other mixed types must be coerced to their common type first.
 */
export function hashKey(values: readonly SqlValue[], types: readonly SqlType[]): HashKey {
  if (values.length === 1) {
    const v = values[0]!;
    const t = types[0]!;
    // One column: a plain number or string, with NULL as the other JS type so it cannot collide.
    if (numberKeyed(t)) return v === null ? "" : numberKey(v as number | boolean);
    // int8 values key as numbers (or strings past 2^53), so its NULL must be neither: "".
    if (v === null) return t.kind === "int8" ? "" : 0;
    if (t.kind === "int8") {
      const n = Number(v as bigint);
      return Number.isSafeInteger(n) ? numberKey(n) : (v as bigint).toString();
    }
    return stringKey(v, t);
  }
  let key = "";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const t = types[i]!;
    if (v === null) key += "N";
    else if (numberKeyed(t)) key += "n" + String(numberKey(v as number | boolean)) + ";";
    else if (t.kind === "int8") key += "n" + (v as bigint).toString() + ";";
    else {
      const s = stringKey(v, t);
      key += "s" + s.length + ":" + s;
    }
  }
  return key;
}

function numberKey(v: number | boolean): number {
  if (typeof v === "boolean") return v ? 1 : 0;
  // -0 and 0 compare equal; every NaN is the same key (Map keys already treat NaN as one).
  return v === 0 ? 0 : v;
}

function stringKey(v: SqlScalar, t: SqlType): string {
  switch (t.kind) {
    case "char":
      return trimTrailingSpaces(v as string);
    case "numeric":
      return numericKey(v as Numeric);
    case "bytea": {
      const b = v as Uint8Array;
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
    }
    case "jsonb":
      return jsonbKey((v as Jsonb).root);
    case "interval":
      return intervalHashKey(v as Interval);
    case "vector":
      return Array.from(v as Float32Array, (x) => (x === 0 ? "0" : String(x))).join(",");
    case "array":
      return String(hashKey(v as SqlArray, (v as SqlArray).map(() => t.element))) + `#${(v as SqlArray).length}`;
    case "json":
    case "null":
      throw noOperator("equality", t);
    default:
      return v as string;
  }
}

/** The value without its display scale: decimal.js prints normalised digits (1.50 → "1.5"). */
function numericKey(n: Numeric): string {
  return n.value.toString();
}

function jsonbKey(n: JsonbNode): string {
  if (n === null) return "null";
  if (typeof n === "boolean") return n ? "true" : "false";
  if (typeof n === "string") return JSON.stringify(n);
  if (n instanceof Numeric) return numericKey(n);
  if (n instanceof JsonbObject) {
    let s = "{";
    for (let i = 0; i < n.size; i++) s += JSON.stringify(n.keys[i]) + ":" + jsonbKey(n.values[i]!) + ",";
    return s + "}";
  }
  return "[" + n.map(jsonbKey).join(",") + "]";
}
