/**
 * Selectivity estimation: the fraction of rows a predicate keeps, from column statistics where
 * there are some (most common values, histograms, distinct counts, NULL fractions) and
 * PostgreSQL's default selectivities where there are none. The rules follow PostgreSQL's
 * selfuncs.c in simplified form:
 *
 *   col = const          the value's frequency if it is a most common value, else the rest of
 *                        the non-NULL rows spread evenly over the other distinct values
 *   col = expr / $n      (1 - null fraction) / distinct values
 *   a.x = b.y (join)     (1 - nf_x)(1 - nf_y) / max(distinct x, distinct y), each distinct count
 *                        clamped to its relation's rows
 *   col < const ...      matching most common values + the histogram's share below the value
 *                        (interpolated inside the bucket for numbers and times)
 *   lo <= col <= hi      one range, not the product of its two halves (BETWEEN)
 *   col IN (...)         the sum of the equalities
 *   col IS NULL          the null fraction
 *   col LIKE 'abc%'      the range ['abc', 'abd') times PostgreSQL's per-character factors for
 *                        the rest of the pattern
 *   AND / OR / NOT       independence: product, s1 + s2 - s1·s2, 1 - s
 *
 * A pure function of the expression and what `ctx` says about columns.
 */
import type { ColumnId, ScalarExpr } from "../plan/expr.js";
import { castValue, compareValues, type Ordering, type SqlType, type SqlValue } from "../types/index.js";
import {
  type ColumnStats,
  DEFAULT_BETWEEN_SELECTIVITY,
  DEFAULT_DISTINCT,
  DEFAULT_EQ_SELECTIVITY,
  DEFAULT_MATCH_SELECTIVITY,
  DEFAULT_NULL_SELECTIVITY,
  DEFAULT_RANGE_SELECTIVITY,
} from "./stats.js";

/** What the estimator knows about a column. */
export interface ColumnInfo {
  readonly type: SqlType;
  /** Statistics of the column (only when they are of the column's current type). */
  readonly stats?: ColumnStats;
  /** Rows of the table the column is read from. */
  readonly tableRows: number;
  /** Rows of the relation as estimated where the predicate applies (distinct counts are clamped to it). */
  readonly rows?: number;
  /** The column alone is unique (a one-column primary key or unique index). */
  readonly unique: boolean;
  readonly notNull: boolean;
}

export interface SelectivityContext {
  /** Undefined for a column that is not a table's (an expression's output, an outer reference). */
  column(id: ColumnId): ColumnInfo | undefined;
}

/** PostgreSQL's like_selectivity factors. */
const FIXED_CHAR_SELECTIVITY = 0.2;
const ANY_CHAR_SELECTIVITY = 0.9;
const FULL_WILDCARD_SELECTIVITY = 5.0;
/** Selectivity given to a predicate nothing is known about (a function returning bool, say). */
const UNKNOWN_SELECTIVITY = DEFAULT_RANGE_SELECTIVITY;

/** Operators the grammar spells in words or two ways, by their one name (as functions/index.ts maps them). */
const OPERATOR_NAMES: Readonly<Record<string, string>> = { "!=": "<>", LIKE: "~~", "NOT LIKE": "!~~", ILIKE: "~~*", "NOT ILIKE": "!~~*" };

/** The canonical name of an operator call's operator (`x LIKE y` is `~~`). */
export function operatorName(name: string): string {
  return OPERATOR_NAMES[name.toUpperCase().replace(/\s+/g, " ")] ?? name;
}

const clamp = (s: number) => (Number.isNaN(s) ? UNKNOWN_SELECTIVITY : Math.min(1, Math.max(0, s)));

/** Distinct non-NULL values of a column, clamped to its relation's rows. */
export function distinctValues(info: ColumnInfo): number {
  const base = info.stats ? info.stats.distinct : info.unique ? info.tableRows : Math.min(DEFAULT_DISTINCT, info.tableRows);
  return Math.max(1, Math.min(base, info.rows ?? Infinity));
}

function nullFraction(info: ColumnInfo): number {
  if (info.notNull) return 0;
  return info.stats ? info.stats.nullFraction : 0;
}

