/**
 * PostgreSQL's binary send/receive formats (typsend/typreceive), as the wire protocol carries
 * values in binary-format Bind parameters and DataRow columns. Receive applies the type modifier,
 * as PostgreSQL's receive functions do with the column's typmod.
 *
 *   bool          1 byte, non-zero is true
 *   int2/4/8      big-endian two's complement
 *   float4/8      big-endian IEEE 754
 *   numeric       int16 ndigits, int16 weight, uint16 sign, int16 dscale, ndigits × int16 base-10000 digits
 *   text types    UTF-8 bytes (also json, and unknown)
 *   jsonb         version byte 1, then the text
 *   bytea         the bytes
 *   date          int32 days since 2000-01-01; INT32_MAX/MIN are ±infinity
 *   timestamp(tz) int64 microseconds since 2000-01-01 00:00 UTC; INT64_MAX/MIN are ±infinity
 *   interval      int64 microseconds, int32 days, int32 months
 *   uuid          16 bytes
 *   vector        int16 dims, int16 unused (0), dims × float4 big-endian (pgvector)
 */
import { SqlTypeError, datetimeOutOfRange } from "./errors.js";
import { adjustTimestampPrecision } from "./datetime.js";
import { adjustIntervalTypmod, Interval, makeIntervalChecked } from "./interval.js";
import { formatJsonb, parseJsonb } from "./json.js";
import { applyNumericTypmod, checkedNumeric } from "./numeric.js";
import { type SqlType, typeOid, VECTOR_MAX_DIM } from "./sql-type.js";
import { canonicalUuid, checkText, checkVectorDims, fitChar, fitVarchar } from "./text-io.js";
import {
  DATE_MAX,
  DATE_MIN,
  Dec,
  Jsonb,
  Numeric,
  PG_EPOCH_DAYS,
  PG_EPOCH_USECS,
  representationError,
  type SqlArray,
  type SqlScalar,
  type SqlValue,
  TIMESTAMP_END,
  TIMESTAMP_MIN,
} from "./value.js";

const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;
const INT64_MAX = 0x7fffffffffffffffn;
const INT64_MIN = -0x8000000000000000n;

const NUMERIC_POS = 0x0000;
const NUMERIC_NEG = 0x4000;
const NUMERIC_NAN = 0xc000;
const NUMERIC_PINF = 0xd000;
const NUMERIC_NINF = 0xf000;
const NUMERIC_DSCALE_MAX = 0x3fff;

/** The binary form of a non-null value of type `t`. */
export function encodeBinary(v: SqlScalar, t: SqlType): Buffer {
  switch (t.kind) {
    case "bool":
      return Buffer.from([v ? 1 : 0]);
    case "int2": {
      const b = Buffer.allocUnsafe(2);
      b.writeInt16BE(v as number);
      return b;
    }
    case "int4": {
      const b = Buffer.allocUnsafe(4);
      b.writeInt32BE(v as number);
      return b;
    }
    case "int8": {
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE(v as bigint);
      return b;
    }
    case "float4": {
      const b = Buffer.allocUnsafe(4);
      b.writeFloatBE(v as number);
      return b;
    }
    case "float8": {
      const b = Buffer.allocUnsafe(8);
      b.writeDoubleBE(v as number);
      return b;
    }
    case "numeric":
      return encodeNumeric(v as Numeric);
    case "text":
    case "varchar":
    case "char":
    case "json":
    case "unknown":
      return Buffer.from(v as string, "utf8");
    case "jsonb":
      return Buffer.concat([Buffer.from([1]), Buffer.from(formatJsonb(v as Jsonb), "utf8")]);
    case "bytea":
      return Buffer.from(v as Uint8Array);
    case "date":
      return encodeDate(v as number);
    case "timestamp":
    case "timestamptz":
      return encodeTimestamp(v as number);
    case "interval": {
      const i = v as Interval;
      const b = Buffer.allocUnsafe(16);
      b.writeBigInt64BE(BigInt(i.micros), 0);
      b.writeInt32BE(i.days, 8);
      b.writeInt32BE(i.months, 12);
      return b;
    }
    case "uuid":
      return Buffer.from((v as string).replace(/-/g, ""), "hex");
    case "vector":
      return encodeVector(v as Float32Array);
    case "oid": {
      const b = Buffer.allocUnsafe(4);
      b.writeUInt32BE(v as number);
      return b;
    }
    case "array":
      return encodeArray(v as SqlArray, t.element);
    case "null":
      throw representationError(v, t);
  }
}

