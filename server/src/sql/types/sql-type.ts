/**
 * SQL types: what a column or expression is declared as, the PostgreSQL OIDs and type modifiers
 * the wire protocol reports for it, parsing of type names as PostgreSQL spells them, and
 * `formatType` printing them as PostgreSQL's format_type does.
 *
 * A type's modifiers are optional: `{ kind: "varchar" }` is varchar without a length limit, as
 * `varchar` is in PostgreSQL.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";

export type VectorMetric = "l2" | "cosine" | "inner";

export type SqlType =
  | { readonly kind: "bool" }
  | { readonly kind: "int2" }
  | { readonly kind: "int4" }
  | { readonly kind: "int8" }
  | { readonly kind: "float4" }
  | { readonly kind: "float8" }
  /** Scale may be negative or exceed precision (PostgreSQL 15); scale without precision never occurs. */
  | { readonly kind: "numeric"; readonly precision?: number; readonly scale?: number }
  | { readonly kind: "text" }
  | { readonly kind: "varchar"; readonly length?: number }
  /** bpchar: `char` without a length means char(1); `length` undefined is bpchar (no padding). */
  | { readonly kind: "char"; readonly length?: number }
  | { readonly kind: "bytea" }
  | { readonly kind: "date" }
  /** precision: fractional-second digits kept, 0..6. */
  | { readonly kind: "timestamp"; readonly precision?: number }
  | { readonly kind: "timestamptz"; readonly precision?: number }
  /**
   * Months, days and microseconds (see interval.ts). `fields` restricts the value to a range of
   * fields (`interval day to second`), `precision` its fractional-second digits, 0..6.
   */
  | { readonly kind: "interval"; readonly fields?: IntervalRange; readonly precision?: number }
  | { readonly kind: "uuid" }
  | { readonly kind: "json" }
  | { readonly kind: "jsonb" }
  /** Float32 elements; the metric is the one vector indexes on the column use by default. */
  | { readonly kind: "vector"; readonly dims?: number; readonly metric: VectorMetric }
  /**
   * An object identifier (unsigned 32 bits). `reg` names an OID alias type (regclass, regtype,
   * ...): the same number, reported as that type, whose text form names the object (the system
   * catalog does that naming, see sql/system).
   */
  | { readonly kind: "oid"; readonly reg?: RegType }
  /**
   * A one-dimensional array (lower bound 1) of `element`, which is never itself an array. `vector`
   * marks int2vector and oidvector, whose text form is space-separated ("1 2") instead of "{1,2}".
   */
  | { readonly kind: "array"; readonly element: SqlType; readonly vector?: boolean }
  /** An untyped string literal, typed later by context (resolved through the target's input function). */
  | { readonly kind: "unknown" }
  /** The bare NULL literal; PostgreSQL reports it as unknown. */
  | { readonly kind: "null" };

export type TypeKind = SqlType["kind"];

/** The field restrictions of an interval type, as PostgreSQL spells them after `interval`. */
export type IntervalRange =
  | "year"
  | "month"
  | "day"
  | "hour"
  | "minute"
  | "second"
  | "year to month"
  | "day to hour"
  | "day to minute"
  | "day to second"
  | "hour to minute"
  | "hour to second"
  | "minute to second";

/** INTERVAL_MASK bits of each range (datetime.h), as the typmod carries them. */
export const INTERVAL_RANGE_MASKS: Readonly<Record<IntervalRange, number>> = {
  year: 1 << 2,
  month: 1 << 1,
  day: 1 << 3,
  hour: 1 << 10,
  minute: 1 << 11,
  second: 1 << 12,
  "year to month": (1 << 2) | (1 << 1),
  "day to hour": (1 << 3) | (1 << 10),
  "day to minute": (1 << 3) | (1 << 10) | (1 << 11),
  "day to second": (1 << 3) | (1 << 10) | (1 << 11) | (1 << 12),
  "hour to minute": (1 << 10) | (1 << 11),
  "hour to second": (1 << 10) | (1 << 11) | (1 << 12),
  "minute to second": (1 << 11) | (1 << 12),
};
const INTERVAL_FULL_RANGE = 0x7fff;
const INTERVAL_FULL_PRECISION = 0xffff;