/** The fraction of rows a predicate keeps, in [0, 1]. */
export function selectivity(e: ScalarExpr, ctx: SelectivityContext): number {
  return clamp(estimate(e, ctx));
}

/** The fraction of rows all of the conjuncts keep (ranges on one column are taken together). */
export function conjunctionSelectivity(conjuncts: readonly ScalarExpr[], ctx: SelectivityContext): number {
  const lower = new Map<ColumnId, { sel: number; defaulted: boolean }>();
  const upper = new Map<ColumnId, { sel: number; defaulted: boolean }>();
  let s = 1;
  for (const c of conjuncts) {
    const r = rangeBoundOf(c, ctx);
    if (r) {
      const side = r.lower ? lower : upper;
      const prev = side.get(r.id);
      // Two bounds on the same side: the tighter one (the smaller share) counts.
      if (!prev || r.sel < prev.sel) side.set(r.id, { sel: r.sel, defaulted: r.defaulted });
      continue;
    }
    s *= selectivity(c, ctx);
  }
  for (const [id, lo] of lower) {
    const hi = upper.get(id);
    if (!hi) {
      s *= lo.sel;
      continue;
    }
    upper.delete(id);
    if (lo.defaulted || hi.defaulted) {
      s *= DEFAULT_BETWEEN_SELECTIVITY;
      continue;
    }
    // P(lo < x < hi) = P(x > lo) + P(x < hi) - P(x is not null); never quite zero.
    const info = ctx.column(id)!;
    const both = lo.sel + hi.sel - (1 - nullFraction(info));
    s *= both > 0 ? both : Math.min(DEFAULT_BETWEEN_SELECTIVITY, 1 / Math.max(1, info.tableRows));
  }
  for (const hi of upper.values()) s *= hi.sel;
  return clamp(s);
}

function estimate(e: ScalarExpr, ctx: SelectivityContext): number {
  switch (e.kind) {
    case "const":
      return e.value === true ? 1 : 0;
    case "and":
      return conjunctionSelectivity(e.args, ctx);
    case "or":
      return e.args.reduce((s, a) => {
        const x = selectivity(a, ctx);
        return s + x - s * x;
      }, 0);
    case "not":
      return notSelectivity(e.input, ctx);
    case "is":
      return isSelectivity(e, ctx);
    case "in list": {
      const col = columnOf(e.input, ctx);
      const eq = e.list.reduce((s, item) => s + equalitySelectivity(col, item, ctx), 0);
      const nonNull = col ? 1 - nullFraction(col.info) : 1;
      const matched = Math.min(nonNull, eq);
      return e.negated ? nonNull - matched : matched;
    }
    case "distinct from": {
      const eq = comparisonSelectivity("=", e.left, e.right, ctx);
      return e.negated ? eq : 1 - eq;
    }
    case "column": {
      const col = columnOf(e, ctx);
      if (col && e.type.kind === "bool") return equalityToConstant(col.info, true, e.type);
      return UNKNOWN_SELECTIVITY;
    }
    case "call":
      if (e.operator && e.args.length === 2) {
        const [l, r] = e.args as [ScalarExpr, ScalarExpr];
        const name = operatorName(e.name);
        if (name === "=" || name === "<>" || name === "<" || name === "<=" || name === ">" || name === ">=") return comparisonSelectivity(name, l, r, ctx);
        if (name === "~~" || name === "!~~" || name === "~~*" || name === "!~~*") return likeSelectivity(name, l, r, ctx);
      }
      return UNKNOWN_SELECTIVITY;
    case "subquery":
      return 0.5;
    default:
      return UNKNOWN_SELECTIVITY;
  }
}

function notSelectivity(input: ScalarExpr, ctx: SelectivityContext): number {
  const col = columnOf(input, ctx);
  if (col && input.type.kind === "bool") return equalityToConstant(col.info, false, input.type);
  return 1 - selectivity(input, ctx);
}

