/**
 * Runtime representation of SQL values. Every layer above storage (executor, wire protocol, row
 * codec) passes values in these forms; a value is only meaningful together with its SqlType, which
 * travels separately (so a jsonb string and a text value are both JS strings at different levels,
 * and never confused).
 *
 *   type               JS value          notes
 *   NULL (any type)    null
 *   bool               boolean
 *   int2, int4         number            always an integer within the type's range
 *   int8               bigint            within [-2^63, 2^63 - 1]
 *   float4, float8     number            float4 values are always Math.fround-exact; NaN and ±Infinity
 *   numeric            Numeric           exact decimal (decimal.js) + display scale; NaN and ±Infinity
 *   text, varchar      string            no NUL, no lone surrogates (PostgreSQL's UTF-8 rules)
 *   char(n)            string            stored padded with spaces to n, as PostgreSQL stores bpchar
 *   bytea              Buffer            any Uint8Array is accepted as input
 *   date               number            days since 1970-01-01 (the Unix epoch), ±Infinity for
 *                                        'infinity'; range 4713-11-24 BC .. 5874897-12-31 as PostgreSQL
 *   timestamp(tz)      number            microseconds since 1970-01-01 00:00 UTC, ±Infinity for
 *                                        'infinity'; see "Timestamps" below
 *   interval           Interval          int32 months, int32 days, safe-integer microseconds (interval.ts)
 *   uuid               string            canonical: lowercase, 8-4-4-4-12
 *   json               string            the text exactly as written (validated)
 *   jsonb              Jsonb             parsed and normalised (keys sorted and deduplicated)
 *   vector             Float32Array      finite elements only (pgvector rejects NaN and infinities)
 *   oid (and regclass, number            0 .. 2^32 - 1
 *     regtype, ...)
 *   array              SqlValue[]        one dimension, lower bound 1, elements of the element type
 *   unknown            string            the literal's text, typed later by context
 *
 * Timestamps: a double holds every microsecond exactly within ±2^53 µs of the epoch (years 1684 to
 * 2255); further out only multiples of 2, 4, ... µs are representable (whole milliseconds up to
 * year 4253, whole seconds up to about year 20000). Rather than silently moving a value, text and
 * binary input and casts reject a timestamp that the double cannot hold exactly with 22008
 * (timestamp out of range), so every stored timestamp prints back as written; timestamp
 * arithmetic must do the same (datetime.ts's exactMicros). PostgreSQL's full range applies
 * (4713 BC .. 294276 AD) for values that are representable, e.g. '9999-12-31 23:59:59' and
 * '0001-01-01' both are.
 *
 * Dates and timestamps count from the Unix epoch so that they convert to and from JS Dates with a
 * multiplication; the wire formats (which count from 2000-01-01) convert at the edge.
 */
import { Decimal } from "decimal.js";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { Interval } from "./interval.js";
import type { SqlType } from "./sql-type.js";

/**
 * Significant digits kept by decimal.js arithmetic. PostgreSQL numerics have at most 131072 digits
 * before and 16383 after the point, so sums, differences and products of storable values are
 * exact under this bound. Inexact operations (division, roots) must round to an explicit scale
 * themselves, as PostgreSQL's do.
 */
export const NUMERIC_WORK_PRECISION = 150_000;

