/**
 * SQL values as protobuf `Value`s (alopex.proto): each SQL type has one form, and parameters
 * come back as the JS values the session converts to the parameter's type (a string is read as
 * that type's text, so exact int8 and numeric values survive).
 */
import { formatText, formatType, typeOid, type SqlType, type SqlValue } from "../../sql/types/index.js";
import type { ResultColumn } from "../../sql/session/api.js";

/** The message as @grpc/proto-loader gives it (keepCase, longs as strings, oneofs named by `kind`). */
export interface ProtoValue {
  readonly kind?: "null_value" | "bool_value" | "int_value" | "double_value" | "string_value" | "bytes_value" | "vector_value";
  readonly null_value?: boolean;
  readonly bool_value?: boolean;
  readonly int_value?: string | number;
  readonly double_value?: number;
  readonly string_value?: string;
  readonly bytes_value?: Buffer;
  readonly vector_value?: { readonly values: readonly number[] };
}

export interface ProtoColumn {
  readonly name: string;
  readonly type: string;
  readonly type_oid: number;
}

export function toProtoValue(v: SqlValue, t: SqlType): ProtoValue {
  if (v === null) return { null_value: true };
  switch (t.kind) {
    case "bool":
      return { bool_value: v as boolean };
    case "int2":
    case "int4":
    case "int8":
      return { int_value: String(v) };
    case "float4":
    case "float8":
      return { double_value: v as number };
    case "bytea":
      return { bytes_value: Buffer.from(v as Uint8Array) };
    case "vector":
      return { vector_value: { values: Array.from(v as Float32Array) } };
    default:
      return { string_value: formatText(v, t) };
  }
}

/** A parameter as the session's JS conversion takes it (an unset oneof is NULL). */
export function fromProtoValue(v: ProtoValue): unknown {
  switch (v.kind) {
    case undefined:
    case "null_value":
      return null;
    case "bool_value":
      return v.bool_value ?? false;
    case "int_value":
      return String(v.int_value ?? "0");
    case "double_value":
      return v.double_value ?? 0;
    case "string_value":
      return v.string_value ?? "";
    case "bytes_value":
      return v.bytes_value ?? Buffer.alloc(0);
    case "vector_value":
      return Float32Array.from(v.vector_value?.values ?? []);
  }
}

export function toProtoColumns(columns: readonly ResultColumn[]): ProtoColumn[] {
  return columns.map((c) => ({ name: c.name, type: formatType(c.type), type_oid: typeOid(c.type) }));
}

export function toProtoRow(row: readonly SqlValue[], columns: readonly ResultColumn[]): { values: ProtoValue[] } {
  return { values: row.map((v, i) => toProtoValue(v, columns[i]!.type)) };
}