function isSelectivity(e: Extract<ScalarExpr, { kind: "is" }>, ctx: SelectivityContext): number {
  const col = columnOf(e.input, ctx);
  const nulls = col ? (col.info.notNull ? 0 : col.info.stats ? col.info.stats.nullFraction : DEFAULT_NULL_SELECTIVITY) : DEFAULT_NULL_SELECTIVITY;
  const t = e.input.type;
  switch (e.test) {
    case "null":
    case "unknown":
      return nulls;
    case "not null":
    case "not unknown":
      return 1 - nulls;
    case "true":
      return col ? equalityToConstant(col.info, true, t) : UNKNOWN_SELECTIVITY;
    case "false":
      return col ? equalityToConstant(col.info, false, t) : UNKNOWN_SELECTIVITY;
    case "not true":
      return col ? 1 - equalityToConstant(col.info, true, t) : 1 - UNKNOWN_SELECTIVITY;
    case "not false":
      return col ? 1 - equalityToConstant(col.info, false, t) : 1 - UNKNOWN_SELECTIVITY;
  }
}

// ---- operands ------------------------------------------------------------------------------

interface ColumnRef {
  readonly id: ColumnId;
  readonly info: ColumnInfo;
}

/** A table column, seen through casts (statistics stay in the column's own type). */
function columnOf(e: ScalarExpr, ctx: SelectivityContext): ColumnRef | undefined {
  let x = e;
  while (x.kind === "cast") x = x.input;
  if (x.kind !== "column") return undefined;
  const info = ctx.column(x.id);
  return info ? { id: x.id, info } : undefined;
}

interface Constant {
  readonly value: SqlValue;
  readonly type: SqlType;
}