/** The decimal.js constructor numerics use: half away from zero, like PostgreSQL's numeric rounding. */
export const Dec = Decimal.clone({
  precision: NUMERIC_WORK_PRECISION,
  rounding: Decimal.ROUND_HALF_UP,
  // Plain notation for every magnitude, so toString never switches to exponents.
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type Dec = Decimal;

/**
 * A numeric value: an exact decimal plus its display scale (digits after the point that output
 * shows), because PostgreSQL keeps '1.50' as 1.50 and decimal.js normalises trailing zeros away.
 * Immutable. NaN and the infinities have scale 0.
 */
export class Numeric {
  private constructor(
    readonly value: Decimal,
    /** Display scale, >= 0. */
    readonly scale: number,
  ) {}

  static readonly NaN = new Numeric(new Dec(NaN), 0);
  static readonly POSITIVE_INFINITY = new Numeric(new Dec(Infinity), 0);
  static readonly NEGATIVE_INFINITY = new Numeric(new Dec(-Infinity), 0);
  static readonly ZERO = new Numeric(new Dec(0), 0);

  /**
   * A numeric from a decimal and a display scale (default: the decimal's own decimal places).
   * The value must have no more decimal places than the scale; negative zero becomes zero.
   */
  static of(value: Decimal.Value, scale?: number): Numeric {
    const d = value instanceof Dec ? value : new Dec(value);
    if (d.isNaN()) return Numeric.NaN;
    if (!d.isFinite()) return d.isNegative() ? Numeric.NEGATIVE_INFINITY : Numeric.POSITIVE_INFINITY;
    const dp = d.decimalPlaces();
    const s = scale ?? dp;
    if (!Number.isInteger(s) || s < 0 || dp > s) throw new RangeError(`numeric ${d.toString()} does not fit display scale ${s}`);
    return new Numeric(d.isZero() ? new Dec(0) : d, s);
  }

  /** A numeric from an integer (scale 0). */
  static fromInteger(v: number | bigint): Numeric {
    return new Numeric(new Dec(v), 0);
  }

  isNaN(): boolean {
    return this.value.isNaN();
  }

  isFinite(): boolean {
    return this.value.isFinite();
  }

  /** PostgreSQL's numeric_out: plain notation with exactly `scale` digits after the point. */
  toString(): string {
    const v = this.value;
    if (v.isNaN()) return "NaN";
    if (!v.isFinite()) return v.isNegative() ? "-Infinity" : "Infinity";
    return v.toFixed(this.scale);
  }
}

/** An object in a jsonb value: keys in PostgreSQL's storage order (byte length, then bytes), unique. */
export class JsonbObject {
  constructor(
    readonly keys: readonly string[],
    readonly values: readonly JsonbNode[],
  ) {}

  get size(): number {
    return this.keys.length;
  }

  get(key: string): JsonbNode | undefined {
    const i = this.keys.indexOf(key);
    return i < 0 ? undefined : this.values[i];
  }
}

/** A node of a jsonb document: JSON null is `null` here (SQL NULL is the absence of a Jsonb). */
export type JsonbNode = null | boolean | string | Numeric | readonly JsonbNode[] | JsonbObject;

/** A jsonb value; the wrapper keeps JSON null distinct from SQL NULL. */
export class Jsonb {
  constructor(readonly root: JsonbNode) {}
}

/** Any non-null SQL value. */
export type SqlScalar = boolean | number | bigint | string | Numeric | Uint8Array | Float32Array | Jsonb | Interval | SqlArray;
/** An array value: its elements (NULL elements are null). */
export type SqlArray = readonly SqlValue[];
/** A SQL value; null is SQL NULL. */
export type SqlValue = SqlScalar | null;

/** The JS type of the values of each type kind. */
export interface ValueOfKind {
  bool: boolean;
  int2: number;
  int4: number;
  int8: bigint;
  float4: number;
  float8: number;
  numeric: Numeric;
  text: string;
  varchar: string;
  char: string;
  bytea: Uint8Array;
  date: number;
  timestamp: number;
  timestamptz: number;
  interval: Interval;
  uuid: string;
  json: string;
  jsonb: Jsonb;
  vector: Float32Array;
  oid: number;
  array: SqlArray;
  unknown: string;
  null: never;
}

export const INT2_MIN = -32768;
export const INT2_MAX = 32767;
export const INT4_MIN = -2147483648;
export const INT4_MAX = 2147483647;
export const INT8_MIN = -(2n ** 63n);
export const INT8_MAX = 2n ** 63n - 1n;
export const OID_MAX = 4294967295;

export const USECS_PER_SEC = 1_000_000;
export const USECS_PER_DAY = 86_400_000_000;
/** Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch for its binary formats. */
export const PG_EPOCH_DAYS = 10957;
export const PG_EPOCH_USECS = PG_EPOCH_DAYS * USECS_PER_DAY;
/** First valid date: 4713-11-24 BC (Julian day 0). */
export const DATE_MIN = -2440588;
/** Last valid date: 5874897-12-31. */
export const DATE_MAX = 2145042905;
/** First valid timestamp: 4713-11-24 BC 00:00:00. */
export const TIMESTAMP_MIN = DATE_MIN * USECS_PER_DAY;
/** First timestamp past the valid range: 294277-01-01 00:00:00. */
export const TIMESTAMP_END = 9223371331200000000 + PG_EPOCH_USECS;

/** Whether `v` has the representation documented above for `t` (a cheap check, not a full validation). */
export function isValueOfType(v: SqlValue, t: SqlType): boolean {
  if (v === null) return true;
  switch (t.kind) {
    case "bool":
      return typeof v === "boolean";
    case "int2":
      return Number.isInteger(v) && (v as number) >= INT2_MIN && (v as number) <= INT2_MAX;
    case "int4":
      return Number.isInteger(v) && (v as number) >= INT4_MIN && (v as number) <= INT4_MAX;
    case "int8":
      return typeof v === "bigint" && v >= INT8_MIN && v <= INT8_MAX;
    case "float4":
      return typeof v === "number" && (Number.isNaN(v) || Math.fround(v) === v);
    case "float8":
      return typeof v === "number";
    case "numeric":
      return v instanceof Numeric;
    case "text":
    case "varchar":
    case "char":
    case "uuid":
    case "json":
    case "unknown":
      return typeof v === "string";
    case "bytea":
      return v instanceof Uint8Array;
    case "date":
      return typeof v === "number" && (Number.isInteger(v) || v === Infinity || v === -Infinity);
    case "timestamp":
    case "timestamptz":
      return typeof v === "number" && (Number.isInteger(v) || v === Infinity || v === -Infinity);
    case "jsonb":
      return v instanceof Jsonb;
    case "interval":
      return v instanceof Interval;
    case "vector":
      return v instanceof Float32Array;
    case "oid":
      return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= OID_MAX;
    case "array":
      return Array.isArray(v) && v.every((e) => isValueOfType(e as SqlValue, t.element));
    case "null":
      return false;
  }
}

/** The error for an internal representation mismatch: a bug above this layer, not user input. */
export function representationError(v: unknown, t: SqlType): SqlStateError {
  const shown = typeof v === "object" && v !== null ? (v.constructor?.name ?? "object") : typeof v;
  return new SqlStateError(`value of JS type ${shown} is not a valid ${t.kind} value`, "XX000");
}