/** The OID alias types: an OID that names a relation, type, function, schema or role. */
export type RegType = "regclass" | "regtype" | "regproc" | "regprocedure" | "regnamespace" | "regrole";

/** pg_type OIDs of the alias types. */
export const REG_OIDS: Readonly<Record<RegType, number>> = { regproc: 24, regprocedure: 2202, regclass: 2205, regtype: 2206, regnamespace: 4089, regrole: 4096 };

/** A modifier in a type name: numbers (`varchar(10)`) or words (`vector(3, cosine)`). */
export type TypeModifier = number | string;

export const TYPE_KINDS: readonly TypeKind[] = [
  "bool",
  "int2",
  "int4",
  "int8",
  "float4",
  "float8",
  "numeric",
  "text",
  "varchar",
  "char",
  "bytea",
  "date",
  "timestamp",
  "timestamptz",
  "interval",
  "uuid",
  "json",
  "jsonb",
  "vector",
  "oid",
  "array",
  "unknown",
  "null",
];

/**
 * The OID reported for vector. pgvector's OID is assigned when the extension is created, so clients
 * look it up by name (`'vector'::regtype`) instead of hard-coding it; any free OID works. 8000..9999
 * is the range PostgreSQL reserves for development, so no released PostgreSQL type uses it, and it
 * is below 16384 where user-created objects start, so it never collides with a catalog object.
 */
export const VECTOR_OID = 8000;

/** PostgreSQL type OIDs (pg_type.oid), as the wire protocol's RowDescription and Bind use them. */
export const TYPE_OIDS: Readonly<Record<TypeKind, number>> = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  null: 705,
  char: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  vector: VECTOR_OID,
  oid: 26,
  array: 2277,
};

/** Array type OIDs (pg_type.typarray) by element type OID; int2vector and oidvector have their own. */
const ARRAY_OIDS: ReadonlyMap<number, number> = new Map([
  [16, 1000],
  [17, 1001],
  [20, 1016],
  [21, 1005],
  [23, 1007],
  [25, 1009],
  [26, 1028],
  [114, 199],
  [700, 1021],
  [701, 1022],
  [705, 1009],
  [1042, 1014],
  [1043, 1015],
  [1082, 1182],
  [1114, 1115],
  [1184, 1185],
  [1186, 1187],
  [1700, 1231],
  [2950, 2951],
  [3802, 3807],
  [24, 1008],
  [2202, 2207],
  [2205, 2210],
  [2206, 2211],
  [4089, 4090],
  [4096, 4097],
]);
const INT2VECTOR_OID = 22;
const OIDVECTOR_OID = 30;

export function typeOid(t: SqlType): number {
  if (t.kind === "oid" && t.reg !== undefined) return REG_OIDS[t.reg];
  if (t.kind === "array") {
    if (t.vector) return t.element.kind === "oid" ? OIDVECTOR_OID : INT2VECTOR_OID;
    return ARRAY_OIDS.get(typeOid(t.element)) ?? TYPE_OIDS.array;
  }
  return TYPE_OIDS[t.kind];
}

/** The type for an OID (without modifiers), or undefined for OIDs this engine does not know. */
export function typeFromOid(oid: number): SqlType | undefined {
  for (const kind of TYPE_KINDS) {
    if (TYPE_OIDS[kind] === oid && kind !== "null" && kind !== "array") return defaultOfKind(kind);
  }
  for (const [reg, regOid] of Object.entries(REG_OIDS)) if (regOid === oid) return { kind: "oid", reg: reg as RegType };
  if (oid === INT2VECTOR_OID) return INT2VECTOR;
  if (oid === OIDVECTOR_OID) return OIDVECTOR;
  for (const [elementOid, arrayOid] of ARRAY_OIDS) {
    if (arrayOid !== oid || elementOid === 705) continue;
    const element = typeFromOid(elementOid);
    if (element) return { kind: "array", element };
  }
  return undefined;
}

