/**
 * Aggregate functions: resolution by argument types (PostgreSQL's result types: sum(int4) is
 * int8, avg(int) numeric, ...) and accumulators the executor feeds row by row. DISTINCT, FILTER
 * and ORDER BY inside the call are the executor's business; an accumulator only sees the rows
 * that count.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import {
  addIntervals,
  compareValues,
  Dec,
  FLOAT8,
  formatText,
  INT8,
  INT8_MAX,
  INT8_MIN,
  type Interval,
  Numeric,
  NUMERIC,
  parseText,
  scaleInterval,
  type SqlType,
  type SqlValue,
  TEXT,
  type TypeKind,
} from "../types/index.js";
import { quoteJsonString } from "../types/json.js";
import { buildArray, toJson } from "./json-vector.js";
import { numericDiv } from "./math.js";
import { lookupOperator } from "./index.js";

export interface Accumulator {
  add(args: readonly SqlValue[]): void;
  result(): SqlValue;
}

export interface ResolvedAggregate {
  readonly name: string;
  /** The types the arguments must be coerced to before `add`. */
  readonly argTypes: readonly SqlType[];
  readonly returnType: SqlType;
  create(): Accumulator;
}

const AGGREGATE_NAMES = new Set([
  "count",
  "sum",
  "avg",
  "min",
  "max",
  "bool_and",
  "bool_or",
  "every",
  "string_agg",
  "array_agg",
  "json_agg",
  "jsonb_agg",
  "json_object_agg",
  "jsonb_object_agg",
  "stddev",
  "stddev_samp",
  "stddev_pop",
  "variance",
  "var_samp",
  "var_pop",
]);

/** The aggregate function names, sorted. */
export function aggregateNames(): string[] {
  return [...AGGREGATE_NAMES].sort();
}

export function isAggregateName(name: string): boolean {
  return AGGREGATE_NAMES.has(name.toLowerCase());
}

const INT_KINDS: ReadonlySet<TypeKind> = new Set(["int2", "int4", "int8"]);

function noSuchAggregate(name: string, types: readonly SqlType[]): SqlStateError {
  return new SqlStateError(`function ${name}(${types.map((t) => t.kind).join(", ")}) does not exist`, "42883", {
    hint: "No function matches the given name and argument types. You might need to add explicit type casts.",
  });
}

/** count(*) is `name = "count"` with no arguments. Unknown-typed arguments are taken as text. */
export function resolveAggregate(name: string, argTypes: readonly SqlType[]): ResolvedAggregate {
  const lower = name.toLowerCase();
  const types = argTypes.map((t) => (t.kind === "unknown" || t.kind === "null" ? TEXT : t));
  const t = types[0];
  const one = (returnType: SqlType, create: () => Accumulator, argType: SqlType | undefined = t): ResolvedAggregate => ({
    name: lower,
    argTypes: argType ? [argType] : [],
    returnType,
    create,
  });
  if (lower === "count") {
    if (types.length > 1) throw noSuchAggregate(lower, types);
    return one(INT8, () => new CountAcc());
  }
  if (lower === "string_agg") {
    if (types.length !== 2) throw noSuchAggregate(lower, types);
    const bytes = t!.kind === "bytea";
    const tt: SqlType = bytes ? { kind: "bytea" } : TEXT;
    return { name: lower, argTypes: [tt, tt], returnType: tt, create: () => new StringAggAcc(bytes) };
  }
  if (lower === "json_object_agg" || lower === "jsonb_object_agg") {
    if (types.length !== 2) throw noSuchAggregate(lower, types);
    const binary = lower === "jsonb_object_agg";
    return { name: lower, argTypes: types, returnType: { kind: binary ? "jsonb" : "json" }, create: () => new JsonObjectAggAcc(types[0]!, types[1]!, binary) };
  }
  if (types.length !== 1 || !t) throw noSuchAggregate(lower, types);
  switch (lower) {
    case "sum":
      if (t.kind === "int2" || t.kind === "int4") return one(INT8, () => new IntSumAcc(false));
      if (t.kind === "int8") return one(NUMERIC, () => new IntSumAcc(true));
      if (t.kind === "float4" || t.kind === "float8") return one(t, () => new FloatSumAcc(t.kind === "float4"));
      if (t.kind === "numeric") return one(NUMERIC, () => new NumericSumAcc(), NUMERIC);
      if (t.kind === "interval") return one(t, () => new IntervalSumAcc(false));
      break;
    case "avg":
      if (INT_KINDS.has(t.kind)) return one(NUMERIC, () => new AvgAcc(), t);
      if (t.kind === "float4" || t.kind === "float8") return one(FLOAT8, () => new FloatAvgAcc(), FLOAT8);
      if (t.kind === "numeric") return one(NUMERIC, () => new AvgAcc(), NUMERIC);
      if (t.kind === "interval") return one(t, () => new IntervalSumAcc(true));
      break;
    case "min":
    case "max": {
      if (t.kind === "json" || t.kind === "vector") break;
      const sign = lower === "min" ? -1 : 1;
      return one(t, () => new ExtremeAcc(t, sign));
    }
    case "bool_and":
    case "every":
    case "bool_or":
      if (t.kind !== "bool") break;
      return one(t, () => new BoolAcc(lower !== "bool_or"));
    case "array_agg":
      // array_agg(anyarray) builds a multidimensional array, which Alopex's arrays are not.
      if (t.kind === "array") {
        throw new SqlStateError("array_agg of arrays is not supported: Alopex arrays have one dimension", "0A000");
      }
      return one({ kind: "array", element: t }, () => new ArrayAggAcc());
    case "json_agg":
    case "jsonb_agg":
      return one({ kind: lower === "json_agg" ? "json" : "jsonb" }, () => new JsonAggAcc(t, lower === "jsonb_agg"));
    case "stddev":
    case "stddev_samp":
    case "stddev_pop":
    case "variance":
    case "var_samp":
    case "var_pop": {
      const numeric = INT_KINDS.has(t.kind) || t.kind === "numeric";
      if (!numeric && t.kind !== "float4" && t.kind !== "float8") break;
      const pop = lower.endsWith("_pop");
      const sqrt = lower.startsWith("stddev");
      return one(numeric ? NUMERIC : FLOAT8, () => new VarianceAcc(pop, sqrt, numeric), numeric ? t : FLOAT8);
    }
  }
  throw noSuchAggregate(lower, types);
}

