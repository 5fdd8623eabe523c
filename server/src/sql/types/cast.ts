/**
 * Casts between SQL types with PostgreSQL's rules: which casts exist in which context (pg_cast
 * plus the automatic I/O conversion casts to and from string types), how each converts values,
 * how type modifiers are enforced (length checks error on assignment and truncate on explicit
 * casts), and the result type of UNION, CASE, COALESCE and the like (select_common_type).
 */
import { datetimeOutOfRange, outOfRange, SqlTypeError } from "./errors.js";
import { adjustTimestampPrecision, checkTimestampRange } from "./datetime.js";
import { adjustIntervalTypmod, type Interval } from "./interval.js";
import { formatJsonb, parseJsonb } from "./json.js";
import { applyNumericTypmod, floatToNumeric, numericToBigInt, numericToFloat } from "./numeric.js";
import { defaultOfKind, isPreferredType, type SqlType, type TypeKind, typeCategory, typeNameForMessages, typesEqual, withoutModifiers } from "./sql-type.js";
import { checkVectorDims, fitChar, fitVarchar, formatText, parseText, type TextInputOptions } from "./text-io.js";
import { trimTrailingSpaces } from "./compare.js";
import { DATE_MAX, DATE_MIN, INT2_MAX, INT2_MIN, INT4_MAX, INT4_MIN, INT8_MAX, INT8_MIN, Jsonb, JsonbObject, Numeric, type SqlArray, type SqlScalar, type SqlValue, USECS_PER_DAY } from "./value.js";

/** PostgreSQL's coercion contexts: each allows the casts of the ones before it. */
export type CastContext = "implicit" | "assignment" | "explicit";

const CONTEXT_RANK: Record<CastContext, number> = { implicit: 0, assignment: 1, explicit: 2 };

type Letter = "i" | "a" | "e";
const LETTER_CONTEXT: Record<Letter, CastContext> = { i: "implicit", a: "assignment", e: "explicit" };

/** pg_cast rows between the supported types (castcontext letters), excluding same-type casts. */
const PG_CAST: Partial<Record<TypeKind, Partial<Record<TypeKind, Letter>>>> = {
  int2: { int4: "i", int8: "i", float4: "i", float8: "i", numeric: "i", oid: "i" },
  int4: { int2: "a", int8: "i", float4: "i", float8: "i", numeric: "i", bool: "e", oid: "i" },
  int8: { int2: "a", int4: "a", float4: "i", float8: "i", numeric: "i", oid: "i" },
  // oid and its alias types (regclass, ...) share a kind: casts among them are "implicit" below.
  oid: { int4: "a", int8: "a" },
  float4: { int2: "a", int4: "a", int8: "a", float8: "i", numeric: "a" },
  float8: { int2: "a", int4: "a", int8: "a", float4: "a", numeric: "a" },
  numeric: { int2: "a", int4: "a", int8: "a", float4: "i", float8: "i" },
  bool: { int4: "e" },
  text: { varchar: "i", char: "i" },
  varchar: { text: "i", char: "i" },
  char: { text: "i", varchar: "i" },
  date: { timestamp: "i", timestamptz: "i" },
  timestamp: { date: "a", timestamptz: "i" },
  timestamptz: { date: "a", timestamp: "a" },
  json: { jsonb: "a" },
  jsonb: { json: "a", bool: "e", numeric: "e", int2: "e", int4: "e", int8: "e", float4: "e", float8: "e" },
};

function isStringKind(k: TypeKind): boolean {
  return k === "text" || k === "varchar" || k === "char";
}

/** The weakest context in which a cast from `from` to `to` exists, or undefined when none does. */
export function castContextOf(from: SqlType, to: SqlType): CastContext | undefined {
  const f = from.kind;
  const t = to.kind;
  if (t === "unknown" || t === "null") return undefined;
  // Literals are typed by the target's input function; NULL becomes a NULL of any type.
  if (f === "unknown" || f === "null") return "implicit";
  // Array coercion casts element by element, in the elements' context.
  if (from.kind === "array" && to.kind === "array") {
    if (from.element.kind === "unknown") return "implicit";
    // int2vector and oidvector are reached from nothing but themselves (pg_cast has no such cast).
    if (to.vector) return from.vector && from.element.kind === to.element.kind ? "implicit" : undefined;
    return castContextOf(from.element, to.element);
  }
  if (f === t) return "implicit";
  const letter = PG_CAST[f]?.[t];
  if (letter !== undefined) return LETTER_CONTEXT[letter];
  // Automatic I/O conversion casts: to a string type on assignment, from one only explicitly.
  if (isStringKind(t)) return "assignment";
  if (isStringKind(f)) return "explicit";
  return undefined;
}