/** Fixed byte length (pg_type.typlen) as RowDescription reports it; -1 for variable length. */
export function typeLength(t: SqlType): number {
  switch (t.kind) {
    case "bool":
      return 1;
    case "int2":
      return 2;
    case "int4":
    case "float4":
    case "date":
    case "oid":
      return 4;
    case "int8":
    case "float8":
    case "timestamp":
    case "timestamptz":
      return 8;
    case "uuid":
    case "interval":
      return 16;
    case "unknown":
    case "null":
      return -2;
    default:
      return -1;
  }
}

/** Length and precision modifiers are stored with a 4-byte header offset, as PostgreSQL does. */
const VARHDRSZ = 4;

/** The type modifier (pg_attribute.atttypmod) reported to clients; -1 when there is none. */
export function typeModifier(t: SqlType): number {
  switch (t.kind) {
    case "varchar":
    case "char":
      return t.length === undefined ? -1 : t.length + VARHDRSZ;
    case "numeric":
      if (t.precision === undefined) return -1;
      // The scale is an 11-bit two's complement field so that negative scales fit (PostgreSQL 15).
      return ((t.precision << 16) | ((t.scale ?? 0) & 0x7ff)) + VARHDRSZ;
    case "timestamp":
    case "timestamptz":
      return t.precision ?? -1;
    case "vector":
      return t.dims ?? -1;
    case "interval":
      if (t.fields === undefined && t.precision === undefined) return -1;
      return ((t.fields === undefined ? INTERVAL_FULL_RANGE : INTERVAL_RANGE_MASKS[t.fields]) << 16) | (t.precision ?? INTERVAL_FULL_PRECISION);
    default:
      return -1;
  }
}

/** The interval type a typmod stands for (intervaltypmodout's inverse). */
export function intervalFromTypmod(typmod: number): SqlType {
  if (typmod < 0) return { kind: "interval" };
  const mask = (typmod >> 16) & 0x7fff;
  const precision = typmod & 0xffff;
  const fields = (Object.keys(INTERVAL_RANGE_MASKS) as IntervalRange[]).find((r) => INTERVAL_RANGE_MASKS[r] === mask);
  return { kind: "interval", ...(fields && { fields }), ...(precision !== INTERVAL_FULL_PRECISION && { precision }) };
}

export const BOOL: SqlType = { kind: "bool" };
export const INT2: SqlType = { kind: "int2" };
export const INT4: SqlType = { kind: "int4" };
export const INT8: SqlType = { kind: "int8" };
export const FLOAT4: SqlType = { kind: "float4" };
export const FLOAT8: SqlType = { kind: "float8" };
export const NUMERIC: SqlType = { kind: "numeric" };
export const TEXT: SqlType = { kind: "text" };
export const VARCHAR: SqlType = { kind: "varchar" };
export const BPCHAR: SqlType = { kind: "char" };
export const BYTEA: SqlType = { kind: "bytea" };
export const DATE: SqlType = { kind: "date" };
export const TIMESTAMP: SqlType = { kind: "timestamp" };
export const TIMESTAMPTZ: SqlType = { kind: "timestamptz" };
export const INTERVAL: SqlType = { kind: "interval" };
export const UUID: SqlType = { kind: "uuid" };
export const JSON_TYPE: SqlType = { kind: "json" };
export const JSONB: SqlType = { kind: "jsonb" };
export const VECTOR: SqlType = { kind: "vector", metric: "l2" };
export const OID: SqlType = { kind: "oid" };
export const REGCLASS: SqlType = { kind: "oid", reg: "regclass" };
export const REGTYPE: SqlType = { kind: "oid", reg: "regtype" };
export const REGPROC: SqlType = { kind: "oid", reg: "regproc" };
export const REGNAMESPACE: SqlType = { kind: "oid", reg: "regnamespace" };
export const REGROLE: SqlType = { kind: "oid", reg: "regrole" };
export const INT2VECTOR: SqlType = { kind: "array", element: { kind: "int2" }, vector: true };
export const OIDVECTOR: SqlType = { kind: "array", element: { kind: "oid" }, vector: true };
export const UNKNOWN: SqlType = { kind: "unknown" };
export const NULL_TYPE: SqlType = { kind: "null" };

