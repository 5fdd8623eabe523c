/**
 * Text input and output functions: `parseText` is PostgreSQL's typinput (with the type modifier
 * applied, as a cast of a literal does: '1.5'::numeric(3,2), 'abc'::varchar(2) errors), and
 * `formatText` is typoutput as PostgreSQL 15 prints values with DateStyle ISO, TimeZone UTC,
 * extra_float_digits 1 and bytea_output hex.
 */
import { SqlTypeError, invalidSyntax, valueTooLong } from "./errors.js";
import { formatDate, formatTimestamp, parseDate, parseTimestamp, type DatetimeInputOptions } from "./datetime.js";
import { formatInterval, type Interval, parseInterval } from "./interval.js";
import { formatJsonb, parseJsonb, parseJsonText } from "./json.js";
import { formatFloat4, formatFloat8, isCSpace, trimCSpace, parseFloat4, parseFloat8, parseInt8, parseIntNumber, scanFloat, floatTokenValue } from "./number-text.js";
import { applyNumericTypmod, parseNumeric } from "./numeric.js";
import { formatType, type SqlType, VECTOR_MAX_DIM } from "./sql-type.js";
import { INT2_MAX, INT2_MIN, INT4_MAX, INT4_MIN, Jsonb, Numeric, OID_MAX, representationError, type SqlArray, type SqlValue } from "./value.js";
import { formatArrayText, formatVectorText, parseArrayText, parseVectorText } from "./array-text.js";

export type TextInputOptions = DatetimeInputOptions;

/** Parses `text` as a value of type `t` (never returns null: SQL NULL has no text form). */
export function parseText(text: string, t: SqlType, options?: TextInputOptions): Exclude<SqlValue, null> {
  switch (t.kind) {
    case "bool":
      return parseBool(text);
    case "int2":
      return parseIntNumber(text, INT2_MIN, INT2_MAX, "smallint");
    case "int4":
      return parseIntNumber(text, INT4_MIN, INT4_MAX, "integer");
    case "int8":
      return parseInt8(text);
    case "float4":
      return parseFloat4(text);
    case "float8":
      return parseFloat8(text);
    case "numeric":
      return applyNumericTypmod(parseNumeric(text), t.precision, t.scale);
    case "text":
    case "unknown":
      return checkText(text);
    case "varchar":
      return fitVarchar(checkText(text), t.length, false);
    case "char":
      return fitChar(checkText(text), t.length, false);
    case "bytea":
      return parseBytea(text);
    case "date":
      return parseDate(text, options);
    case "timestamp":
      return parseTimestamp(text, false, t.precision, options);
    case "timestamptz":
      return parseTimestamp(text, true, t.precision, options);
    case "interval":
      return parseInterval(text, t.fields, t.precision);
    case "uuid":
      return parseUuid(text);
    case "json":
      return parseJsonText(checkText(text));
    case "jsonb":
      return parseJsonb(checkText(text));
    case "vector":
      return parseVector(text, t.dims);
    case "oid":
      return parseOid(text, t);
    case "array":
      return t.vector ? parseVectorText(text, (e) => parseText(e, t.element, options)) : parseArrayText(text, (e) => parseText(e, t.element, options));
    case "null":
      throw new SqlTypeError("cannot parse a value of the null pseudo-type", "42804");
  }
}

/**
 * oidin: an unsigned 32-bit integer, negative values down to -2^31 wrapping around as in
 * PostgreSQL. An OID alias type given a name needs the catalog, which resolves it before text
 * input is reached (the analyzer for constants, sql/system at run time); here only numbers do.
 */
function parseOid(text: string, t: SqlType): number {
  const name = formatType(t);
  const trimmed = trimCSpace(text);
  if (!/^[+-]?\d+$/.test(trimmed)) {
    if (t.kind === "oid" && t.reg !== undefined) throw new SqlTypeError(`${name} input "${text}" needs the catalog: cast a constant or call to_${t.reg}`, "0A000");
    throw invalidSyntax(name, text);
  }
  const v = Number(trimmed);
  if (!Number.isSafeInteger(v) || v < INT4_MIN || v > OID_MAX) throw new SqlTypeError(`value "${text}" is out of range for type ${name}`, "22003");
  return v < 0 ? v + OID_MAX + 1 : v;
}

