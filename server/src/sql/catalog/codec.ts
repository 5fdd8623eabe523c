/**
 * Catalog entries as kv values: JSON with a format version, so descriptors stay readable with
 * `alopex kv` and can grow fields. Values that JSON cannot hold go through existing codecs:
 * bigints as decimal strings, a column's `missing` value as a one-column row (row-codec.ts),
 * base64.
 *
 * Decoding freezes what it returns, because decoded entries are shared between transactions
 * (see cache.ts); a value that does not decode is corruption (XX001).
 */
import { decodeTuple, encodeTuple } from "../../kv/key-encoding.js";
import { decodeRow, encodeRow, type SqlType, TYPE_KINDS } from "../types/index.js";
import { corruptEntry } from "./errors.js";
import { type Column, type Index, type Role, ROLE_ATTRIBUTES, type Sequence, type SequenceType, type Table, type View, type ViewDependency } from "./model.js";

const FORMAT = 1;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function toBytes(v: Json): Buffer {
  return Buffer.from(JSON.stringify(v), "utf8");
}

function parse(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch {
    throw corruptEntry(`${what} is not JSON`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw corruptEntry(`${what} is not an object`);
  const o = v as Record<string, unknown>;
  if (o.format !== FORMAT) throw corruptEntry(`${what} has unknown format ${String(o.format)}`);
  return o;
}

function field<T>(o: Record<string, unknown>, name: string, check: (v: unknown) => v is T, what: string): T {
  const v = o[name];
  if (!check(v)) throw corruptEntry(`${what}: bad field ${name}`);
  return v;
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const isString = (v: unknown): v is string => typeof v === "string";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isOptString = (v: unknown): v is string | undefined => v === undefined || typeof v === "string";
const isBigText = (v: unknown): v is string => typeof v === "string" && /^-?\d+$/.test(v);
const isDirection = (v: unknown): v is "asc" | "desc" => v === "asc" || v === "desc";

function isSqlType(v: unknown): v is SqlType {
  return isObject(v) && typeof v.kind === "string" && (TYPE_KINDS as readonly string[]).includes(v.kind);
}

// ---- tables --------------------------------------------------------------------------------

function missingColumn(t: SqlType) {
  return [{ id: 0, type: t }];
}

function encodeColumn(c: Column): Json {
  const o: Record<string, Json> = { id: c.id, name: c.name, type: c.type as unknown as Json, notNull: c.notNull };
  if (c.default !== undefined) o.default = c.default;
  if (c.serial !== undefined) o.serial = c.serial;
  // A NULL missing value is the same as none.
  if (c.missing !== undefined && c.missing !== null) o.missing = encodeRow(missingColumn(c.type), [c.missing]).toString("base64");
  return o;
}

function decodeColumn(v: unknown, what: string): Column {
  if (!isObject(v)) throw corruptEntry(`${what}: column is not an object`);
  const type = field(v, "type", isSqlType, what);
  const c: { -readonly [K in keyof Column]: Column[K] } = {
    id: field(v, "id", isNumber, what),
    name: field(v, "name", isString, what),
    type: Object.freeze(type),
    notNull: field(v, "notNull", isBool, what),
  };
  const dflt = field(v, "default", isOptString, what);
  if (dflt !== undefined) c.default = dflt;
  const serial = field(v, "serial", isOptString, what);
  if (serial !== undefined) c.serial = serial;
  const missing = field(v, "missing", isOptString, what);
  if (missing !== undefined) c.missing = decodeRow(Buffer.from(missing, "base64"), missingColumn(type))[0] ?? null;
  return Object.freeze(c);
}

export function encodeTable(t: Table): Buffer {
  return toBytes({
    format: FORMAT,
    id: t.id,
    name: t.name,
    columns: t.columns.map(encodeColumn),
    primaryKey: [...t.primaryKey],
    primaryKeyDirections: [...t.primaryKeyDirections],
    checks: t.checks.map((c): Json => (c.columnIds === undefined ? { name: c.name, expr: c.expr } : { name: c.name, expr: c.expr, columnIds: [...c.columnIds] })),
    nextColumnId: t.nextColumnId,
    version: t.version,
  });
}

export function decodeTable(bytes: Uint8Array): Table {
  const o = parse(bytes, "table");
  const what = `table ${String(o.name)}`;
  const checks = field(o, "checks", isArray, what).map((c) => {
    if (!isObject(c)) throw corruptEntry(`${what}: check is not an object`);
    const ids = c.columnIds;
    if (ids !== undefined && !(isArray(ids) && ids.every(isNumber))) throw corruptEntry(`${what}: bad check columns`);
    const check = { name: field(c, "name", isString, what), expr: field(c, "expr", isString, what) };
    return Object.freeze(ids === undefined ? check : { ...check, columnIds: Object.freeze(ids) });
  });
  const primaryKey = field(o, "primaryKey", isArray, what);
  const directions = field(o, "primaryKeyDirections", isArray, what);
  if (!primaryKey.every(isNumber) || !directions.every(isDirection) || directions.length !== primaryKey.length) throw corruptEntry(`${what}: bad primary key`);
  return freezeTable({
    kind: "table",
    id: field(o, "id", isNumber, what),
    name: field(o, "name", isString, what),
    columns: field(o, "columns", isArray, what).map((c) => decodeColumn(c, what)),
    primaryKey,
    primaryKeyDirections: directions,
    checks,
    nextColumnId: field(o, "nextColumnId", isNumber, what),
    version: field(o, "version", isNumber, what),
  });
}

/** Freezes a table and its parts (column types included; `missing` values may be typed arrays, which cannot be frozen). */
export function freezeTable(t: Table): Table {
  for (const c of t.columns) {
    Object.freeze(c.type);
    Object.freeze(c);
  }
  for (const c of t.checks) Object.freeze(c);
  Object.freeze(t.columns);
  Object.freeze(t.primaryKey);
  Object.freeze(t.primaryKeyDirections);
  Object.freeze(t.checks);
  return Object.freeze(t);
}

// ---- indexes -------------------------------------------------------------------------------

export function encodeIndex(ix: Index): Buffer {
  return toBytes({
    format: FORMAT,
    id: ix.id,
    name: ix.name,
    tableId: ix.tableId,
    columns: ix.columns.map((c) => ({ columnId: c.columnId, direction: c.direction })),
    unique: ix.unique,
    method: ix.method,
    options: { ...ix.options },
    constraint: ix.constraint,
  });
}

export function decodeIndex(bytes: Uint8Array): Index {
  const o = parse(bytes, "index");
  const what = `index ${String(o.name)}`;
  const method = o.method;
  if (method !== "btree" && method !== "hnsw") throw corruptEntry(`${what}: bad method`);
  const options = field(o, "options", isObject, what);
  for (const v of Object.values(options)) if (typeof v !== "string" && typeof v !== "number") throw corruptEntry(`${what}: bad option`);
  const columns = field(o, "columns", isArray, what).map((c) => {
    if (!isObject(c)) throw corruptEntry(`${what}: bad column`);
    return Object.freeze({ columnId: field(c, "columnId", isNumber, what), direction: field(c, "direction", isDirection, what) });
  });
  return Object.freeze({
    kind: "index",
    id: field(o, "id", isNumber, what),
    name: field(o, "name", isString, what),
    tableId: field(o, "tableId", isNumber, what),
    columns: Object.freeze(columns),
    unique: field(o, "unique", isBool, what),
    method,
    options: Object.freeze(options as Record<string, string | number>),
    constraint: field(o, "constraint", isBool, what),
  });
}

// ---- sequences -----------------------------------------------------------------------------

export function encodeSequence(s: Sequence): Buffer {
  const o: Record<string, Json> = {
    format: FORMAT,
    id: s.id,
    name: s.name,
    type: s.type,
    start: String(s.start),
    increment: String(s.increment),
    min: String(s.min),
    max: String(s.max),
    cycle: s.cycle,
    cache: s.cache,
  };
  if (s.ownedBy) o.ownedBy = { tableId: s.ownedBy.tableId, columnId: s.ownedBy.columnId };
  return toBytes(o);
}

export function decodeSequence(bytes: Uint8Array): Sequence {
  const o = parse(bytes, "sequence");
  const what = `sequence ${String(o.name)}`;
  const type = o.type;
  if (type !== "int2" && type !== "int4" && type !== "int8") throw corruptEntry(`${what}: bad type`);
  const seq: { -readonly [K in keyof Sequence]: Sequence[K] } = {
    kind: "sequence",
    id: field(o, "id", isNumber, what),
    name: field(o, "name", isString, what),
    type: type satisfies SequenceType,
    start: BigInt(field(o, "start", isBigText, what)),
    increment: BigInt(field(o, "increment", isBigText, what)),
    min: BigInt(field(o, "min", isBigText, what)),
    max: BigInt(field(o, "max", isBigText, what)),
    cycle: field(o, "cycle", isBool, what),
    cache: field(o, "cache", isNumber, what),
  };
  if (o.ownedBy !== undefined) {
    const owner = field(o, "ownedBy", isObject, what);
    seq.ownedBy = Object.freeze({ tableId: field(owner, "tableId", isNumber, what), columnId: field(owner, "columnId", isNumber, what) });
  }
  return Object.freeze(seq);
}

/** A sequence's position: the last value handed out (or reserved), and whether there was one. */
export interface SequenceState {
  readonly value: bigint;
  readonly isCalled: boolean;
}

export function encodeSequenceState(s: SequenceState): Buffer {
  return encodeTuple([s.value, s.isCalled]);
}

export function decodeSequenceState(bytes: Uint8Array): SequenceState {
  const [value, isCalled] = decodeTuple(bytes);
  if (typeof value !== "bigint" || typeof isCalled !== "boolean") throw corruptEntry("sequence state");
  return { value, isCalled };
}

// ---- views ---------------------------------------------------------------------------------

export function encodeView(v: View): Buffer {
  return toBytes({
    format: FORMAT,
    id: v.id,
    name: v.name,
    definition: v.definition,
    columns: v.columns.map((c) => ({ name: c.name, type: c.type as unknown as Json })),
    dependsOn: v.dependsOn.map((d) => {
      const o: Record<string, Json> = { kind: d.kind, id: d.id, columns: [...d.columns] };
      if (d.columnLimit !== undefined) o.columnLimit = d.columnLimit;
      return o;
    }),
    version: v.version,
  });
}

export function decodeView(bytes: Uint8Array): View {
  const o = parse(bytes, "view");
  const what = `view ${String(o.name)}`;
  const columns = field(o, "columns", isArray, what).map((c) => {
    if (!isObject(c)) throw corruptEntry(`${what}: column is not an object`);
    return Object.freeze({ name: field(c, "name", isString, what), type: Object.freeze(field(c, "type", isSqlType, what)) });
  });
  const dependsOn = field(o, "dependsOn", isArray, what).map((d): ViewDependency => {
    if (!isObject(d)) throw corruptEntry(`${what}: dependency is not an object`);
    const kind = d.kind;
    if (kind !== "table" && kind !== "view") throw corruptEntry(`${what}: bad dependency kind`);
    const ids = field(d, "columns", isArray, what);
    if (!ids.every(isNumber)) throw corruptEntry(`${what}: bad dependency columns`);
    const limit = field(d, "columnLimit", (x): x is number | undefined => x === undefined || isNumber(x), what);
    const dep: ViewDependency = { kind, id: field(d, "id", isNumber, what), columns: Object.freeze(ids) };
    return Object.freeze(limit === undefined ? dep : { ...dep, columnLimit: limit });
  });
  return Object.freeze({
    kind: "view",
    id: field(o, "id", isNumber, what),
    name: field(o, "name", isString, what),
    definition: field(o, "definition", isString, what),
    columns: Object.freeze(columns),
    dependsOn: Object.freeze(dependsOn),
    version: field(o, "version", isNumber, what),
  });
}

// ---- roles ---------------------------------------------------------------------------------

export function encodeRole(r: Role): Buffer {
  const o: Record<string, Json> = { format: FORMAT, name: r.name, login: r.login, superuser: r.superuser };
  if (r.passwordScram !== undefined) o.passwordScram = r.passwordScram;
  for (const k of ROLE_ATTRIBUTES) if (r[k] !== undefined) o[k] = r[k];
  return toBytes(o);
}

export function decodeRole(bytes: Uint8Array): Role {
  const o = parse(bytes, "role");
  const what = `role ${String(o.name)}`;
  const r: { -readonly [K in keyof Role]: Role[K] } = {
    name: field(o, "name", isString, what),
    login: field(o, "login", isBool, what),
    superuser: field(o, "superuser", isBool, what),
  };
  const pw = field(o, "passwordScram", isOptString, what);
  if (pw !== undefined) r.passwordScram = pw;
  for (const k of ["createdb", "createrole", "replication", "bypassrls", "inherit"] as const) {
    const v = field(o, k, (x): x is boolean | undefined => x === undefined || isBool(x), what);
    if (v !== undefined) r[k] = v;
  }
  const limit = field(o, "connectionLimit", (x): x is number | undefined => x === undefined || isNumber(x), what);
  if (limit !== undefined) r.connectionLimit = limit;
  const until = field(o, "validUntil", isOptString, what);
  if (until !== undefined) r.validUntil = until;
  return Object.freeze(r);
}

// ---- counters ------------------------------------------------------------------------------

/** The catalog version: a counter for people, and a token unique to the DDL transaction that wrote it. */
export interface CatalogVersion {
  readonly counter: number;
  readonly token: string;
}

export function encodeVersion(v: CatalogVersion): Buffer {
  return encodeTuple([BigInt(v.counter), v.token]);
}

export function decodeVersion(bytes: Uint8Array | undefined): CatalogVersion {
  if (bytes === undefined) return { counter: 0, token: "" };
  const [counter, token] = decodeTuple(bytes);
  if (typeof counter !== "bigint" || typeof token !== "string") throw corruptEntry("catalog version");
  return { counter: Number(counter), token };
}

export function encodeCounter(n: number): Buffer {
  return encodeTuple([BigInt(n)]);
}

export function decodeCounter(bytes: Uint8Array | undefined, initial: number): number {
  if (bytes === undefined) return initial;
  const [n] = decodeTuple(bytes);
  if (typeof n !== "bigint") throw corruptEntry("counter");
  return Number(n);
}

/** The key ranges a dropped relation leaves behind, to be purged (purge.ts). */
export interface DroppedSpan {
  readonly start: Buffer;
  readonly end: Buffer;
}

export function encodeDropped(spans: readonly DroppedSpan[]): Buffer {
  return encodeTuple(spans.flatMap((s) => [s.start, s.end]));
}

export function decodeDropped(bytes: Uint8Array): DroppedSpan[] {
  const parts = decodeTuple(bytes);
  if (parts.length % 2 !== 0 || !parts.every((p) => p instanceof Uint8Array)) throw corruptEntry("dropped relation");
  const out: DroppedSpan[] = [];
  for (let i = 0; i < parts.length; i += 2) out.push({ start: Buffer.from(parts[i] as Uint8Array), end: Buffer.from(parts[i + 1] as Uint8Array) });
  return out;
}