/** NULLs are elements too; no rows is NULL, not an empty array. */
class ArrayAggAcc implements Accumulator {
  private readonly values: SqlValue[] = [];
  add([v]: readonly SqlValue[]): void {
    this.values.push(v === undefined ? null : v);
  }
  result(): SqlValue {
    return this.values.length === 0 ? null : this.values;
  }
}

class CountAcc implements Accumulator {
  private n = 0n;
  add(): void {
    this.n++;
  }
  result(): SqlValue {
    return this.n;
  }
}

function toBig(v: SqlValue): bigint {
  return typeof v === "bigint" ? v : BigInt(v as number);
}

class IntSumAcc implements Accumulator {
  private sum = 0n;
  private any = false;
  constructor(private readonly numericResult: boolean) {}
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    this.any = true;
    this.sum += toBig(v);
  }
  result(): SqlValue {
    if (!this.any) return null;
    if (this.numericResult) return Numeric.fromInteger(this.sum);
    if (this.sum > INT8_MAX || this.sum < INT8_MIN) throw new SqlStateError("bigint out of range", "22003");
    return this.sum;
  }
}

class FloatSumAcc implements Accumulator {
  private sum = 0;
  private any = false;
  constructor(private readonly float4: boolean) {}
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    this.any = true;
    this.sum += v as number;
  }
  result(): SqlValue {
    return this.any ? (this.float4 ? Math.fround(this.sum) : this.sum) : null;
  }
}

class NumericSumAcc implements Accumulator {
  private readonly plus = lookupOperator("+", NUMERIC, NUMERIC).fn;
  private sum: Numeric | null = null;
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    this.sum = this.sum === null ? (v as Numeric) : (this.plus([this.sum, v]) as Numeric);
  }
  result(): SqlValue {
    return this.sum;
  }
}

/** avg over integers or numerics: an exact sum, then numeric division with PostgreSQL's scale. */
class AvgAcc implements Accumulator {
  private readonly sum = new NumericSumAcc();
  private n = 0n;
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    this.n++;
    this.sum.add([typeof v === "bigint" || typeof v === "number" ? Numeric.fromInteger(v) : v]);
  }
  result(): SqlValue {
    const s = this.sum.result();
    if (s === null) return null;
    return numericDiv(s as Numeric, Numeric.fromInteger(this.n), false);
  }
}

/** sum and avg of intervals: interval_pl over the rows, avg dividing the sum by the count (interval_avg). */
class IntervalSumAcc implements Accumulator {
  private sum: Interval | null = null;
  private n = 0;
  constructor(private readonly average: boolean) {}
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    this.sum = this.sum === null ? (v as Interval) : addIntervals(this.sum, v as Interval);
    this.n++;
  }
  result(): SqlValue {
    if (this.sum === null) return null;
    return this.average ? scaleInterval(this.sum, this.n, true) : this.sum;
  }
}

class FloatAvgAcc implements Accumulator {
  private sum = 0;
  private n = 0;
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    this.sum += v as number;
    this.n++;
  }
  result(): SqlValue {
    return this.n === 0 ? null : this.sum / this.n;
  }
}

class ExtremeAcc implements Accumulator {
  private best: SqlValue = null;
  constructor(
    private readonly type: SqlType,
    private readonly sign: 1 | -1,
  ) {}
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    // On ties the later value wins, as in PostgreSQL's smaller/larger functions (it shows for values
    // that are equal but print differently: 1.5 and 1.50, '1 day' and '24 hours').
    if (this.best === null || compareValues(v, this.best, this.type) * this.sign >= 0) this.best = v;
  }
  result(): SqlValue {
    return this.best;
  }
}