/** The text form of a non-null value of type `t`. */
export function formatText(v: Exclude<SqlValue, null>, t: SqlType): string {
  switch (t.kind) {
    case "bool":
      return v === true ? "t" : "f";
    case "int2":
    case "int4":
    case "int8":
      return String(v);
    case "float4":
      return formatFloat4(v as number);
    case "float8":
      return formatFloat8(v as number);
    case "numeric":
      return (v as Numeric).toString();
    case "text":
    case "varchar":
    case "char":
    case "uuid":
    case "json":
    case "unknown":
      return v as string;
    case "bytea":
      return "\\x" + Buffer.from((v as Uint8Array).buffer, (v as Uint8Array).byteOffset, (v as Uint8Array).byteLength).toString("hex");
    case "date":
      return formatDate(v as number);
    case "timestamp":
      return formatTimestamp(v as number, false);
    case "timestamptz":
      return formatTimestamp(v as number, true);
    case "interval":
      return formatInterval(v as Interval);
    case "jsonb":
      return formatJsonb(v as Jsonb);
    case "vector":
      return formatVector(v as Float32Array);
    case "oid":
      return String(v);
    case "array":
      return t.vector ? formatVectorText(v as SqlArray, (e) => formatText(e, t.element)) : formatArrayText(v as SqlArray, (e) => formatText(e, t.element));
    case "null":
      throw representationError(v, t);
  }
}

/** parse_bool_with_len: case-insensitive prefixes of true/false/yes/no, on/off and 1/0. */
export function parseBool(text: string): boolean {
  const t = trimCSpace(text).toLowerCase();
  if (t.length > 0) {
    if ("true".startsWith(t) || "yes".startsWith(t) || t === "on" || t === "1") return true;
    if ("false".startsWith(t) || "no".startsWith(t) || (t.length >= 2 && "off".startsWith(t)) || t === "0") return false;
  }
  throw invalidSyntax("boolean", text);
}

/** Rejects strings UTF-8 cannot carry (PostgreSQL's text never contains NUL or unpaired surrogates). */
export function checkText(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) throw new SqlTypeError('invalid byte sequence for encoding "UTF8": 0x00', "22021");
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw new SqlTypeError(`invalid Unicode surrogate in string: 0x${c.toString(16)}`, "22021");
      }
      i++;
    }
  }
  return s;
}

/** Number of characters (code points), as PostgreSQL counts lengths. */
export function charLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      n--;
      i++;
    }
  }
  return n;
}

/** The first `n` characters (code points) of s. */
export function sliceChars(s: string, n: number): string {
  let i = 0;
  for (let k = 0; k < n && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff ? 2 : 1;
  }
  return s.slice(0, i);
}

/**
 * varchar(n): a longer value is an error unless the excess is spaces (which are dropped); an
 * explicit cast truncates silently instead.
 */
export function fitVarchar(s: string, length: number | undefined, truncate: boolean): string {
  if (length === undefined || s.length <= length || charLength(s) <= length) return s;
  const head = sliceChars(s, length);
  if (!truncate && !/^ *$/.test(s.slice(head.length))) throw valueTooLong(formatType({ kind: "varchar", length }));
  return head;
}

/** char(n): as varchar(n), then padded with spaces to n characters. */
export function fitChar(s: string, length: number | undefined, truncate: boolean): string {
  if (length === undefined) return s;
  const n = charLength(s);
  if (n > length) {
    const head = sliceChars(s, length);
    if (!truncate && !/^ *$/.test(s.slice(head.length))) throw valueTooLong(formatType({ kind: "char", length }));
    return head;
  }
  return n === length ? s : s + " ".repeat(length - n);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** byteain: hex format ('\x4142', whitespace between pairs allowed) or escape format. */
export function parseBytea(text: string): Buffer {
  if (text.startsWith("\\x")) return parseHexBytea(text);
  const bytes = Buffer.from(checkText(text), "utf8");
  const out = Buffer.allocUnsafe(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x5c) {
      out[n++] = b;
      continue;
    }
    const b1 = bytes[i + 1];
    if (b1 === 0x5c) {
      out[n++] = 0x5c;
      i++;
      continue;
    }
    const b2 = bytes[i + 2];
    const b3 = bytes[i + 3];
    if (b1 !== undefined && b2 !== undefined && b3 !== undefined && b1 >= 0x30 && b1 <= 0x33 && b2 >= 0x30 && b2 <= 0x37 && b3 >= 0x30 && b3 <= 0x37) {
      out[n++] = ((b1 - 0x30) << 6) | ((b2 - 0x30) << 3) | (b3 - 0x30);
      i += 3;
      continue;
    }
    throw new SqlTypeError("invalid input syntax for type bytea", "22P02");
  }
  return out.subarray(0, n);
}