/** array_send, one dimension: ndim, has-nulls flag, element OID, (length, lower bound 1), elements. */
function encodeArray(v: SqlArray, element: SqlType): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(v.length === 0 ? 12 : 20);
  header.writeInt32BE(v.length === 0 ? 0 : 1, 0);
  header.writeInt32BE(v.some((e) => e === null) ? 1 : 0, 4);
  header.writeUInt32BE(typeOid(element), 8);
  if (v.length > 0) {
    header.writeInt32BE(v.length, 12);
    header.writeInt32BE(1, 16);
  }
  parts.push(header);
  for (const e of v) {
    const len = Buffer.allocUnsafe(4);
    if (e === null) {
      len.writeInt32BE(-1);
      parts.push(len);
      continue;
    }
    const bytes = encodeBinary(e, element);
    len.writeInt32BE(bytes.length);
    parts.push(len, bytes);
  }
  return Buffer.concat(parts);
}

function decodeArray(b: Buffer, element: SqlType): SqlArray {
  if (b.length < 12) throw insufficientData();
  const ndim = b.readInt32BE(0);
  if (ndim < 0) throw new SqlTypeError(`invalid number of dimensions: ${ndim}`, "22P03");
  if (ndim > 1) throw new SqlTypeError("multidimensional arrays are not supported", "0A000");
  if (b.readUInt32BE(8) !== typeOid(element)) throw new SqlTypeError("binary data has array element type " + b.readUInt32BE(8) + " instead of expected " + typeOid(element), "42804");
  if (ndim === 0) return [];
  if (b.length < 20) throw insufficientData();
  const n = b.readInt32BE(12);
  if (b.readInt32BE(16) !== 1) throw new SqlTypeError("arrays with a lower bound other than 1 are not supported", "0A000");
  const out: SqlValue[] = [];
  let at = 20;
  for (let i = 0; i < n; i++) {
    if (at + 4 > b.length) throw insufficientData();
    const len = b.readInt32BE(at);
    at += 4;
    if (len === -1) {
      out.push(null);
      continue;
    }
    if (len < 0 || at + len > b.length) throw insufficientData();
    out.push(decodeBinary(b.subarray(at, at + len), element));
    at += len;
  }
  if (at !== b.length) throw new SqlTypeError("incorrect binary data format in array element", "22P03");
  return out;
}

/** A value of type `t` from its binary form; errors are PostgreSQL's for malformed data. */
export function decodeBinary(buf: Uint8Array, t: SqlType): SqlScalar {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (t.kind) {
    case "bool":
      expectLength(b, 1);
      return b[0] !== 0;
    case "int2":
      expectLength(b, 2);
      return b.readInt16BE(0);
    case "int4":
      expectLength(b, 4);
      return b.readInt32BE(0);
    case "int8":
      expectLength(b, 8);
      return b.readBigInt64BE(0);
    case "float4":
      expectLength(b, 4);
      return b.readFloatBE(0);
    case "float8":
      expectLength(b, 8);
      return b.readDoubleBE(0);
    case "numeric":
      return applyNumericTypmod(decodeNumeric(b), t.precision, t.scale);
    case "text":
    case "unknown":
      return decodeUtf8(b);
    case "varchar":
      return fitVarchar(decodeUtf8(b), t.length, false);
    case "char":
      return fitChar(decodeUtf8(b), t.length, false);
    case "json":
      return decodeUtf8(b);
    case "jsonb":
      if (b.length < 1) throw insufficientData();
      if (b[0] !== 1) throw new SqlTypeError(`unsupported jsonb version number ${b[0]}`, "22P03");
      return parseJsonb(decodeUtf8(b.subarray(1)));
    case "bytea":
      return Buffer.from(b);
    case "date":
      return decodeDate(b);
    case "timestamp":
    case "timestamptz":
      return adjustTimestampPrecision(decodeTimestamp(b), t.precision);
    case "interval":
      expectLength(b, 16);
      return adjustIntervalTypmod(makeIntervalChecked(b.readInt32BE(12), b.readInt32BE(8), Number(b.readBigInt64BE(0))), t.fields, t.precision);
    case "uuid":
      expectLength(b, 16);
      return canonicalUuid(b.toString("hex"));
    case "vector":
      return checkVectorDims(decodeVector(b), t.dims);
    case "oid":
      expectLength(b, 4);
      return b.readUInt32BE(0);
    case "array":
      return decodeArray(b, t.element);
    case "null":
      throw new SqlTypeError("cannot receive a value of the null pseudo-type", "42804");
  }
}