/** Whether a value of type `from` may be converted to `to` in `context` (PostgreSQL's can_coerce_type). */
export function canCast(from: SqlType, to: SqlType, context: CastContext): boolean {
  const needed = castContextOf(from, to);
  return needed !== undefined && CONTEXT_RANK[needed] <= CONTEXT_RANK[context];
}

function cannotCast(from: SqlType, to: SqlType, context: CastContext): SqlTypeError {
  const f = typeNameForMessages(from);
  const t = typeNameForMessages(to);
  if (context === "explicit") return new SqlTypeError(`cannot cast type ${f} to ${t}`, "42846");
  return new SqlTypeError(`cannot cast type ${f} to ${t} without an explicit cast`, "42804");
}

/**
 * Converts `v` from type `from` to type `to` as a cast in `context` does, including `to`'s
 * modifiers. Errors are PostgreSQL's: 42846/42804 when the cast does not exist in the context,
 * 22003 out of range, 22001 too long (except explicit casts, which truncate), input syntax errors
 * for conversions through text.
 */
export function castValue(v: SqlValue, from: SqlType, to: SqlType, context: CastContext, options?: TextInputOptions): SqlValue {
  if (!canCast(from, to, context)) throw cannotCast(from, to, context);
  if (v === null) return null;
  const explicit = context === "explicit";
  return applyTypmod(convert(v, from, to, options), to, explicit);
}

/** Enforces `to`'s modifiers on a value already of `to`'s kind (length coercion, rounding). */
export function applyTypmod(v: SqlScalar, to: SqlType, explicit: boolean): SqlScalar {
  switch (to.kind) {
    case "numeric":
      return applyNumericTypmod(v as Numeric, to.precision, to.scale);
    case "varchar":
      return fitVarchar(v as string, to.length, explicit);
    case "char":
      return fitChar(v as string, to.length, explicit);
    case "timestamp":
    case "timestamptz":
      return adjustTimestampPrecision(v as number, to.precision);
    case "vector":
      return checkVectorDims(v as Float32Array, to.dims);
    case "interval":
      return adjustIntervalTypmod(v as Interval, to.fields, to.precision);
    default:
      return v;
  }
}

/** The conversion proper, into `to`'s kind without its modifiers. */
function convert(v: SqlScalar, from: SqlType, to: SqlType, options: TextInputOptions | undefined): SqlScalar {
  const f = from.kind;
  const t = to.kind;
  if (from.kind === "array" && to.kind === "array") {
    if (from.vector && !to.vector && (v as SqlArray).length > 0) {
      // PostgreSQL's vectors count from 0, which an Alopex array cannot keep.
      throw new SqlTypeError("arrays with a lower bound other than 1 are not supported", "0A000");
    }
    if (typesEqual(from.element, to.element)) return v;
    return (v as SqlArray).map((e) => (e === null ? null : castValue(e, from.element, to.element, "explicit", options)));
  }
  if (f === t) return v;
  // An interval's field range decides how its text is read ('1' is a day for interval day).
  const inputType = t === "interval" ? to : withoutModifiers(to);
  if (f === "unknown") return parseText(v as string, inputType, options);
  if (isStringKind(t)) {
    // bpchar's trailing spaces are insignificant and dropped when it becomes text or varchar.
    if (f === "char") return trimTrailingSpaces(v as string);
    // pg_cast's bool → text cast spells the words out, unlike boolout's t/f.
    if (f === "bool") return v ? "true" : "false";
    return formatText(v, from);
  }
  if (isStringKind(f)) return parseText(v as string, inputType, options);
  switch (f) {
    case "int2":
    case "int4":
      return fromInteger(v as number, to);
    case "int8":
      return fromInt8(v as bigint, to);
    case "float4":
    case "float8":
      return fromFloat(v as number, f, to);
    case "numeric":
      return fromNumeric(v as Numeric, to);
    case "bool":
      return v ? 1 : 0;
    case "oid":
      // oid → int4 reinterprets the 32 bits, as PostgreSQL's binary-coercible cast does.
      return t === "int8" ? BigInt(v as number) : (v as number) > INT4_MAX ? (v as number) - 2 ** 32 : (v as number);
    case "date":
      return dateToTimestamp(v as number);
    case "timestamp":
    case "timestamptz":
      return t === "date" ? timestampToDate(v as number) : v;
    case "json":
      return parseJsonb(v as string);
    case "jsonb":
      return t === "json" ? formatJsonb(v as Jsonb) : fromJsonbScalar(v as Jsonb, to);
    default:
      throw cannotCast(from, to, "explicit");
  }
}

