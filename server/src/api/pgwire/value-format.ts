/**
 * Values on the wire: result columns as RowDescription fields, rows as DataRow in each column's
 * format, and Bind parameters decoded to SQL values. The text and binary forms themselves are the
 * type system's (formatText/parseText, encodeBinary/decodeBinary).
 */
import { SqlStateError, sqlstateOf } from "../../common/sqlstate-error.js";
import type { ResultColumn } from "../../sql/session/api.js";
import {
  decodeBinary,
  encodeBinary,
  formatText,
  parseText,
  type SqlType,
  type SqlValue,
  typeLength,
  typeModifier,
  typeOid,
} from "../../sql/types/index.js";
import { BINARY_FORMAT, dataRow, type FormatCode, type RowField, TEXT_FORMAT } from "./backend-messages.js";
import { decodeUtf8 } from "./utf8.js";

function formatCode(code: number): FormatCode {
  if (code === TEXT_FORMAT || code === BINARY_FORMAT) return code;
  throw new SqlStateError(`unsupported format code: ${code}`, "22023");
}

/**
 * Result formats per column from Bind's list: none means all text, one applies to every column,
 * otherwise one per column (PostgreSQL's rule and messages).
 */
export function resultFormats(codes: readonly number[], columnCount: number): FormatCode[] {
  if (codes.length > 1 && codes.length !== columnCount) {
    throw new SqlStateError(`bind message has ${codes.length} result formats but query has ${columnCount} columns`, "08P01");
  }
  const formats = codes.map(formatCode);
  return Array.from({ length: columnCount }, (_, i) => (formats.length === 0 ? TEXT_FORMAT : (formats[formats.length === 1 ? 0 : i] ?? TEXT_FORMAT)));
}

/** RowDescription's fields for the columns, in the given formats (all text when omitted, as Describe of a statement says). */
export function rowFields(columns: readonly ResultColumn[], formats?: readonly FormatCode[]): RowField[] {
  return columns.map((c, i) => ({
    name: c.name,
    tableOid: c.tableOid,
    columnNumber: c.columnNumber,
    typeOid: typeOid(c.type),
    typeLength: typeLength(c.type),
    typeModifier: typeModifier(c.type),
    format: formats?.[i] ?? TEXT_FORMAT,
  }));
}

/** One value in a column's format; null stays null. */
export function encodeValue(v: SqlValue, type: SqlType, format: FormatCode): Uint8Array | null {
  if (v === null) return null;
  return format === BINARY_FORMAT ? encodeBinary(v, type) : Buffer.from(formatText(v, type), "utf8");
}

/** A DataRow message for one row. */
export function encodeDataRow(row: readonly SqlValue[], columns: readonly ResultColumn[], formats: readonly FormatCode[]): Buffer {
  // A loop rather than map: a callback made per row showed in profiles of short statements.
  const values: (Uint8Array | null)[] = new Array<Uint8Array | null>(row.length);
  for (let i = 0; i < row.length; i++) values[i] = encodeValue(row[i]!, columns[i]!.type, formats[i] ?? TEXT_FORMAT);
  return dataRow(values);
}

/**
 * Bind's parameter values decoded to the statement's parameter types. Counts follow
 * PostgreSQL's rules: formats are none (all text), one (for all) or one per parameter.
 */
export function decodeParams(
  params: readonly (Uint8Array | null)[],
  formatCodes: readonly number[],
  types: readonly SqlType[],
  statementName: string,
): SqlValue[] {
  if (formatCodes.length > 1 && formatCodes.length !== params.length) {
    throw new SqlStateError(`bind message has ${formatCodes.length} parameter formats but ${params.length} parameters`, "08P01");
  }
  if (params.length !== types.length) {
    throw new SqlStateError(`bind message supplies ${params.length} parameters, but prepared statement "${statementName}" requires ${types.length}`, "08P01");
  }
  const formats = formatCodes.length === 0 ? NO_FORMATS : formatCodes.map(formatCode);
  const values: SqlValue[] = new Array<SqlValue>(params.length);
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    if (p === null) {
      values[i] = null;
      continue;
    }
    const format = formats.length === 0 ? TEXT_FORMAT : formats[formats.length === 1 ? 0 : i]!;
    values[i] = decodeParam(p, types[i]!, format, i + 1);
  }
  return values;
}

const NO_FORMATS: readonly FormatCode[] = [];

function decodeParam(bytes: Uint8Array, type: SqlType, format: FormatCode, number: number): SqlValue {
  if (format === TEXT_FORMAT) return parseText(decodeUtf8(bytes), type);
  try {
    return decodeBinary(bytes, type);
  } catch (e) {
    // PostgreSQL names the parameter when its receive function finds the bytes malformed.
    if (sqlstateOf(e) === "22P03") throw new SqlStateError(`incorrect binary data format in bind parameter ${number}`, "22P03", { cause: e });
    throw e;
  }
}
