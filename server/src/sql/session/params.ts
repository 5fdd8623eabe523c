/** Parameter values from the embedded API: JS values converted to the parameter's SQL type. */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { castValue, FLOAT8, INT8, Interval, Jsonb, Numeric, parseText, type SqlType, type SqlValue } from "../types/index.js";

// NB: no closures in here: it runs per parameter per statement, and each closure made at run time costs.
export function toParamValue(v: unknown, t: SqlType, index: number): SqlValue {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "string":
      return parseText(v, t);
    case "number":
      // The common cases without the cast machinery (same results: an int4 in range, any double).
      if (t.kind === "int4" && (v | 0) === v) return v;
      if (t.kind === "float8") return v;
      if (t.kind === "int8") {
        if (!Number.isInteger(v)) throw badParam(v, t, index);
        return castValue(BigInt(v), INT8, t, "assignment");
      }
      if (t.kind === "numeric") return castValue(Numeric.of(String(v)), { kind: "numeric" }, t, "assignment");
      if (t.kind === "text" || t.kind === "varchar") return String(v);
      if (t.kind === "int2" || t.kind === "int4" || t.kind === "float4") return castValue(v, Number.isInteger(v) ? INT8 : FLOAT8, t, "assignment") as SqlValue;
      return parseText(String(v), t);
    case "bigint":
      if (t.kind === "text" || t.kind === "varchar") return String(v);
      return castValue(v, INT8, t, "assignment");
    case "boolean":
      if (t.kind === "bool") return v;
      if (t.kind === "text") return v ? "true" : "false";
      throw badParam(v, t, index);
    case "object":
      if (v instanceof Float32Array) return t.kind === "vector" ? v : parseText(`[${Array.from(v).join(",")}]`, t);
      if (Array.isArray(v) && t.kind === "vector") return parseText(`[${v.join(",")}]`, t);
      if (v instanceof Uint8Array) return t.kind === "bytea" ? Buffer.from(v) : (badParam(v, t, index) as never);
      if (v instanceof Numeric || v instanceof Jsonb) return v;
      if (v instanceof Interval) return t.kind === "interval" ? v : (badParam(v, t, index) as never);
      if (v instanceof Date) {
        if (t.kind === "timestamp" || t.kind === "timestamptz") return v.getTime() * 1000;
        if (t.kind === "date") return Math.floor(v.getTime() / 86_400_000);
      }
      if (t.kind === "json" || t.kind === "jsonb") return parseText(JSON.stringify(v), t);
      throw badParam(v, t, index);
    default:
      throw badParam(v, t, index);
  }
}

function badParam(v: unknown, t: SqlType, index: number): SqlStateError {
  return new SqlStateError(`parameter $${index + 1}: cannot use a ${typeof v} as ${t.kind}`, "22023");
}