function checkInt(v: number, to: TypeKind): number {
  if (to === "int2" && (v < INT2_MIN || v > INT2_MAX)) throw outOfRange("smallint");
  if (to === "int4" && (v < INT4_MIN || v > INT4_MAX)) throw outOfRange("integer");
  return v;
}

function fromInteger(v: number, to: SqlType): SqlScalar {
  switch (to.kind) {
    case "int2":
    case "int4":
      return checkInt(v, to.kind);
    case "int8":
      return BigInt(v);
    case "float4":
      return Math.fround(v);
    case "float8":
      return v;
    case "numeric":
      return Numeric.fromInteger(v);
    case "bool":
      return v !== 0;
    case "oid":
      return v < 0 ? v + 2 ** 32 : v;
    default:
      throw cannotCast({ kind: "int4" }, to, "explicit");
  }
}

function fromInt8(v: bigint, to: SqlType): SqlScalar {
  switch (to.kind) {
    case "int2":
    case "int4":
      if (v < BigInt(INT4_MIN) || v > BigInt(INT4_MAX)) throw outOfRange(to.kind === "int2" ? "smallint" : "integer");
      return checkInt(Number(v), to.kind);
    case "float4":
      return bigintToFloat32(v);
    case "float8":
      return Number(v);
    case "numeric":
      return Numeric.fromInteger(v);
    case "oid":
      if (v < BigInt(INT4_MIN) || v > 4294967295n) throw new SqlTypeError("OID out of range", "22003");
      return v < 0n ? Number(v) + 2 ** 32 : Number(v);
    default:
      throw cannotCast({ kind: "int8" }, to, "explicit");
  }
}

/** int8 → float4 with one rounding (Number() then fround would round twice). */
export function bigintToFloat32(v: bigint): number {
  const neg = v < 0n;
  let m = neg ? -v : v;
  const bits = m.toString(2).length;
  if (bits <= 53) return Math.fround(Number(v));
  const shift = BigInt(bits - 24);
  let q = m >> shift;
  const rem = m - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  m = q << shift;
  const r = Math.fround(Number(m));
  return neg ? -r : r;
}

