/**
 * Set-returning functions, used in FROM (and alone in a select list without FROM, which the
 * analyzer turns into FROM): generate_series, generate_subscripts, unnest, and
 * pg_partition_ancestors (no partitioning here: it finds nothing, as PostgreSQL does for a
 * relation that is not a partition).
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { canCast, compareIntervals, INT4, JSONB, JSON_TYPE, type Jsonb, TEXT, INT8, Interval, INTERVAL, NUMERIC, Numeric, REGCLASS, type SqlArray, type SqlType, type SqlValue, TIMESTAMP, TIMESTAMPTZ } from "../types/index.js";
import { addIntervalToTimestamp } from "./interval.js";
import { jsonbEach, jsonbElements, jsonbObjectKeys, jsonEach, jsonElements, jsonObjectKeys } from "./json.js";

export interface SetReturningFunction {
  readonly name: string;
  /** Argument types after coercion (the analyzer casts the arguments to these). */
  readonly argTypes: readonly SqlType[];
  /** The output column, or the first of `columns`. */
  readonly returns: SqlType;
  /**
   * Set for a function returning several columns (json_each's key and value): their names and
   * types, and then each item `rows` yields is a row of values rather than one value.
   */
  readonly columns?: readonly { readonly name: string; readonly type: SqlType }[];
  /** The rows for argument values (generated lazily: a series may be long). */
  rows(args: readonly SqlValue[]): Iterable<SqlValue | readonly SqlValue[]>;
}

function* intSeries(start: number, stop: number, step: number): Iterable<SqlValue> {
  if (step === 0) throw new SqlStateError("step size cannot equal zero", "22023");
  for (let v = start; step > 0 ? v <= stop : v >= stop; v += step) yield v;
}

function* bigSeries(start: bigint, stop: bigint, step: bigint): Iterable<SqlValue> {
  if (step === 0n) throw new SqlStateError("step size cannot equal zero", "22023");
  for (let v = start; step > 0n ? v <= stop : v >= stop; v += step) yield v;
}

function* numericSeries(start: Numeric, stop: Numeric, step: Numeric): Iterable<SqlValue> {
  if (step.value.isZero()) throw new SqlStateError("step size cannot equal zero", "22023");
  if (start.value.isNaN() || stop.value.isNaN() || step.value.isNaN()) throw new SqlStateError("start value cannot be NaN", "22023");
  const up = step.value.isPositive();
  const scale = Math.max(start.scale, step.scale);
  for (let v = start.value; up ? v.lte(stop.value) : v.gte(stop.value); v = v.plus(step.value)) yield Numeric.of(v.toFixed(scale));
}

function* timestampSeries(start: number, stop: number, step: Interval): Iterable<SqlValue> {
  const sign = compareIntervals(step, new Interval(0, 0, 0));
  if (sign === 0) throw new SqlStateError("step size cannot equal zero", "22023");
  for (let v = start; sign > 0 ? v <= stop : v >= stop; v = addIntervalToTimestamp(v, step)) yield v;
}

const DATETIME_ARG = new Set(["date", "timestamp", "timestamptz", "unknown", "null"]);

/** Any NULL argument: no rows, as the strict functions return nothing. */
const strict =
  (f: (args: readonly SqlValue[]) => Iterable<SqlValue>) =>
  (args: readonly SqlValue[]): Iterable<SqlValue> =>
    args.some((a) => a === null) ? [] : f(args);

/**
 * The set-returning function for a name and argument types (after the analyzer typed them), or
 * undefined when the name is not one; 42883 when the name is one but no signature fits.
 */