/** The array type whose elements are `element`. */
export function arrayOf(element: SqlType): SqlType {
  return { kind: "array", element };
}

/** The type of a kind without modifiers (an array of text for "array"). */
export function defaultOfKind(kind: TypeKind): SqlType {
  if (kind === "array") return { kind: "array", element: { kind: "text" } };
  return kind === "vector" ? VECTOR : ({ kind } as SqlType);
}

/** Same type, ignoring modifiers (varchar(3) and varchar(5) are the same type). */
export function sameKind(a: SqlType, b: SqlType): boolean {
  return a.kind === b.kind;
}

/** Same type and same modifiers. */
export function typesEqual(a: SqlType, b: SqlType): boolean {
  if (a.kind !== b.kind || typeModifier(a) !== typeModifier(b)) return false;
  if (a.kind === "vector") return a.metric === (b as typeof a).metric;
  if (a.kind === "oid") return a.reg === (b as typeof a).reg;
  if (a.kind === "array") return !!a.vector === !!(b as typeof a).vector && typesEqual(a.element, (b as typeof a).element);
  return true;
}

/** The type without its modifiers (what a value keeps when a typmod cannot be carried along). */
export function withoutModifiers(t: SqlType): SqlType {
  // An OID alias and an array keep what they are; only their elements' modifiers go.
  if (t.kind === "oid") return t;
  if (t.kind === "array") return t.vector ? t : { kind: "array", element: withoutModifiers(t.element) };
  return defaultOfKind(t.kind);
}

const MAX_CHAR_LENGTH = 10485760;
const NUMERIC_MAX_PRECISION = 1000;
const NUMERIC_MIN_SCALE = -1000;
const NUMERIC_MAX_SCALE = 1000;
const MAX_TIMESTAMP_PRECISION = 6;
/** pgvector's limit for stored vectors. */
export const VECTOR_MAX_DIM = 16000;

/** Type names PostgreSQL accepts, by their canonical spelling (lower case, single spaces). */
const NAME_TO_KIND: Readonly<Record<string, TypeKind>> = {
  bool: "bool",
  boolean: "bool",
  int2: "int2",
  smallint: "int2",
  smallserial: "int2",
  serial2: "int2",
  int4: "int4",
  int: "int4",
  integer: "int4",
  serial: "int4",
  serial4: "int4",
  int8: "int8",
  bigint: "int8",
  bigserial: "int8",
  serial8: "int8",
  float4: "float4",
  real: "float4",
  float8: "float8",
  "double precision": "float8",
  float: "float8",
  numeric: "numeric",
  decimal: "numeric",
  dec: "numeric",
  text: "text",
  varchar: "varchar",
  "character varying": "varchar",
  "char varying": "varchar",
  char: "char",
  character: "char",
  bpchar: "char",
  bytea: "bytea",
  date: "date",
  timestamp: "timestamp",
  "timestamp without time zone": "timestamp",
  timestamptz: "timestamptz",
  "timestamp with time zone": "timestamptz",
  interval: "interval",
  uuid: "uuid",
  json: "json",
  jsonb: "jsonb",
  vector: "vector",
  oid: "oid",
  // name (identifiers, 63 bytes in PostgreSQL) is text here.
  name: "text",
  unknown: "unknown",
};