/** The value of a constant operand (casts of constants folded), if it is one. */
function constantOf(e: ScalarExpr): Constant | undefined {
  if (e.kind === "const") return { value: e.value, type: e.type };
  if (e.kind === "cast") {
    const inner = constantOf(e.input);
    if (!inner) return undefined;
    try {
      return { value: castValue(inner.value, inner.type, e.type, "explicit"), type: e.type };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const NUMERIC_KINDS = new Set(["int2", "int4", "int8", "float4", "float8", "numeric", "date", "timestamp", "timestamptz"]);
const STRING_KINDS = new Set(["text", "varchar", "char", "unknown"]);

/** A number standing for a value, for interpolation and comparisons across numeric types. */
function scalarOf(v: SqlValue, t: SqlType): number | undefined {
  if (v === null || !NUMERIC_KINDS.has(t.kind)) return undefined;
  if (typeof v === "number") return v;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "object" && "value" in v && typeof (v as { value: { toNumber(): number } }).value.toNumber === "function") return (v as { value: { toNumber(): number } }).value.toNumber();
  return undefined;
}

/** Compares a statistics value (in the column's type) with a constant; undefined if the types do not compare. */
function compareTo(a: SqlValue, at: SqlType, b: SqlValue, bt: SqlType): Ordering | undefined {
  if (a === null || b === null) return undefined;
  if (at.kind === bt.kind) return compareValues(a, b, at);
  const x = scalarOf(a, at);
  const y = scalarOf(b, bt);
  if (x !== undefined && y !== undefined) return x < y ? -1 : x > y ? 1 : 0;
  if (STRING_KINDS.has(at.kind) && STRING_KINDS.has(bt.kind)) return compareValues(a, b, { kind: "text" });
  return undefined;
}

// ---- equality ------------------------------------------------------------------------------

function commonTotal(s: ColumnStats): number {
  return s.mostCommon.reduce((t, m) => t + m.frequency, 0);
}

/** Fraction of rows whose column equals the constant. */
function equalityToConstant(info: ColumnInfo, value: SqlValue, type: SqlType): number {
  if (value === null) return 0;
  const s = info.stats;
  if (!s) return 1 / distinctValues(info);
  for (const m of s.mostCommon) if (compareTo(m.value, s.type, value, type) === 0) return m.frequency;
  const rest = Math.max(0, 1 - s.nullFraction - commonTotal(s));
  const others = Math.max(1, s.distinct - s.mostCommon.length);
  return rest / others;
}

/** Fraction of rows where `col = item` (item a constant or an expression of other columns). */
function equalitySelectivity(col: ColumnRef | undefined, item: ScalarExpr, ctx: SelectivityContext): number {
  if (!col) return DEFAULT_EQ_SELECTIVITY;
  const c = constantOf(item);
  if (c) return equalityToConstant(col.info, c.value, c.type);
  const other = columnOf(item, ctx);
  if (other && other.id !== col.id) return joinEquality(col.info, other.info);
  return (1 - nullFraction(col.info)) / distinctValues(col.info);
}

/** PostgreSQL's eqjoinsel without the most-common-value match: nulls never join; the side with more distinct values bounds the matches. */
function joinEquality(a: ColumnInfo, b: ColumnInfo): number {
  return ((1 - nullFraction(a)) * (1 - nullFraction(b))) / Math.max(distinctValues(a), distinctValues(b));
}

// ---- comparisons ---------------------------------------------------------------------------

type Cmp = "=" | "<>" | "<" | "<=" | ">" | ">=";
const FLIP: Record<Cmp, Cmp> = { "=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<=" };

function comparisonSelectivity(op: Cmp, l: ScalarExpr, r: ScalarExpr, ctx: SelectivityContext): number {
  let col = columnOf(l, ctx);
  let other = r;
  if (!col || (constantOf(r) === undefined && columnOf(r, ctx) === undefined && constantOf(l) !== undefined)) {
    const rc = columnOf(r, ctx);
    if (rc) {
      col = rc;
      other = l;
      op = FLIP[op];
    }
  }
  if (op === "=") return equalitySelectivity(col, other, ctx);
  if (op === "<>") {
    if (!col) return 1 - DEFAULT_EQ_SELECTIVITY;
    return Math.max(0, 1 - nullFraction(col.info) - equalitySelectivity(col, other, ctx));
  }
  const c = constantOf(other);
  if (!col || !c) return DEFAULT_RANGE_SELECTIVITY;
  return rangeSelectivity(col.info, op, c) ?? DEFAULT_RANGE_SELECTIVITY;
}

/** A `col op const` range conjunct (either way round), with its selectivity, for pairing into BETWEEN. */
function rangeBoundOf(e: ScalarExpr, ctx: SelectivityContext): { id: ColumnId; lower: boolean; sel: number; defaulted: boolean } | undefined {
  if (e.kind !== "call" || !e.operator || e.args.length !== 2) return undefined;
  type Range = "<" | "<=" | ">" | ">=";
  let op = e.name as Range;
  if (op !== "<" && op !== "<=" && op !== ">" && op !== ">=") return undefined;
  let [l, r] = e.args as [ScalarExpr, ScalarExpr];
  if (!columnOf(l, ctx)) {
    [l, r] = [r, l];
    op = FLIP[op] as Range;
  }
  const col = columnOf(l, ctx);
  const c = constantOf(r);
  if (!col || !c) return undefined;
  const sel = rangeSelectivity(col.info, op, c);
  return { id: col.id, lower: op === ">" || op === ">=", sel: sel ?? DEFAULT_RANGE_SELECTIVITY, defaulted: sel === undefined };
}

/** Fraction of rows with `col op c` from the statistics; undefined without them. */
function rangeSelectivity(info: ColumnInfo, op: "<" | "<=" | ">" | ">=", c: Constant): number | undefined {
  const s = info.stats;
  if (!s || c.value === null) return c.value === null ? 0 : undefined;
  const below = op === "<" || op === "<=";
  let common = 0;
  for (const m of s.mostCommon) {
    const o = compareTo(m.value, s.type, c.value, c.type);
    if (o === undefined) return undefined;
    if (o < 0 ? below : o > 0 ? !below : op === "<=" || op === ">=") common += m.frequency;
  }
  const rest = Math.max(0, 1 - s.nullFraction - commonTotal(s));
  if (rest === 0) return common;
  if (s.histogram.length < 2) return common + rest * DEFAULT_RANGE_SELECTIVITY;
  const f = histogramFractionBelow(s, c);
  if (f === undefined) return undefined;
  return common + rest * (below ? f : 1 - f);
}

/** The share of histogram rows below the constant, interpolating inside its bucket. */
function histogramFractionBelow(s: ColumnStats, c: Constant): number | undefined {
  const h = s.histogram;
  const buckets = h.length - 1;
  const first = compareTo(h[0]!, s.type, c.value, c.type);
  if (first === undefined) return undefined;
  if (first >= 0) return 0;
  if ((compareTo(h[buckets]!, s.type, c.value, c.type) ?? 0) <= 0) return 1;
  // The last bound below the value: h[lo] < c <= h[lo + 1].
  let lo = 0;
  let hi = buckets;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((compareTo(h[mid]!, s.type, c.value, c.type) ?? 0) < 0) lo = mid;
    else hi = mid;
  }
  const a = scalarOf(h[lo]!, s.type);
  const b = scalarOf(h[lo + 1]!, s.type);
  const x = scalarOf(c.value, c.type);
  const within = a !== undefined && b !== undefined && x !== undefined && b > a ? Math.min(1, Math.max(0, (x - a) / (b - a))) : 0.5;
  return (lo + within) / buckets;
}

// ---- LIKE ----------------------------------------------------------------------------------

/** The literal prefix of a LIKE pattern (backslash escapes) and whether anything follows it. */
export function likePrefix(pattern: string): { prefix: string; rest: string } {
  let prefix = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "%" || ch === "_") return { prefix, rest: pattern.slice(i) };
    if (ch === "\\" && i + 1 < pattern.length) {
      prefix += pattern[++i];
      continue;
    }
    prefix += ch;
  }
  return { prefix, rest: "" };
}