export function lookupSetReturning(name: string, argTypes: readonly SqlType[]): SetReturningFunction | undefined {
  const kinds = argTypes.map((t) => t.kind);
  const unknownOr = (k: string) => (t: string) => t === k || t === "unknown" || t === "null";
  switch (name) {
    case "generate_series": {
      if (argTypes.length < 2 || argTypes.length > 3) return missing(name, argTypes);
      if (kinds.every((k) => k === "int2" || k === "int4" || k === "unknown" || k === "null")) {
        return { name, argTypes: argTypes.map(() => INT4), returns: INT4, rows: strict(([a, b, c]) => intSeries(a as number, b as number, (c as number | undefined) ?? 1)) };
      }
      if (kinds.every((k) => k === "int2" || k === "int4" || k === "int8" || k === "unknown" || k === "null")) {
        return { name, argTypes: argTypes.map(() => INT8), returns: INT8, rows: strict(([a, b, c]) => bigSeries(a as bigint, b as bigint, (c as bigint | undefined) ?? 1n)) };
      }
      if (kinds.every((k) => ["int2", "int4", "int8", "numeric", "unknown", "null"].includes(k))) {
        return {
          name,
          argTypes: argTypes.map(() => NUMERIC),
          returns: NUMERIC,
          rows: strict(([a, b, c]) => numericSeries(a as Numeric, b as Numeric, (c as Numeric | undefined) ?? Numeric.of("1"))),
        };
      }
      if (argTypes.length === 3 && DATETIME_ARG.has(kinds[0]!) && DATETIME_ARG.has(kinds[1]!) && ["interval", "unknown", "null"].includes(kinds[2]!)) {
        // timestamptz is the preferred type of its category, so dates and literals resolve to it.
        const t = kinds.includes("timestamp") && !kinds.includes("timestamptz") && !kinds.includes("date") ? TIMESTAMP : TIMESTAMPTZ;
        return { name, argTypes: [t, t, INTERVAL], returns: t, rows: strict(([a, b, c]) => timestampSeries(a as number, b as number, c as Interval)) };
      }
      return missing(name, argTypes);
    }
    case "generate_subscripts": {
      if (argTypes.length !== 2 || argTypes[0]!.kind !== "array" || !unknownOr("int4")(kinds[1]!)) return missing(name, argTypes);
      const base = argTypes[0]!.kind === "array" && argTypes[0]!.vector ? 0 : 1;
      return { name, argTypes: [argTypes[0]!, INT4], returns: INT4, rows: strict(([a, d]) => (d === 1 ? intSeries(base, base + (a as SqlArray).length - 1, 1) : [])) };
    }
    case "unnest": {
      const t = argTypes[0];
      if (argTypes.length !== 1 || t?.kind !== "array") return missing(name, argTypes);
      return { name, argTypes: [t], returns: t.element, rows: strict(([a]) => a as SqlArray) };
    }
    case "json_array_elements":
    case "json_array_elements_text":
    case "jsonb_array_elements":
    case "jsonb_array_elements_text":
    case "json_object_keys":
    case "jsonb_object_keys":
    case "json_each":
    case "json_each_text":
    case "jsonb_each":
    case "jsonb_each_text":
      return jsonSetReturning(name, argTypes) ?? missing(name, argTypes);
    case "pg_partition_ancestors": {
      if (argTypes.length !== 1 || !["oid", "int4", "int8", "unknown", "null"].includes(kinds[0]!)) return missing(name, argTypes);
      return { name, argTypes: [REGCLASS], returns: REGCLASS, rows: () => [] };
    }
    default:
      return undefined;
  }
}

function missing(name: string, argTypes: readonly SqlType[]): never {
  const shown = argTypes.map((t) => (t.kind === "null" || t.kind === "unknown" ? "unknown" : t.kind === "oid" ? (t.reg ?? "oid") : t.kind)).join(", ");
  throw new SqlStateError(`function ${name}(${shown}) does not exist`, "42883", { hint: "No function matches the given name and argument types. You might need to add explicit type casts." });
}

/** Whether a name is a set-returning function (so a select list may not use it where a value goes). */
export function isSetReturningName(name: string): boolean {
  return name === "generate_series" || name === "generate_subscripts" || name === "unnest" || name === "pg_partition_ancestors" || JSON_SET_RETURNING.has(name);
}

const JSON_SET_RETURNING: ReadonlySet<string> = new Set([
  "json_array_elements",
  "json_array_elements_text",
  "jsonb_array_elements",
  "jsonb_array_elements_text",
  "json_object_keys",
  "jsonb_object_keys",
  "json_each",
  "json_each_text",
  "jsonb_each",
  "jsonb_each_text",
]);

/** The json(b) functions returning a set: one argument, json or jsonb as the name says. */
function jsonSetReturning(name: string, argTypes: readonly SqlType[]): SetReturningFunction | undefined {
  const binary = name.startsWith("jsonb");
  const argType = binary ? JSONB : JSON_TYPE;
  if (argTypes.length !== 1 || !canCast(argTypes[0]!, argType, "implicit")) return undefined;
  const asText = name.endsWith("_text");
  const valueType = asText ? TEXT : argType;
  const base = { name, argTypes: [argType] };
  if (name.endsWith("_object_keys")) return { ...base, returns: TEXT, rows: strict(([j]) => (binary ? jsonbObjectKeys(j as Jsonb) : jsonObjectKeys(j as string))) };
  if (name.includes("_array_elements")) {
    return { ...base, returns: valueType, columns: [{ name: "value", type: valueType }], rows: strict(([j]) => (binary ? jsonbElements(j as Jsonb, asText, name) : jsonElements(j as string, asText, name))) };
  }
  return {
    ...base,
    returns: TEXT,
    columns: [
      { name: "key", type: TEXT },
      { name: "value", type: valueType },
    ],
    rows: strict(([j]) => (binary ? jsonbEach(j as Jsonb, asText, name) : jsonEach(j as string, asText))),
  };
}

