/** fast-check generators of SQL types and of valid values of each type (edge cases mixed in). */
import fc from "fast-check";
import { exactMicros } from "../datetime.js";
import { Interval } from "../interval.js";
import { parseJsonb } from "../json.js";
import { TYPE_KINDS, type SqlType, type TypeKind } from "../sql-type.js";
import { canonicalUuid, checkText, fitChar } from "../text-io.js";
import {
  DATE_MAX,
  DATE_MIN,
  Dec,
  INT2_MAX,
  INT2_MIN,
  INT4_MAX,
  INT4_MIN,
  INT8_MAX,
  INT8_MIN,
  Numeric,
  type SqlScalar,
  type SqlValue,
  OID_MAX,
  TIMESTAMP_END,
  TIMESTAMP_MIN,
} from "../value.js";

/** Kinds a table column can have (not the unknown/null pseudo-types, not arrays, which only expressions produce). */
export const VALUE_KINDS: readonly TypeKind[] = TYPE_KINDS.filter((k) => k !== "unknown" && k !== "null" && k !== "array");

/** Kinds that can be key components. */
export const KEY_KINDS: readonly TypeKind[] = VALUE_KINDS.filter((k) => k !== "json" && k !== "jsonb" && k !== "vector");

export function typeArb(kinds: readonly TypeKind[] = VALUE_KINDS): fc.Arbitrary<SqlType> {
  return fc.constantFrom(...kinds).chain((kind): fc.Arbitrary<SqlType> => {
    switch (kind) {
      case "char":
        return fc.integer({ min: 1, max: 8 }).map((length) => ({ kind, length }));
      case "varchar":
        return fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }).map((length) => (length === undefined ? { kind } : { kind, length }));
      case "vector":
        return fc.constant({ kind, metric: "l2" as const });
      case "oid":
        return fc.constantFrom<SqlType>({ kind }, { kind, reg: "regclass" }, { kind, reg: "regtype" });
      case "array":
        return typeArb(VALUE_KINDS.filter((k) => k !== "vector")).map((element): SqlType => ({ kind, element }));
      default:
        return fc.constant({ kind } as SqlType);
    }
  });
}

const textArb = fc
  .string({ unit: fc.constantFrom("a", "b", "Z", " ", "\t", "é", "漢", "😀", "\uffff", "\ue000", "'", '"', "\\", "0"), maxLength: 8 })
  .chain((s) => fc.oneof(fc.constant(s), fc.string({ unit: "binary", maxLength: 8 })))
  .filter((s) => {
    try {
      checkText(s);
      return true;
    } catch {
      return false;
    }
  });

/** Number of characters (code points). */
const charCount = (s: string) => [...s].length;

const numericArb: fc.Arbitrary<Numeric> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(Numeric.NaN, Numeric.POSITIVE_INFINITY, Numeric.NEGATIVE_INFINITY, Numeric.ZERO, Numeric.of("0", 3)) },
  {
    weight: 8,
    arbitrary: fc
      .record({
        negative: fc.boolean(),
        int: fc.stringMatching(/^[0-9]{0,25}$/),
        frac: fc.stringMatching(/^[0-9]{0,25}$/),
        extraScale: fc.integer({ min: 0, max: 3 }),
      })
      .map(({ negative, int, frac, extraScale }) => {
        const d = new Dec(`${negative ? "-" : ""}${int || "0"}.${frac || "0"}`);
        return Numeric.of(d, frac.length + extraScale);
      }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ m: fc.integer({ min: -999, max: 999 }), e: fc.integer({ min: -300, max: 300 }) }).map(({ m, e }) => {
      const d = new Dec(`${m}e${e}`);
      return Numeric.of(d, Math.max(0, d.decimalPlaces()));
    }),
  },
);

const timestampArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(Infinity, -Infinity, 0, -1, 1, TIMESTAMP_MIN),
  fc.integer({ min: -(2 ** 53), max: 2 ** 53 }),
  // NB: TIMESTAMP_END - 1 rounds back to TIMESTAMP_END at this magnitude, so step back a whole second.
  fc.integer({ min: Math.ceil(TIMESTAMP_MIN / 1e6), max: Math.ceil(TIMESTAMP_END / 1e6) - 1 }).map((s) => exactMicros(s, 0) ?? 0),
);

const dateArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(Infinity, -Infinity, DATE_MIN, DATE_MAX, 0, -1, 10957),
  fc.integer({ min: -200000, max: 200000 }),
  fc.integer({ min: DATE_MIN, max: DATE_MAX }),
);

const jsonTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('{"a":1,"a":2}', ' [1, 2.50 , {"b": null}] ', '"\\u00e9"', "1e400", "-0.0", '{"bb":1,"a":{"c":[]}}'),
);

const floatArb = fc.oneof(fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.1, 1e300, 5e-324), fc.double());
const float4Arb = fc.oneof(fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Math.fround(0.1), Math.fround(1e-45), Math.fround(3.4e38)), fc.float());

/** A valid non-null value of type t. */
export function scalarArb(t: SqlType): fc.Arbitrary<SqlScalar> {
  switch (t.kind) {
    case "bool":
      return fc.boolean();
    case "int2":
      return fc.oneof(fc.constantFrom(0, INT2_MIN, INT2_MAX, -1, 1), fc.integer({ min: INT2_MIN, max: INT2_MAX }));
    case "int4":
      return fc.oneof(fc.constantFrom(0, INT4_MIN, INT4_MAX, -1, 1), fc.integer({ min: INT4_MIN, max: INT4_MAX }));
    case "int8":
      return fc.oneof(fc.constantFrom(0n, INT8_MIN, INT8_MAX, -1n, 1n), fc.bigInt({ min: INT8_MIN, max: INT8_MAX }), fc.bigInt({ min: -1000n, max: 1000n }));
    case "float4":
      return float4Arb;
    case "float8":
      return floatArb;
    case "numeric":
      return numericArb;
    case "text":
    case "unknown":
      return textArb;
    case "varchar":
      return textArb.filter((s) => t.length === undefined || charCount(s) <= t.length);
    case "char":
      return textArb.filter((s) => charCount(s) <= (t.length ?? 1)).map((s) => fitChar(s, t.length, false));
    case "bytea":
      return fc.oneof(fc.uint8Array({ maxLength: 12 }), fc.constantFrom(new Uint8Array([0]), new Uint8Array([0, 0]), new Uint8Array([0xff]))).map((b) => Buffer.from(b));
    case "date":
      return dateArb;
    case "timestamp":
    case "timestamptz":
      return timestampArb;
    case "interval":
      return fc
        .tuple(
          fc.oneof(fc.constantFrom(0, 1, -1, 12, -2147483648, 2147483647), fc.integer()),
          fc.oneof(fc.constantFrom(0, 1, -1, 30, -2147483648, 2147483647), fc.integer()),
          fc.oneof(fc.constantFrom(0, 1, -1, 86_400_000_000, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER), fc.maxSafeInteger()),
        )
        .map(([m, d, us]) => new Interval(m, d, us === 0 ? 0 : us));
    case "uuid":
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => canonicalUuid(Buffer.from(b).toString("hex")));
    case "json":
      return jsonTextArb;
    case "jsonb":
      return jsonTextArb.map((s) => parseJsonb(s));
    case "vector":
      return fc
        .array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 8 })
        .map((xs) => Float32Array.from(xs));
    case "oid":
      return fc.oneof(fc.constantFrom(0, 1, OID_MAX, 2 ** 31), fc.integer({ min: 0, max: OID_MAX }));
    case "array": {
      const element = t.element;
      if (t.vector) return fc.array(scalarArb(element), { maxLength: 4 });
      return fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: scalarArb(element) }), { maxLength: 4 });
    }
    case "null":
      throw new Error("the null pseudo-type has no values");
  }
}

/** A value of type t or NULL. */
export function valueArb(t: SqlType): fc.Arbitrary<SqlValue> {
  return fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 6, arbitrary: scalarArb(t) });
}

/** A type together with a value of it. */
export const typedScalarArb = (kinds?: readonly TypeKind[]) => typeArb(kinds).chain((t) => scalarArb(t).map((v) => ({ t, v })));