function insufficientData(): SqlTypeError {
  return new SqlTypeError("insufficient data left in message", "08P01");
}

function expectLength(b: Buffer, n: number): void {
  if (b.length < n) throw insufficientData();
  if (b.length > n) throw new SqlTypeError("incorrect binary data format", "22P03", `expected ${n} bytes, got ${b.length}`);
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function decodeUtf8(b: Uint8Array): string {
  let s: string;
  try {
    s = utf8.decode(b);
  } catch {
    throw new SqlTypeError('invalid byte sequence for encoding "UTF8"', "22021");
  }
  return checkText(s);
}

function encodeNumeric(n: Numeric): Buffer {
  if (!n.isFinite()) {
    const b = Buffer.alloc(8);
    const sign = n.isNaN() ? NUMERIC_NAN : n.value.isNegative() ? NUMERIC_NINF : NUMERIC_PINF;
    b.writeUInt16BE(sign, 4);
    // PostgreSQL reads the dscale of a special value out of its header's short-format bits
    // (32 for the infinities, 0 for NaN); sent the same way so the bytes match.
    b.writeInt16BE((sign & 0x1f80) >> 7, 6);
    return b;
  }
  const text = n.value.abs().toFixed(n.scale);
  const dot = text.indexOf(".");
  const intPart = dot < 0 ? text : text.slice(0, dot);
  const fracPart = dot < 0 ? "" : text.slice(dot + 1);
  const intPadded = "0".repeat((4 - (intPart.length % 4)) % 4) + intPart;
  const fracPadded = fracPart + "0".repeat((4 - (fracPart.length % 4)) % 4);
  const all = intPadded + fracPadded;
  const digits: number[] = [];
  for (let i = 0; i < all.length; i += 4) digits.push(Number(all.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  // Strip leading and trailing zero groups, as PostgreSQL stores numerics.
  let start = 0;
  while (start < digits.length && digits[start] === 0) {
    start++;
    weight--;
  }
  let end = digits.length;
  while (end > start && digits[end - 1] === 0) end--;
  if (start === end) weight = 0;
  const b = Buffer.allocUnsafe(8 + 2 * (end - start));
  b.writeInt16BE(end - start, 0);
  b.writeInt16BE(weight, 2);
  b.writeUInt16BE(n.value.isNegative() && start !== end ? NUMERIC_NEG : NUMERIC_POS, 4);
  b.writeInt16BE(n.scale, 6);
  for (let i = start; i < end; i++) b.writeInt16BE(digits[i]!, 8 + 2 * (i - start));
  return b;
}

function decodeNumeric(b: Buffer): Numeric {
  if (b.length < 8) throw insufficientData();
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (ndigits < 0) throw new SqlTypeError('invalid length in external "numeric" value', "22P03");
  expectLength(b, 8 + 2 * ndigits);
  if (sign === NUMERIC_NAN) return Numeric.NaN;
  if (sign === NUMERIC_PINF) return Numeric.POSITIVE_INFINITY;
  if (sign === NUMERIC_NINF) return Numeric.NEGATIVE_INFINITY;
  if (sign !== NUMERIC_POS && sign !== NUMERIC_NEG) throw new SqlTypeError('invalid sign in external "numeric" value', "22P03");
  if (dscale < 0 || dscale > NUMERIC_DSCALE_MAX) throw new SqlTypeError('invalid scale in external "numeric" value', "22P03");
  let digits = "";
  for (let i = 0; i < ndigits; i++) {
    const d = b.readInt16BE(8 + 2 * i);
    if (d < 0 || d >= 10000) throw new SqlTypeError('invalid digit in external "numeric" value', "22P03");
    digits += String(d).padStart(4, "0");
  }
  if (ndigits === 0) return Numeric.of(0, dscale);
  // digits[0] has weight `weight`: the value is 0.DIGITS × 10000^(weight + 1).
  const exponent = 4 * (weight + 1) - digits.length;
  const value = new Dec(`${sign === NUMERIC_NEG ? "-" : ""}${digits}e${exponent}`);
  // PostgreSQL truncates digits that the display scale hides rather than rejecting them.
  return checkedNumeric(value.toDecimalPlaces(dscale, Dec.ROUND_DOWN), dscale);
}

function encodeDate(days: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(days === Infinity ? INT32_MAX : days === -Infinity ? INT32_MIN : days - PG_EPOCH_DAYS);
  return b;
}

function decodeDate(b: Buffer): number {
  expectLength(b, 4);
  const raw = b.readInt32BE(0);
  if (raw === INT32_MAX) return Infinity;
  if (raw === INT32_MIN) return -Infinity;
  const days = raw + PG_EPOCH_DAYS;
  if (days < DATE_MIN || days > DATE_MAX) throw datetimeOutOfRange("date");
  return days;
}

function encodeTimestamp(us: number): Buffer {
  const b = Buffer.allocUnsafe(8);
  if (us === Infinity) b.writeBigInt64BE(INT64_MAX);
  else if (us === -Infinity) b.writeBigInt64BE(INT64_MIN);
  else b.writeBigInt64BE(BigInt(us) - BigInt(PG_EPOCH_USECS));
  return b;
}

function decodeTimestamp(b: Buffer): number {
  expectLength(b, 8);
  const raw = b.readBigInt64BE(0);
  if (raw === INT64_MAX) return Infinity;
  if (raw === INT64_MIN) return -Infinity;
  const exact = raw + BigInt(PG_EPOCH_USECS);
  const us = Number(exact);
  // Out of range, or not exactly representable as a double (see value.ts).
  if (BigInt(us) !== exact || us < TIMESTAMP_MIN || us >= TIMESTAMP_END) throw datetimeOutOfRange("timestamp");
  return us;
}

function encodeVector(v: Float32Array): Buffer {
  const b = Buffer.allocUnsafe(4 + 4 * v.length);
  b.writeInt16BE(v.length, 0);
  b.writeInt16BE(0, 2);
  for (let i = 0; i < v.length; i++) b.writeFloatBE(v[i]!, 4 + 4 * i);
  return b;
}

function decodeVector(b: Buffer): Float32Array {
  if (b.length < 4) throw insufficientData();
  const dims = b.readInt16BE(0);
  const unused = b.readInt16BE(2);
  if (dims < 1) throw new SqlTypeError("vector must have at least 1 dimension", "22000");
  if (dims > VECTOR_MAX_DIM) throw new SqlTypeError(`vector cannot have more than ${VECTOR_MAX_DIM} dimensions`, "54000");
  if (unused !== 0) throw new SqlTypeError(`expected unused to be 0, not ${unused}`, "22023");
  expectLength(b, 4 + 4 * dims);
  const out = new Float32Array(dims);
  for (let i = 0; i < dims; i++) {
    const x = b.readFloatBE(4 + 4 * i);
    if (Number.isNaN(x)) throw new SqlTypeError("NaN not allowed in vector", "22000");
    if (!Number.isFinite(x)) throw new SqlTypeError("infinite value not allowed in vector", "22000");
    out[i] = x;
  }
  return out;
}