function parseHexBytea(text: string): Buffer {
  const out = Buffer.allocUnsafe(text.length >> 1);
  let n = 0;
  let i = 2;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) {
      i++;
      continue;
    }
    const hi = hexValue(c);
    if (hi < 0) throw new SqlTypeError(`invalid hexadecimal digit: "${String.fromCodePoint(text.codePointAt(i)!)}"`, "22023");
    if (i + 1 >= text.length) throw new SqlTypeError("invalid hexadecimal data: odd number of digits", "22023");
    const lo = hexValue(text.charCodeAt(i + 1));
    if (lo < 0) throw new SqlTypeError(`invalid hexadecimal digit: "${String.fromCodePoint(text.codePointAt(i + 1)!)}"`, "22023");
    out[n++] = (hi << 4) | lo;
    i += 2;
  }
  return out.subarray(0, n);
}

/**
 * string_to_uuid: 32 hex digits, optionally in braces, with a hyphen allowed after any group of
 * four digits; returned in canonical form.
 */
export function parseUuid(text: string): string {
  let i = 0;
  const braces = text[0] === "{";
  if (braces) i++;
  let hex = "";
  for (let byte = 0; byte < 16; byte++) {
    const a = hexValue(text.charCodeAt(i));
    const b = hexValue(text.charCodeAt(i + 1));
    if (a < 0 || b < 0) throw invalidSyntax("uuid", text);
    hex += text.slice(i, i + 2);
    i += 2;
    if (text[i] === "-" && byte % 2 === 1 && byte < 15) i++;
  }
  if (braces) {
    if (text[i] !== "}") throw invalidSyntax("uuid", text);
    i++;
  }
  if (i !== text.length) throw invalidSyntax("uuid", text);
  return canonicalUuid(hex.toLowerCase());
}

/** 8-4-4-4-12 from 32 lowercase hex digits. */
export function canonicalUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function vectorSyntax(text: string, detail?: string): SqlTypeError {
  return invalidSyntax("vector", text, detail);
}

/** pgvector's vector_in: '[1, 2.5, 3e2]', finite float4 elements, dimension check against the typmod. */
export function parseVector(text: string, dims: number | undefined): Float32Array {
  let p = 0;
  const s = text;
  const skip = () => {
    while (p < s.length && isCSpace(s.charCodeAt(p))) p++;
  };
  skip();
  if (s[p] !== "[") throw vectorSyntax(text, 'Vector contents must start with "[".');
  p++;
  skip();
  if (s[p] === "]") throw new SqlTypeError("vector must have at least 1 dimension", "22000");
  const values: number[] = [];
  for (;;) {
    if (values.length === VECTOR_MAX_DIM) throw new SqlTypeError(`vector cannot have more than ${VECTOR_MAX_DIM} dimensions`, "54000");
    skip();
    if (p >= s.length) throw vectorSyntax(text);
    const n = scanFloat(s, p);
    if (n === 0) throw vectorSyntax(text);
    const token = s.slice(p, p + n);
    const x = Math.fround(floatTokenValue(token));
    if (Number.isNaN(x)) throw new SqlTypeError("NaN not allowed in vector", "22000");
    if (!Number.isFinite(x)) {
      if (/inf/i.test(token)) throw new SqlTypeError("infinite value not allowed in vector", "22000");
      throw new SqlTypeError(`"${token}" is out of range for type vector`, "22003");
    }
    values.push(x);
    p += n;
    skip();
    if (s[p] === ",") p++;
    else if (s[p] === "]") {
      p++;
      break;
    } else throw vectorSyntax(text);
  }
  skip();
  if (p < s.length) throw vectorSyntax(text, "Junk after closing right brace.");
  return checkVectorDims(Float32Array.from(values), dims);
}

/** pgvector's typmod check. */
export function checkVectorDims(v: Float32Array, dims: number | undefined): Float32Array {
  if (dims !== undefined && v.length !== dims) throw new SqlTypeError(`expected ${dims} dimensions, not ${v.length}`, "22000");
  return v;
}

/** pgvector's vector_out: float4 shortest digits joined by commas. */
export function formatVector(v: Float32Array): string {
  let out = "[";
  for (let i = 0; i < v.length; i++) {
    if (i > 0) out += ",";
    out += formatFloat4(v[i]!);
  }
  return out + "]";
}