/** PostgreSQL's like_selectivity for what follows the prefix (leading wildcards cost nothing). */
function patternRestSelectivity(rest: string): number {
  let s = 1;
  let i = 0;
  while (i < rest.length && (rest[i] === "%" || rest[i] === "_")) i++;
  for (; i < rest.length; i++) {
    const ch = rest[i]!;
    if (ch === "%") s *= FULL_WILDCARD_SELECTIVITY;
    else if (ch === "_") s *= ANY_CHAR_SELECTIVITY;
    else {
      if (ch === "\\" && ++i >= rest.length) break;
      s *= FIXED_CHAR_SELECTIVITY;
    }
  }
  return Math.min(1, s);
}

function likeSelectivity(op: string, l: ScalarExpr, r: ScalarExpr, ctx: SelectivityContext): number {
  const col = columnOf(l, ctx);
  const c = constantOf(r);
  const negated = op.startsWith("!");
  const nonNull = col ? 1 - nullFraction(col.info) : 1;
  if (!c || typeof c.value !== "string") return negated ? 1 - DEFAULT_MATCH_SELECTIVITY : DEFAULT_MATCH_SELECTIVITY;
  const insensitive = op.endsWith("*");
  const { prefix, rest } = insensitive ? { prefix: "", rest: c.value } : likePrefix(c.value);
  let s: number;
  if (rest === "" && col) {
    s = equalityToConstant(col.info, prefix, c.type);
  } else if (prefix !== "" && col) {
    s = prefixSelectivity(col.info, prefix, c.type) * patternRestSelectivity(rest);
  } else {
    s = col?.info.stats ? nonNull * patternRestSelectivity(rest) : DEFAULT_MATCH_SELECTIVITY;
  }
  s = Math.min(nonNull, s);
  return negated ? nonNull - s : s;
}

/** Fraction of rows whose value starts with `prefix`: the range [prefix, prefix with its last character incremented). */
function prefixSelectivity(info: ColumnInfo, prefix: string, type: SqlType): number {
  const last = prefix.codePointAt(prefix.length - 1)!;
  const upper = prefix.slice(0, prefix.length - (last > 0xffff ? 2 : 1)) + String.fromCodePoint(Math.min(0x10ffff, last + 1));
  const ge = rangeSelectivity(info, ">=", { value: prefix, type });
  const lt = rangeSelectivity(info, "<", { value: upper, type });
  if (ge === undefined || lt === undefined) return DEFAULT_MATCH_SELECTIVITY;
  const s = ge + lt - (1 - nullFraction(info));
  // Never less than one equality's worth: the prefix itself may be a value.
  return Math.max(s, equalityToConstant(info, prefix, type));
}