const REG_NAMES: ReadonlySet<string> = new Set(Object.keys(REG_OIDS));

const SERIAL_NAMES = new Set(["smallserial", "serial2", "serial", "serial4", "bigserial", "serial8"]);

/** Whether a type name is one of the serial pseudo-types (an integer column with a sequence default). */
export function isSerialTypeName(name: string): boolean {
  return SERIAL_NAMES.has(normaliseName(name).base);
}

interface SplitName {
  base: string;
  modifiers: TypeModifier[];
}

/**
 * Splits "timestamp(3) with time zone" or "NUMERIC ( 10 , 2 )" into the canonical base name
 * ("timestamp with time zone") and the modifiers written inside the name.
 */
function normaliseName(name: string): SplitName {
  const open = name.indexOf("(");
  let base = name;
  let modifiers: TypeModifier[] = [];
  if (open >= 0) {
    const close = name.indexOf(")", open);
    if (close < 0) throw syntaxError(name);
    modifiers = parseModifierList(name.slice(open + 1, close), name);
    base = name.slice(0, open) + " " + name.slice(close + 1);
  }
  base = base.trim().toLowerCase().replace(/\s+/g, " ");
  if (base.startsWith('"') && base.endsWith('"') && base.length >= 2) base = base.slice(1, -1);
  return { base, modifiers };
}

function parseModifierList(text: string, name: string): TypeModifier[] {
  if (text.trim() === "") throw syntaxError(name);
  return text.split(",").map((part) => {
    const p = part.trim();
    if (/^[+-]?\d+$/.test(p)) return Number(p);
    if (/^[a-z_][a-z0-9_]*$/i.test(p)) return p.toLowerCase();
    throw syntaxError(name);
  });
}

function syntaxError(name: string): SqlStateError {
  return new SqlStateError(`syntax error in type name "${name}"`, "42601");
}

/**
 * The type a name denotes, with modifiers given in the name ("varchar(10)") and/or separately
 * (as a parser hands them over). Errors: 42704 unknown type, 42601 modifiers on a type without
 * any, 22023 modifiers out of range, as PostgreSQL reports them.
 */
export function typeFromName(name: string, modifiers: readonly TypeModifier[] = []): SqlType {
  const split = normaliseName(name);
  const mods = [...split.modifiers, ...modifiers];
  if (REG_NAMES.has(split.base) && mods.length === 0) return { kind: "oid", reg: split.base as RegType };
  if (split.base === "int2vector" && mods.length === 0) return INT2VECTOR;
  if (split.base === "oidvector" && mods.length === 0) return OIDVECTOR;
  if (split.base === "interval" || split.base.startsWith("interval ")) return intervalType(split.base.slice(9), mods, name);
  const kind = NAME_TO_KIND[split.base];
  if (kind === undefined) throw new SqlStateError(`type "${name.trim()}" does not exist`, "42704");
  if (split.base === "float") return floatOfPrecision(mods, name);
  if (kind === "vector") return vectorType(mods, name);
  const numbers = mods.map((m) => {
    if (typeof m !== "number") throw new SqlStateError(`type modifiers must be simple constants or identifiers`, "42601");
    return m;
  });
  switch (kind) {
    case "numeric":
      return numericType(numbers);
    case "varchar":
    case "char":
      return charType(kind, numbers, split.base === "bpchar");
    case "timestamp":
    case "timestamptz":
      return timestampType(kind, numbers);
    default:
      if (numbers.length > 0) throw new SqlStateError(`type modifier is not allowed for type "${kind}"`, "42601");
      return defaultOfKind(kind);
  }
}

