/**
 * Rows as kv values, and SQL values as kv key components.
 *
 * Row format (version 1):
 *
 *   u8      format version (1)
 *   varint  n, the number of columns stored
 *   n ×     varint column id delta (ids strictly ascending; the first delta is the id itself)
 *           varint 0 for NULL, else payload length + 1
 *   ...     the non-NULL payloads, in the same order
 *
 * Columns are addressed by stable ids, not positions: ADD COLUMN needs no rewrite (a row written
 * before the column existed reads as the column's `missing` value, the default it was added
 * with, or NULL), and DROP COLUMN leaves ids that readers skip. Because the header holds every
 * length, one column decodes without touching the others' payloads.
 *
 * Payloads: bool 1 byte; int2/int4/int8 zigzag varints; float4/float8 little-endian IEEE;
 * numeric a kind byte (positive, negative, NaN, ±Infinity), then for finite values the display
 * scale, the decimal exponent and the significant digits two per byte; text types and json UTF-8;
 * jsonb its normalised text; bytea the bytes; date a zigzag varint of days (±infinity as one day
 * beyond each end of the range); timestamps a little-endian double; interval little-endian int32
 * months, int32 days and a double of microseconds (a safe integer); uuid 16 bytes; vector
 * little-endian float32 elements.
 *
 * Key components (`toKeyValue`) map each type onto key-encoding's KeyValue so that the encoded
 * byte order is the SQL order (compareValues) and equal values give identical keys.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { KeyValue } from "../../kv/key-encoding.js";
import { trimTrailingSpaces } from "./compare.js";
import { Interval, intervalFromKeyBytes, intervalKeyBytes } from "./interval.js";
import { formatJsonb, parseJsonb } from "./json.js";
import { formatType, type SqlType, typeNameForMessages } from "./sql-type.js";
import { canonicalUuid, fitChar } from "./text-io.js";
import { DATE_MAX, DATE_MIN, Dec, isValueOfType, type Jsonb, Numeric, representationError, type SqlScalar, type SqlValue } from "./value.js";

export const ROW_FORMAT_VERSION = 1;

/** A column as the row codec sees it. */
export interface RowColumn {
  /** Stable column id (never reused within a table), a non-negative integer below 2^32. */
  readonly id: number;
  readonly type: SqlType;
  /** The value of rows written before the column was added (its ADD COLUMN default); NULL if absent. */
  readonly missing?: SqlValue;
}

function corrupt(what: string): SqlStateError {
  return new SqlStateError(`corrupt row: ${what}`, "XX001");
}