class BoolAcc implements Accumulator {
  private value: boolean | null = null;
  constructor(private readonly and: boolean) {}
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    this.value = this.value === null ? (v as boolean) : this.and ? this.value && (v as boolean) : this.value || (v as boolean);
  }
  result(): SqlValue {
    return this.value;
  }
}

class StringAggAcc implements Accumulator {
  private parts: (string | Uint8Array)[] | null = null;
  constructor(private readonly bytes: boolean) {}
  add([v, sep]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    if (this.parts === null) this.parts = [];
    else if (sep !== null && sep !== undefined) this.parts.push(sep as string | Uint8Array);
    this.parts.push(v as string | Uint8Array);
  }
  result(): SqlValue {
    if (this.parts === null) return null;
    return this.bytes ? Buffer.concat(this.parts as Uint8Array[]) : (this.parts as string[]).join("");
  }
}

class JsonAggAcc implements Accumulator {
  private readonly values: SqlValue[] = [];
  private any = false;
  constructor(
    private readonly type: SqlType,
    private readonly jsonb: boolean,
  ) {}
  add([v]: readonly SqlValue[]): void {
    this.any = true;
    this.values.push(v ?? null);
  }
  result(): SqlValue {
    if (!this.any) return null;
    const text = buildArray(
      this.values,
      this.values.map(() => this.type),
    );
    return this.jsonb ? parseText(text, { kind: "jsonb" }) : text;
  }
}

class JsonObjectAggAcc implements Accumulator {
  private readonly parts: string[] = [];
  private any = false;
  constructor(
    private readonly keyType: SqlType,
    private readonly valueType: SqlType,
    private readonly jsonb: boolean,
  ) {}
  add([k, v]: readonly SqlValue[]): void {
    if (k === null || k === undefined) throw new SqlStateError("field name must not be null", "22023");
    this.any = true;
    this.parts.push(`${quoteJsonString(formatText(k, this.keyType))} : ${toJson(v ?? null, this.valueType)}`);
  }
  result(): SqlValue {
    if (!this.any) return null;
    // json_object_agg's own spacing: "{ " and " }" around the pairs.
    const text = `{ ${this.parts.join(", ")} }`;
    return this.jsonb ? parseText(text, { kind: "jsonb" }) : text;
  }
}

/** Welford would lose exactness for numerics; PostgreSQL keeps N, sum(x) and sum(x^2) exactly. */
class VarianceAcc implements Accumulator {
  private n = 0;
  private sum = new Dec(0);
  private sumSq = new Dec(0);
  private fsum = 0;
  private fsumSq = 0;
  constructor(
    private readonly pop: boolean,
    private readonly sqrt: boolean,
    private readonly numeric: boolean,
  ) {}
  add([v]: readonly SqlValue[]): void {
    if (v === null || v === undefined) return;
    this.n++;
    if (this.numeric) {
      const d = v instanceof Numeric ? v.value : new Dec(String(v));
      this.sum = this.sum.plus(d);
      this.sumSq = this.sumSq.plus(d.times(d));
    } else {
      const x = v as number;
      this.fsum += x;
      this.fsumSq += x * x;
    }
  }
  result(): SqlValue {
    const denom = this.pop ? this.n : this.n - 1;
    if (this.n === 0 || denom === 0) return this.pop && this.n === 1 ? (this.numeric ? Numeric.ZERO : 0) : null;
    if (!this.numeric) {
      const num = this.n * this.fsumSq - this.fsum * this.fsum;
      const variance = Math.max(num, 0) / (this.n * denom);
      return this.sqrt ? Math.sqrt(variance) : variance;
    }
    const num = this.sumSq.times(this.n).minus(this.sum.times(this.sum));
    // As numeric_stddev_internal: a numerator that is not positive (roundoff) gives a plain 0.
    if (num.lte(0)) return Numeric.ZERO;
    const nn = new Dec(this.n).times(denom);
    const variance = numericDiv(Numeric.of(num), Numeric.of(nn), false);
    if (!this.sqrt) return variance;
    // The root keeps the variance's scale (sqrt_var at rscale). NB: Dec itself works at
    // NUMERIC_WORK_PRECISION digits, far too many for an irrational root, so compute with only
    // the digits the result keeps plus guard digits, truncating, then round once.
    const scale = variance.scale;
    const intDigits = Math.max(variance.value.e + 1, 1);
    const Work = Dec.clone({ precision: intDigits + scale + 5, rounding: Dec.ROUND_DOWN });
    return Numeric.of(new Dec(new Work(variance.value).sqrt()).toDecimalPlaces(scale, Dec.ROUND_HALF_UP), scale);
  }
}