function floatOfPrecision(mods: readonly TypeModifier[], name: string): SqlType {
  if (mods.length === 0) return FLOAT8;
  const p = mods[0];
  if (mods.length > 1 || typeof p !== "number") throw syntaxError(name);
  if (p < 1) throw new SqlStateError("precision for type float must be at least 1 bit", "22023");
  if (p > 53) throw new SqlStateError("precision for type float must be less than 54 bits", "22023");
  return p <= 24 ? FLOAT4 : FLOAT8;
}

function numericType(mods: readonly number[]): SqlType {
  if (mods.length === 0) return NUMERIC;
  if (mods.length > 2) throw new SqlStateError("invalid NUMERIC type modifier", "22023");
  const precision = mods[0]!;
  const scale = mods[1] ?? 0;
  if (precision < 1 || precision > NUMERIC_MAX_PRECISION) {
    throw new SqlStateError(`NUMERIC precision ${precision} must be between 1 and ${NUMERIC_MAX_PRECISION}`, "22023");
  }
  if (scale < NUMERIC_MIN_SCALE || scale > NUMERIC_MAX_SCALE) {
    throw new SqlStateError(`NUMERIC scale ${scale} must be between ${NUMERIC_MIN_SCALE} and ${NUMERIC_MAX_SCALE}`, "22023");
  }
  return { kind: "numeric", precision, scale };
}

/** `bare` is the name bpchar, which unlike char means no length limit. */
function charType(kind: "varchar" | "char", mods: readonly number[], bare: boolean): SqlType {
  const label = kind === "varchar" ? "varchar" : bare ? "bpchar" : "char";
  if (mods.length === 0) return kind === "char" && !bare ? { kind: "char", length: 1 } : defaultOfKind(kind);
  if (mods.length > 1) throw new SqlStateError(`invalid type modifier`, "22023");
  const length = mods[0]!;
  if (length < 1) throw new SqlStateError(`length for type ${label} must be at least 1`, "22023");
  if (length > MAX_CHAR_LENGTH) throw new SqlStateError(`length for type ${label} cannot exceed ${MAX_CHAR_LENGTH}`, "22023");
  return { kind, length };
}

function timestampType(kind: "timestamp" | "timestamptz", mods: readonly number[]): SqlType {
  if (mods.length === 0) return defaultOfKind(kind);
  if (mods.length > 1) throw new SqlStateError(`invalid type modifier`, "22023");
  const p = mods[0]!;
  const label = kind === "timestamp" ? "TIMESTAMP" : "TIMESTAMP WITH TIME ZONE";
  if (p < 0) throw new SqlStateError(`${label}(${p}) precision must not be negative`, "22023");
  // PostgreSQL warns and reduces larger precisions rather than failing.
  return { kind, precision: Math.min(p, MAX_TIMESTAMP_PRECISION) };
}

function intervalType(fields: string, mods: readonly TypeModifier[], name: string): SqlType {
  const range = fields === "" ? undefined : fields;
  if (range !== undefined && !(range in INTERVAL_RANGE_MASKS)) throw syntaxError(name);
  if (mods.length > 1 || (mods.length === 1 && typeof mods[0] !== "number")) throw new SqlStateError("invalid INTERVAL type modifier", "22023");
  const p = mods[0] as number | undefined;
  if (p !== undefined && p < 0) throw new SqlStateError(`INTERVAL(${p}) precision must not be negative`, "22023");
  // PostgreSQL warns and reduces larger precisions rather than failing.
  const precision = p === undefined ? undefined : Math.min(p, MAX_TIMESTAMP_PRECISION);
  return { kind: "interval", ...(range !== undefined && { fields: range as IntervalRange }), ...(precision !== undefined && { precision }) };
}

const METRICS: readonly VectorMetric[] = ["l2", "cosine", "inner"];