/** Growable output buffer. */
class Writer {
  buf = Buffer.allocUnsafe(64);
  len = 0;

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.len + n, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned varint of a non-negative integer below 2^53. */
  varint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  bigVarint(n: bigint): void {
    this.ensure(10);
    while (n >= 0x80n) {
      this.buf[this.len++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.len++] = Number(n);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

/** Reader over a byte range; every read checks bounds (a short row is corruption, not a crash). */
class Reader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw corrupt("truncated");
    return this.buf[this.pos++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
    throw corrupt("varint too long");
  }

  bigVarint(): bigint {
    let n = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      n |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return n;
      shift += 7n;
    }
    throw corrupt("varint too long");
  }
}

const zigzag = (n: number): number => (n >= 0 ? 2 * n : -2 * n - 1);
const unzigzag = (z: number): number => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

const DATE_PLUS_INFINITY = DATE_MAX + 1;
const DATE_MINUS_INFINITY = DATE_MIN - 1;

function writePayload(w: Writer, v: SqlScalar, t: SqlType): void {
  switch (t.kind) {
    case "bool":
      w.byte(v ? 1 : 0);
      return;
    case "int2":
    case "int4":
    case "oid":
      w.varint(zigzag(v as number));
      return;
    case "int8": {
      const n = v as bigint;
      if (n >= -(2n ** 47n) && n < 2n ** 47n) w.varint(zigzag(Number(n)));
      else w.bigVarint(n >= 0n ? n << 1n : (-n << 1n) - 1n);
      return;
    }
    case "float4":
      w.ensure(4);
      w.buf.writeFloatLE(v as number, w.len);
      w.len += 4;
      return;
    case "float8":
    case "timestamp":
    case "timestamptz":
      w.ensure(8);
      w.buf.writeDoubleLE(v as number, w.len);
      w.len += 8;
      return;
    case "numeric":
      writeNumeric(w, v as Numeric);
      return;
    case "interval": {
      const i = v as Interval;
      w.ensure(16);
      w.buf.writeInt32LE(i.months, w.len);
      w.buf.writeInt32LE(i.days, w.len + 4);
      w.buf.writeDoubleLE(i.micros, w.len + 8);
      w.len += 16;
      return;
    }
    case "text":
    case "varchar":
    case "char":
    case "json":
    case "unknown": {
      const s = v as string;
      w.ensure(3 * s.length);
      w.len += w.buf.write(s, w.len, "utf8");
      return;
    }
    case "jsonb":
      w.bytes(Buffer.from(formatJsonb(v as Jsonb), "utf8"));
      return;
    case "bytea":
      w.bytes(v as Uint8Array);
      return;
    case "date": {
      const d = v as number;
      w.varint(zigzag(d === Infinity ? DATE_PLUS_INFINITY : d === -Infinity ? DATE_MINUS_INFINITY : d));
      return;
    }
    case "uuid":
      w.bytes(Buffer.from((v as string).replace(/-/g, ""), "hex"));
      return;
    case "vector": {
      const a = v as Float32Array;
      w.ensure(4 * a.length);
      for (let i = 0; i < a.length; i++) w.buf.writeFloatLE(a[i]!, w.len + 4 * i);
      w.len += 4 * a.length;
      return;
    }
    case "array":
      // Arrays are values of expressions only: no table column has an array type.
      throw new SqlStateError(`column type ${formatType(t)} cannot be stored`, "0A000");
    case "null":
      throw representationError(v, t);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Significant digits (no trailing zeros) and E such that |d| = 0.DIGITS × 10^E, for finite non-zero d. */
function decimalParts(d: Dec): { digits: string; exponent: number } {
  const sci = d.abs().toExponential();
  const e = sci.indexOf("e");
  return { digits: sci.slice(0, e).replace(".", "").replace(/0+$/, ""), exponent: Number(sci.slice(e + 1)) + 1 };
}

const NUM_POS = 0;
const NUM_NEG = 1;
const NUM_NAN = 2;
const NUM_PINF = 3;
const NUM_NINF = 4;

/** numeric payload: kind byte; finite: varint display scale, zigzag varint E, digit pairs (base 100). */
function writeNumeric(w: Writer, n: Numeric): void {
  if (!n.isFinite()) {
    w.byte(n.isNaN() ? NUM_NAN : n.value.isNegative() ? NUM_NINF : NUM_PINF);
    return;
  }
  w.byte(n.value.isNegative() ? NUM_NEG : NUM_POS);
  w.varint(n.scale);
  if (n.value.isZero()) {
    w.varint(0);
    return;
  }
  const { digits, exponent } = decimalParts(n.value);
  w.varint(zigzag(exponent));
  const padded = digits.length % 2 === 1 ? digits + "0" : digits;
  w.ensure(padded.length / 2);
  for (let i = 0; i < padded.length; i += 2) w.buf[w.len++] = (padded.charCodeAt(i) - 48) * 10 + (padded.charCodeAt(i + 1) - 48);
}

function readNumeric(r: Reader): Numeric {
  const kind = r.byte();
  if (kind === NUM_NAN || kind === NUM_PINF || kind === NUM_NINF) {
    if (r.pos !== r.end) throw corrupt("trailing bytes after numeric");
    return kind === NUM_NAN ? Numeric.NaN : kind === NUM_PINF ? Numeric.POSITIVE_INFINITY : Numeric.NEGATIVE_INFINITY;
  }
  if (kind !== NUM_POS && kind !== NUM_NEG) throw corrupt(`numeric kind ${kind}`);
  const scale = r.varint();
  const exponent = unzigzag(r.varint());
  if (r.pos === r.end) return Numeric.of(0, scale);
  let digits = "";
  while (r.pos < r.end) {
    const pair = r.byte();
    if (pair > 99) throw corrupt("numeric digit pair above 99");
    digits += pair < 10 ? "0" + pair : String(pair);
  }
  const value = new Dec(`${kind === NUM_NEG ? "-" : ""}0.${digits}e${exponent}`);
  if (value.decimalPlaces() > scale) throw corrupt("numeric digits beyond its scale");
  return Numeric.of(value, scale);
}

// Where the last readVarintAt stopped (module state rather than an object per call).
let varintEnd = 0;

/** An unsigned varint of at most 8 bytes (< 2^56) at `pos`, not reading past `end`. */
function readVarintAt(b: Uint8Array, pos: number, end: number): number {
  let n = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= end) throw corrupt("truncated varint");
    const byte = b[pos++]!;
    n += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      varintEnd = pos;
      return n;
    }
    scale *= 0x80;
  }
  throw corrupt("varint too long");
}