/** rint: round half to even, as PostgreSQL's float-to-integer casts do. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function fromFloat(v: number, f: "float4" | "float8", to: SqlType): SqlScalar {
  switch (to.kind) {
    case "int2":
    case "int4": {
      const r = rint(v);
      const name = to.kind === "int2" ? "smallint" : "integer";
      if (Number.isNaN(r) || r < (to.kind === "int2" ? INT2_MIN : INT4_MIN) || r > (to.kind === "int2" ? INT2_MAX : INT4_MAX)) throw outOfRange(name);
      return r === 0 ? 0 : r;
    }
    case "int8": {
      const r = rint(v);
      // FLOAT8_FITS_IN_INT64: -2^63 <= r < 2^63.
      if (Number.isNaN(r) || r < -(2 ** 63) || r >= 2 ** 63) throw outOfRange("bigint");
      return BigInt(r);
    }
    case "float4": {
      const r = Math.fround(v);
      if (!Number.isFinite(r) && Number.isFinite(v)) throw new SqlTypeError("value out of range: overflow", "22003");
      if (r === 0 && v !== 0) throw new SqlTypeError("value out of range: underflow", "22003");
      return r;
    }
    case "float8":
      return v;
    case "numeric":
      return floatToNumeric(v, f === "float4" ? 6 : 15);
    default:
      throw cannotCast({ kind: f }, to, "explicit");
  }
}

function fromNumeric(v: Numeric, to: SqlType): SqlScalar {
  switch (to.kind) {
    case "int2":
      return Number(numericToBigInt(v, BigInt(INT2_MIN), BigInt(INT2_MAX), "smallint"));
    case "int4":
      return Number(numericToBigInt(v, BigInt(INT4_MIN), BigInt(INT4_MAX), "integer"));
    case "int8":
      return numericToBigInt(v, INT8_MIN, INT8_MAX, "bigint");
    case "float4":
      return numericToFloat(v, "real", Math.fround);
    case "float8":
      return numericToFloat(v, "double precision", (x) => x);
    default:
      throw cannotCast({ kind: "numeric" }, to, "explicit");
  }
}

function dateToTimestamp(days: number): number {
  if (!Number.isFinite(days)) return days;
  const us = days * USECS_PER_DAY;
  try {
    return checkTimestampRange(us);
  } catch {
    throw new SqlTypeError("date out of range for timestamp", "22008");
  }
}

function timestampToDate(us: number): number {
  if (!Number.isFinite(us)) return us;
  const days = Math.floor(us / USECS_PER_DAY);
  if (days < DATE_MIN || days > DATE_MAX) throw datetimeOutOfRange("date");
  return days;
}

function jsonbTypeName(n: Jsonb["root"]): string {
  if (n === null) return "null";
  if (typeof n === "string") return "string";
  if (typeof n === "boolean") return "boolean";
  if (n instanceof Numeric) return "numeric";
  if (n instanceof JsonbObject) return "object";
  return "array";
}

/** jsonb → bool and number types: only a scalar of the matching kind converts. */
function fromJsonbScalar(v: Jsonb, to: SqlType): SqlScalar {
  const root = v.root;
  const wantsBool = to.kind === "bool";
  if (wantsBool ? typeof root !== "boolean" : !(root instanceof Numeric)) {
    throw new SqlTypeError(`cannot cast jsonb ${jsonbTypeName(root)} to type ${typeNameForMessages(defaultOfKind(to.kind))}`, "22023");
  }
  if (wantsBool || to.kind === "numeric") return root as boolean | Numeric;
  return fromNumeric(root as Numeric, to);
}

/** Which construct is resolving types, for PostgreSQL's error wording ("UNION types ..."). */
export type CommonTypeContext = "UNION" | "INTERSECT" | "EXCEPT" | "CASE" | "COALESCE" | "VALUES" | "ARRAY" | "GREATEST" | "LEAST";

/**
 * select_common_type: the result type of UNION, CASE, COALESCE and similar constructs.
 *  1. All inputs of one type (not unknown): that type (keeping a shared modifier).
 *  2. All unknown (or NULL): text.
 *  3. Otherwise unknowns are ignored; the rest must share a type category (42804 otherwise).
 *  4. Left to right, move to a type that the candidate converts to implicitly but not back,
 *     unless the candidate is the category's preferred type.
 *  5. Every input must convert implicitly to the result (42804 otherwise).
 */
export function commonType(types: readonly SqlType[], construct: CommonTypeContext = "UNION"): SqlType {
  const known = types.filter((t) => t.kind !== "unknown" && t.kind !== "null");
  if (known.length === 0) return { kind: "text" };
  let candidate = known[0]!;
  let preferred = isPreferredType(candidate);
  for (const t of known.slice(1)) {
    if (t.kind === candidate.kind) continue;
    if (typeCategory(t) !== typeCategory(candidate)) {
      throw new SqlTypeError(`${construct} types ${typeNameForMessages(candidate)} and ${typeNameForMessages(t)} cannot be matched`, "42804");
    }
    if (!preferred && canCast(candidate, t, "implicit") && !canCast(t, candidate, "implicit")) {
      candidate = t;
      preferred = isPreferredType(t);
    }
  }
  for (const t of known) {
    if (!canCast(t, candidate, "implicit")) {
      throw new SqlTypeError(`${construct} could not convert type ${typeNameForMessages(t)} to ${typeNameForMessages(candidate)}`, "42846");
    }
  }
  // select_common_typmod: a modifier survives only if every input has the result type and modifier.
  const sameModifiers = types.every((t) => t.kind === candidate.kind && typesEqual(t, candidate));
  return sameModifiers ? candidate : withoutModifiers(candidate);
}