function vectorType(mods: readonly TypeModifier[], name: string): SqlType {
  let dims: number | undefined;
  let metric: VectorMetric = "l2";
  let seenMetric = false;
  for (const m of mods) {
    if (typeof m === "number") {
      if (dims !== undefined || seenMetric) throw new SqlStateError(`invalid type modifier for type vector in "${name}"`, "22023");
      if (m < 1) throw new SqlStateError("dimensions for type vector must be at least 1", "22023");
      if (m > VECTOR_MAX_DIM) throw new SqlStateError(`dimensions for type vector cannot exceed ${VECTOR_MAX_DIM}`, "22023");
      dims = m;
    } else {
      if (seenMetric || !(METRICS as readonly string[]).includes(m)) {
        throw new SqlStateError(`invalid distance metric "${m}" for type vector (expected l2, cosine or inner)`, "22023");
      }
      metric = m as VectorMetric;
      seenMetric = true;
    }
  }
  return dims === undefined ? { kind: "vector", metric } : { kind: "vector", dims, metric };
}

/** The type's name as PostgreSQL's format_type(oid, typmod) prints it. */
export function formatType(t: SqlType): string {
  switch (t.kind) {
    case "bool":
      return "boolean";
    case "int2":
      return "smallint";
    case "int4":
      return "integer";
    case "int8":
      return "bigint";
    case "float4":
      return "real";
    case "float8":
      return "double precision";
    case "numeric":
      return t.precision === undefined ? "numeric" : `numeric(${t.precision},${t.scale ?? 0})`;
    case "varchar":
      return t.length === undefined ? "character varying" : `character varying(${t.length})`;
    case "char":
      return t.length === undefined ? "bpchar" : `character(${t.length})`;
    case "timestamp":
      return t.precision === undefined ? "timestamp without time zone" : `timestamp(${t.precision}) without time zone`;
    case "timestamptz":
      return t.precision === undefined ? "timestamp with time zone" : `timestamp(${t.precision}) with time zone`;
    case "vector": {
      // The metric is an Alopex extension of pgvector's type, printed only when it is not the default.
      const mods = [...(t.dims === undefined ? [] : [String(t.dims)]), ...(t.metric === "l2" ? [] : [t.metric])];
      return mods.length === 0 ? "vector" : `vector(${mods.join(",")})`;
    }
    case "oid":
      return t.reg ?? "oid";
    case "interval":
      return `interval${t.fields === undefined ? "" : ` ${t.fields}`}${t.precision === undefined ? "" : `(${t.precision})`}`;
    case "array":
      if (t.vector) return t.element.kind === "oid" ? "oidvector" : "int2vector";
      return `${formatType(t.element)}[]`;
    case "null":
      return "unknown";
    default:
      return t.kind;
  }
}

/**
 * The type's name without modifiers as PostgreSQL's messages print it (format_type_be): like
 * formatType, except that bpchar is "character".
 */
export function typeNameForMessages(t: SqlType): string {
  return t.kind === "char" ? "character" : formatType(withoutModifiers(t));
}

/** PostgreSQL type categories (pg_type.typcategory), used to resolve UNION/CASE result types. */
export type TypeCategory = "A" | "B" | "N" | "S" | "U" | "D" | "T" | "X";

export function typeCategory(t: SqlType): TypeCategory {
  switch (t.kind) {
    case "bool":
      return "B";
    case "int2":
    case "int4":
    case "int8":
    case "float4":
    case "float8":
    case "numeric":
    case "oid":
      return "N";
    case "array":
      return "A";
    case "text":
    case "varchar":
    case "char":
      return "S";
    case "date":
    case "timestamp":
    case "timestamptz":
      return "D";
    case "interval":
      return "T";
    case "unknown":
    case "null":
      return "X";
    default:
      return "U";
  }
}

/** The preferred type of its category (pg_type.typispreferred). */
export function isPreferredType(t: SqlType): boolean {
  if (t.kind === "oid") return t.reg === undefined;
  return t.kind === "float8" || t.kind === "text" || t.kind === "timestamptz" || t.kind === "bool" || t.kind === "interval";
}