/** A string from UTF-8 bytes; short ASCII strings skip the decoder. */
function readUtf8(b: Buffer, start: number, end: number): string {
  if (end - start <= 32) {
    let s = "";
    let i = start;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === end) return s;
  }
  try {
    return utf8.decode(b.subarray(start, end));
  } catch {
    throw corrupt("invalid UTF-8");
  }
}

/** A fixed-size payload must be exactly n bytes. (Plain functions, not closures: this runs per value read.) */
function fixedSize(start: number, end: number, n: number, t: SqlType): void {
  if (end - start !== n) throw corrupt(`${t.kind} payload of ${end - start} bytes`);
}

/** A varint payload must end where the varint does. */
function whole<T>(v: T, end: number, t: SqlType): T {
  if (varintEnd !== end) throw corrupt(`trailing bytes after ${t.kind}`);
  return v;
}

function readPayload(b: Buffer, start: number, end: number, t: SqlType): SqlScalar {
  switch (t.kind) {
    case "bool":
      fixedSize(start, end, 1, t);
      return b[start] !== 0;
    case "int2":
    case "int4":
    case "oid":
      return whole(unzigzag(readVarintAt(b, start, end)), end, t);
    case "int8": {
      if (end - start <= 7) {
        // Up to 49 bits: number arithmetic is exact, and much cheaper than BigInt shifts.
        return BigInt(whole(unzigzag(readVarintAt(b, start, end)), end, t));
      }
      const r = new Reader(b, start, end);
      const z = r.bigVarint();
      if (r.pos !== end) throw corrupt("trailing bytes after int8");
      return z & 1n ? -((z + 1n) >> 1n) : z >> 1n;
    }
    case "float4":
      fixedSize(start, end, 4, t);
      return b.readFloatLE(start);
    case "float8":
    case "timestamp":
    case "timestamptz":
      fixedSize(start, end, 8, t);
      return b.readDoubleLE(start);
    case "numeric":
      return readNumeric(new Reader(b, start, end));
    case "interval":
      fixedSize(start, end, 16, t);
      return new Interval(b.readInt32LE(start), b.readInt32LE(start + 4), b.readDoubleLE(start + 8));
    case "text":
    case "varchar":
    case "char":
    case "json":
    case "unknown":
      return readUtf8(b, start, end);
    case "jsonb":
      return parseJsonb(readUtf8(b, start, end));
    case "bytea":
      return Buffer.from(b.subarray(start, end));
    case "date": {
      const d = whole(unzigzag(readVarintAt(b, start, end)), end, t);
      return d === DATE_PLUS_INFINITY ? Infinity : d === DATE_MINUS_INFINITY ? -Infinity : d;
    }
    case "uuid":
      fixedSize(start, end, 16, t);
      return canonicalUuid(b.toString("hex", start, end));
    case "vector": {
      if ((end - start) % 4 !== 0) throw corrupt("vector payload not a multiple of 4 bytes");
      const out = new Float32Array((end - start) / 4);
      for (let i = 0; i < out.length; i++) out[i] = b.readFloatLE(start + 4 * i);
      return out;
    }
    case "array":
      throw corrupt(`column of type ${formatType(t)}`);
    case "null":
      throw corrupt("column of the null pseudo-type");
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Encoding is synchronous, so one pair of growable buffers serves every call.
const scratchHeader = new Writer();
const scratchBody = new Writer();

/**
 * Encodes and decodes rows of one table version. Build it once per schema: it sorts the columns
 * by id and indexes them, so per-row work is only the bytes.
 */
export class RowCodec {
  /** Schema positions in ascending id order. */
  private readonly byId: number[];
  /** Values of columns a row does not mention. */
  private readonly missing: SqlValue[];
  /** Column ids in ascending order (ids of `byId`), for walking a row's ascending ids alongside. */
  private readonly sortedIds: number[];
  /** Every column: what `decode` reads. */
  private readonly all: RowSelection;

  constructor(readonly columns: readonly RowColumn[]) {
    const ids = new Set<number>();
    for (const c of columns) {
      if (!Number.isInteger(c.id) || c.id < 0 || c.id >= 2 ** 32) throw new RangeError(`column id ${c.id} is not a 32-bit unsigned integer`);
      if (ids.has(c.id)) throw new RangeError(`duplicate column id ${c.id}`);
      ids.add(c.id);
    }
    this.byId = columns.map((_, i) => i).sort((a, b) => columns[a]!.id - columns[b]!.id);
    this.missing = columns.map((c) => c.missing ?? null);
    this.sortedIds = this.byId.map((i) => columns[i]!.id);
    this.all = this.select(columns.map((_, i) => i));
  }

  /** What `decodeSome` builds: the columns at `positions` (schema positions). */
  select(positions: Iterable<number>): RowSelection {
    const wanted = new Uint8Array(this.columns.length);
    for (const p of positions) {
      if (!Number.isInteger(p) || p < 0 || p >= this.columns.length) throw new RangeError(`no column at position ${p}`);
      wanted[p] = 1;
    }
    const initial = this.missing.map((m, i) => (wanted[i] ? m : null));
    const byRank = new Int32Array(this.byId.length);
    this.byId.forEach((i, rank) => (byRank[rank] = wanted[i] ? i : -1));
    return new RowSelection(this, initial, byRank);
  }

  /**
   * The selected columns of a row, in schema order; the others are NULL, their payloads skipped
   * unread. The row's structure is checked as `decode` checks it (version, header, ascending
   * ids, payload bounds, no trailing bytes); only the skipped payloads' contents are not.
   */
  decodeSome(bytes: Uint8Array, selection: RowSelection): SqlValue[] {
    if (selection.codec !== this) throw new RangeError("selection made for another row codec");
    const b = asBuffer(bytes);
    const out: SqlValue[] = selection.initial.slice();
    const byRank = selection.byRank;
    const ids = this.sortedIds;
    const n = this.header(b);
    let h = varintEnd;
    let p = this.payloadStart(b, h, n);
    let id = 0;
    let rank = 0;
    for (let k = 0; k < n; k++) {
      const delta = readVarintAt(b, h, b.length);
      if (k > 0 && delta === 0) throw corrupt("column ids not ascending");
      id += delta;
      const len = readVarintAt(b, varintEnd, b.length);
      h = varintEnd;
      // Row ids ascend, as do the schema's: one walk along both finds each column's position.
      while (rank < ids.length && ids[rank]! < id) rank++;
      const i = rank < ids.length && ids[rank] === id ? byRank[rank]! : -1;
      if (len === 0) {
        if (i >= 0) out[i] = null;
        continue;
      }
      const end = p + len - 1;
      if (end > b.length) throw corrupt("truncated payload");
      if (i >= 0) out[i] = readPayload(b, p, end, this.columns[i]!.type);
      p = end;
    }
    if (p !== b.length) throw corrupt("trailing bytes");
    return out;
  }

  /** The row's bytes; values[i] belongs to columns[i]. */
  encode(values: readonly SqlValue[]): Buffer {
    if (values.length !== this.columns.length) throw new RangeError(`row has ${values.length} values for ${this.columns.length} columns`);
    const header = scratchHeader;
    const body = scratchBody;
    header.len = 0;
    body.len = 0;
    header.byte(ROW_FORMAT_VERSION);
    header.varint(this.columns.length);
    let prev = 0;
    for (const i of this.byId) {
      const c = this.columns[i]!;
      const v = values[i]!;
      header.varint(c.id - prev);
      prev = c.id;
      if (v === null) {
        header.varint(0);
        continue;
      }
      if (!isValueOfType(v, c.type)) throw representationError(v, c.type);
      const before = body.len;
      writePayload(body, v, c.type);
      header.varint(body.len - before + 1);
    }
    header.bytes(body.buf.subarray(0, body.len));
    return header.finish();
  }

  /** Every column of the schema, in schema order; columns no longer in it (dropped) are skipped. */
  decode(bytes: Uint8Array): SqlValue[] {
    return this.decodeSome(bytes, this.all);
  }

  /** One column (by schema position) without decoding the others. */
  decodeColumn(bytes: Uint8Array, position: number): SqlValue {
    const c = this.columns[position];
    if (c === undefined) throw new RangeError(`no column at position ${position}`);
    const b = asBuffer(bytes);
    const n = this.header(b);
    let h = varintEnd;
    let p = this.payloadStart(b, h, n);
    let id = 0;
    for (let k = 0; k < n; k++) {
      id += readVarintAt(b, h, b.length);
      const len = readVarintAt(b, varintEnd, b.length);
      h = varintEnd;
      if (id > c.id) break;
      if (id === c.id) {
        if (len === 0) return null;
        if (p + len - 1 > b.length) throw corrupt("truncated payload");
        return readPayload(b, p, p + len - 1, c.type);
      }
      if (len > 0) p += len - 1;
    }
    return c.missing ?? null;
  }

  /** Checks the version and returns the column count; varintEnd is then the first header entry. */
  private header(b: Buffer): number {
    if (b.length === 0) throw corrupt("empty row");
    if (b[0] !== ROW_FORMAT_VERSION) throw corrupt(`unknown row format version ${b[0]}`);
    return readVarintAt(b, 1, b.length);
  }

  /** Offset of the first payload: just past the n header entries starting at h. */
  private payloadStart(b: Buffer, h: number, n: number): number {
    for (let k = 0; k < 2 * n; k++) {
      readVarintAt(b, h, b.length);
      h = varintEnd;
    }
    return h;
  }
}

/** Columns of one RowCodec that a partial decode builds (RowCodec.select). */
export class RowSelection {
  constructor(
    readonly codec: RowCodec,
    /** A decoded row before its payloads are read: missing values where wanted, else NULL. */
    readonly initial: readonly SqlValue[],
    /** By rank in ascending column id order: the schema position to decode, or -1 to skip. */
    readonly byRank: Int32Array,
  ) {}
}

/** One-shot encode (prefer a RowCodec per schema when encoding many rows). */
export function encodeRow(columns: readonly RowColumn[], values: readonly SqlValue[]): Buffer {
  return new RowCodec(columns).encode(values);
}

/** One-shot decode (prefer a RowCodec per schema when decoding many rows). */
export function decodeRow(bytes: Uint8Array, columns: readonly RowColumn[]): SqlValue[] {
  return new RowCodec(columns).decode(bytes);
}

// ---- key components ------------------------------------------------------------------------

const NUMERIC_NEG_INF = 0x01;
const NUMERIC_NEG = 0x02;
const NUMERIC_ZERO = 0x03;
const NUMERIC_POS = 0x04;
const NUMERIC_POS_INF = 0x05;
const NUMERIC_NAN = 0x06;
/** Digit pairs are stored as 2..101, so the terminator 1 sorts below every pair. */
const PAIR_OFFSET = 2;
const DIGITS_END = 0x01;
const EXPONENT_BIAS = 2 ** 31;

/**
 * An order-preserving byte string for a numeric: a class byte (-Infinity < negative < zero <
 * positive < +Infinity < NaN), then for finite non-zero values the decimal exponent E (value =
 * 0.d1d2d3... × 10^E) as 4 big-endian bytes biased by 2^31, the significant digits in pairs (one
 * byte each) and a terminator below every pair, all inverted for negative values. Trailing zeros
 * are dropped, so 1.5 and 1.50 give one key; the display scale lives only in the row.
 */
export function numericKey(n: Numeric): Uint8Array {
  if (n.isNaN()) return Uint8Array.of(NUMERIC_NAN);
  if (!n.isFinite()) return Uint8Array.of(n.value.isNegative() ? NUMERIC_NEG_INF : NUMERIC_POS_INF);
  if (n.value.isZero()) return Uint8Array.of(NUMERIC_ZERO);
  const negative = n.value.isNegative();
  const parts = decimalParts(n.value);
  const digits = parts.digits.length % 2 === 1 ? parts.digits + "0" : parts.digits;
  const exponent = parts.exponent;
  const out = new Uint8Array(1 + 4 + digits.length / 2 + 1);
  out[0] = negative ? NUMERIC_NEG : NUMERIC_POS;
  const biased = exponent + EXPONENT_BIAS;
  out[1] = (biased >>> 24) & 0xff;
  out[2] = (biased >>> 16) & 0xff;
  out[3] = (biased >>> 8) & 0xff;
  out[4] = biased & 0xff;
  for (let i = 0; i < digits.length; i += 2) out[5 + i / 2] = Number(digits.slice(i, i + 2)) + PAIR_OFFSET;
  out[out.length - 1] = DIGITS_END;
  if (negative) for (let i = 1; i < out.length; i++) out[i] = ~out[i]! & 0xff;
  return out;
}

/** Inverse of numericKey; the display scale is that of the normalised value. */
export function numericFromKey(key: Uint8Array): Numeric {
  const cls = key[0];
  if (key.length === 1) {
    if (cls === NUMERIC_NAN) return Numeric.NaN;
    if (cls === NUMERIC_POS_INF) return Numeric.POSITIVE_INFINITY;
    if (cls === NUMERIC_NEG_INF) return Numeric.NEGATIVE_INFINITY;
    if (cls === NUMERIC_ZERO) return Numeric.ZERO;
  }
  if ((cls !== NUMERIC_POS && cls !== NUMERIC_NEG) || key.length < 7) throw corrupt("malformed numeric key");
  const mask = cls === NUMERIC_NEG ? 0xff : 0;
  const byte = (i: number) => key[i]! ^ mask;
  const exponent = (((byte(1) << 24) | (byte(2) << 16) | (byte(3) << 8) | byte(4)) >>> 0) - EXPONENT_BIAS;
  if (byte(key.length - 1) !== DIGITS_END) throw corrupt("malformed numeric key");
  let digits = "";
  for (let i = 5; i < key.length - 1; i++) {
    const pair = byte(i) - PAIR_OFFSET;
    if (pair < 0 || pair > 99) throw corrupt("malformed numeric key");
    digits += String(pair).padStart(2, "0");
  }
  const value = new Dec(`${mask ? "-" : ""}0.${digits}e${exponent}`);
  return Numeric.of(value);
}

function notIndexable(t: SqlType): SqlStateError {
  const name = typeNameForMessages(t);
  if (t.kind === "json") return new SqlStateError(`data type ${name} has no default operator class for access method "btree"`, "42704");
  return new SqlStateError(`values of type ${name} cannot be used in keys`, "0A000");
}

/**
 * The kv key component for a value: integers as bigint (one form for int2/int4/int8), floats,
 * dates and timestamps as numbers (the key encoding already orders -0 = 0 and NaN last), numerics
 * as `numericKey` bytes, char(n) without its padding, uuids as their 16 bytes, intervals as their
 * span (so '1 day' and '24 hours', equal in PostgreSQL, share a key). json, jsonb and
 * vector values cannot be keys (json has no btree operator class in PostgreSQL; the others are
 * not supported in keys yet).
 */
export function toKeyValue(v: SqlValue, t: SqlType): KeyValue {
  if (v === null) return null;
  switch (t.kind) {
    case "bool":
      return v as boolean;
    case "int2":
    case "int4":
    case "oid":
      return BigInt(v as number);
    case "int8":
      return v as bigint;
    case "float4":
    case "float8":
    case "date":
    case "timestamp":
    case "timestamptz":
      return v as number;
    case "numeric":
      return numericKey(v as Numeric);
    case "text":
    case "varchar":
    case "unknown":
      return v as string;
    case "char":
      return trimTrailingSpaces(v as string);
    case "bytea":
      return v as Uint8Array;
    case "uuid":
      return Buffer.from((v as string).replace(/-/g, ""), "hex");
    case "interval":
      return intervalKeyBytes(v as Interval);
    default:
      throw notIndexable(t);
  }
}

/** The SQL value of a key component (for index-only reads); numerics come back normalised. */
export function fromKeyValue(k: KeyValue, t: SqlType): SqlValue {
  if (k === null) return null;
  switch (t.kind) {
    case "int2":
    case "int4":
    case "oid":
      return Number(k as bigint);
    case "numeric":
      return numericFromKey(k as Uint8Array);
    case "char":
      return fitChar(k as string, t.length, true);
    case "bytea":
      return Buffer.from(k as Uint8Array);
    case "uuid":
      return canonicalUuid(Buffer.from(k as Uint8Array).toString("hex"));
    case "interval":
      return intervalFromKeyBytes(k as Uint8Array);
    case "bool":
    case "int8":
    case "float4":
    case "float8":
    case "date":
    case "timestamp":
    case "timestamptz":
    case "text":
    case "varchar":
    case "unknown":
      return k as SqlScalar;
    default:
      throw notIndexable(t);
  }
}
