/**
 * SQL values as JSON for the REST API. Numbers that JSON (a double) cannot carry exactly travel
 * as strings: int8 and numeric are strings, int2/int4/float4/float8 are numbers (NaN and the
 * infinities as the strings "NaN", "Infinity", "-Infinity"). bytea is PostgreSQL's hex text
 * ("\\x0102"), json and jsonb are the JSON value itself, vectors are arrays of numbers, dates
 * and timestamps are PostgreSQL's text output. Parameters go the other way through the
 * session's own conversion (strings are read as the parameter's type, so "\\x0102" is a bytea
 * and "12345678901234567890" an exact int8 or numeric).
 */
import { formatText, formatType, type SqlType, type SqlValue } from "../sql/types/index.js";
import type { ResultColumn } from "../sql/session/api.js";

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function toJsonValue(v: SqlValue, t: SqlType): JsonValue {
  if (v === null) return null;
  switch (t.kind) {
    case "bool":
      return v as boolean;
    case "int2":
    case "int4":
      return v as number;
    case "float4":
    case "float8":
      return Number.isFinite(v as number) ? (v as number) : formatText(v, t);
    case "json":
    case "jsonb":
      return JSON.parse(formatText(v, t)) as JsonValue;
    case "vector":
      return Array.from(v as Float32Array);
    default:
      return formatText(v, t);
  }
}

export function toJsonRow(row: readonly SqlValue[], columns: readonly ResultColumn[]): JsonValue[] {
  return row.map((v, i) => toJsonValue(v, columns[i]!.type));
}

export function columnsOf(columns: readonly ResultColumn[]): { name: string; type: string }[] {
  return columns.map((c) => ({ name: c.name, type: formatType(c.type) }));
}
