import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ScalarExpr } from "../plan/expr.js";
import { INT4, type SqlValue, TEXT } from "../types/index.js";
import { columnStats } from "./column-stats.js";
import { type ColumnInfo, conjunctionSelectivity, likePrefix, selectivity, type SelectivityContext } from "./selectivity.js";
import { DEFAULT_BETWEEN_SELECTIVITY, DEFAULT_EQ_SELECTIVITY, DEFAULT_MATCH_SELECTIVITY, DEFAULT_NULL_SELECTIVITY, DEFAULT_RANGE_SELECTIVITY, type ColumnStats } from "./stats.js";
import { and, col, inList, isNull, lit, not, op, or } from "./testing/exprs.js";

const X = col(1, INT4, "x");
const Y = col(2, INT4, "y");
const T = col(3, TEXT, "t");

function info(stats: ColumnStats | undefined, tableRows: number, extra: Partial<ColumnInfo> = {}): ColumnInfo {
  return { type: stats?.type ?? INT4, ...(stats && { stats }), tableRows, unique: false, notNull: false, ...extra };
}

function ctxOf(columns: Record<number, ColumnInfo>): SelectivityContext {
  return { column: (id) => columns[id] };
}

/** The fraction of `values` a predicate on one value keeps (NULL never passes). */
function actual(values: readonly SqlValue[], keep: (v: number) => boolean): number {
  return values.filter((v) => v !== null && keep(v as number)).length / values.length;
}

const intColumn = fc.array(fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 3, arbitrary: fc.integer({ min: 0, max: 30 }) }, { weight: 6, arbitrary: fc.integer({ min: -1000, max: 1000 }) }), { minLength: 1, maxLength: 1500 });

describe("selectivity from statistics", () => {
  it("estimates ranges within two histogram buckets of the truth, and NULL tests and common values exactly", () => {
    fc.assert(
      fc.property(intColumn, fc.integer({ min: -1100, max: 1100 }), fc.integer({ min: 0, max: 400 }), (values, c, width) => {
        const stats = columnStats({ type: INT4, values, totalRows: values.length, target: 100 });
        const ctx = ctxOf({ 1: info(stats, values.length) });
        const tolerance = 2 / 100 + 1e-9;
        const k = lit(c, INT4);
        expect(Math.abs(selectivity(op("<", X, k), ctx) - actual(values, (v) => v < c))).toBeLessThanOrEqual(tolerance);
        expect(Math.abs(selectivity(op("<=", X, k), ctx) - actual(values, (v) => v <= c))).toBeLessThanOrEqual(tolerance);
        expect(Math.abs(selectivity(op(">", X, k), ctx) - actual(values, (v) => v > c))).toBeLessThanOrEqual(tolerance);
        // The constant on the left: the comparison is mirrored.
        expect(Math.abs(selectivity(op(">=", k, X), ctx) - actual(values, (v) => v <= c))).toBeLessThanOrEqual(tolerance);
        const between = conjunctionSelectivity([op(">=", X, k), op("<=", X, lit(c + width, INT4))], ctx);
        expect(Math.abs(between - actual(values, (v) => v >= c && v <= c + width))).toBeLessThanOrEqual(2 * tolerance);
        expect(selectivity(isNull(X), ctx)).toBeCloseTo(values.filter((v) => v === null).length / values.length, 12);
        expect(selectivity(isNull(X, true), ctx)).toBeCloseTo(values.filter((v) => v !== null).length / values.length, 12);
        for (const m of stats.mostCommon) expect(selectivity(op("=", X, lit(m.value, INT4)), ctx)).toBeCloseTo(actual(values, (v) => v === m.value), 12);
      }),
      { numRuns: 150 },
    );
  });

  it("spreads the rows outside the common values over the other distinct values", () => {
    // 100 rows of 7, then 1..400 once each: 7 is a common value, the rest share what is left.
    const values: SqlValue[] = [...Array.from({ length: 100 }, () => 7), ...Array.from({ length: 400 }, (_, i) => i + 1000)];
    const stats = columnStats({ type: INT4, values, totalRows: values.length, target: 10 });
    expect(stats.mostCommon.map((m) => m.value)).toEqual([7]);
    const ctx = ctxOf({ 1: info(stats, values.length) });
    expect(selectivity(op("=", X, lit(7, INT4)), ctx)).toBeCloseTo(0.2, 12);
    expect(selectivity(op("=", X, lit(1005, INT4)), ctx)).toBeCloseTo(0.8 / 400, 12);
    expect(selectivity(op("<>", X, lit(7, INT4)), ctx)).toBeCloseTo(0.8, 12);
    // A parameter: any value, so one distinct value's share of the non-NULL rows.
    const param: ScalarExpr = { kind: "param", index: 0, type: INT4 };
    expect(selectivity(op("=", X, param), ctx)).toBeCloseTo(1 / 401, 12);
    expect(selectivity(inList(X, [lit(7, INT4), lit(1005, INT4)]), ctx)).toBeCloseTo(0.2 + 0.8 / 400, 12);
    expect(selectivity(inList(X, [lit(7, INT4)], true), ctx)).toBeCloseTo(0.8, 12);
  });

  it("estimates LIKE with a prefix from the histogram of a text column", () => {
    const words = ["apple", "apricot", "banana", "blueberry", "cherry", "cranberry", "date", "fig", "grape", "kiwi"];
    const values: SqlValue[] = [];
    for (let i = 0; i < 2000; i++) values.push(`${words[i % words.length]}${i}`);
    const stats = columnStats({ type: TEXT, values, totalRows: values.length, target: 100 });
    const ctx = ctxOf({ 3: info(stats, values.length) });
    const truth = values.filter((v) => (v as string).startsWith("ap")).length / values.length;
    expect(Math.abs(selectivity(op("~~", T, lit("ap%", TEXT)), ctx) - truth)).toBeLessThan(0.03);
    expect(Math.abs(selectivity(op("!~~", T, lit("ap%", TEXT)), ctx) - (1 - truth))).toBeLessThan(0.03);
    // No wildcard: an equality.
    expect(selectivity(op("~~", T, lit("kiwi9", TEXT)), ctx)).toBeCloseTo(1 / 2000, 9);
    // What follows the prefix narrows it by PostgreSQL's per-character factor.
    expect(selectivity(op("~~", T, lit("ap%e", TEXT)), ctx)).toBeLessThan(selectivity(op("~~", T, lit("ap%", TEXT)), ctx));
  });

  it("splits LIKE patterns into their literal prefix and the rest", () => {
    expect(likePrefix("abc%")).toEqual({ prefix: "abc", rest: "%" });
    expect(likePrefix("a\\%b_c")).toEqual({ prefix: "a%b", rest: "_c" });
    expect(likePrefix("exact")).toEqual({ prefix: "exact", rest: "" });
    expect(likePrefix("%x")).toEqual({ prefix: "", rest: "%x" });
  });
});

describe("selectivity without statistics", () => {
  const ctx = ctxOf({ 1: info(undefined, 10_000), 2: info(undefined, 10_000, { unique: true, notNull: true }), 3: { ...info(undefined, 10_000), type: TEXT } });

  it("uses PostgreSQL's default selectivities", () => {
    expect(selectivity(op("=", X, lit(5, INT4)), ctx)).toBeCloseTo(DEFAULT_EQ_SELECTIVITY, 12);
    expect(selectivity(op("<", X, lit(5, INT4)), ctx)).toBeCloseTo(DEFAULT_RANGE_SELECTIVITY, 12);
    expect(conjunctionSelectivity([op(">", X, lit(1, INT4)), op("<", X, lit(9, INT4))], ctx)).toBeCloseTo(DEFAULT_BETWEEN_SELECTIVITY, 12);
    expect(selectivity(isNull(X), ctx)).toBeCloseTo(DEFAULT_NULL_SELECTIVITY, 12);
    expect(selectivity(op("~~", T, lit("ab%", TEXT)), ctx)).toBeCloseTo(DEFAULT_MATCH_SELECTIVITY, 12);
  });

  it("knows a unique column matches one row, and a NOT NULL column is never NULL", () => {
    expect(selectivity(op("=", Y, lit(5, INT4)), ctx)).toBeCloseTo(1 / 10_000, 12);
    expect(selectivity(isNull(Y), ctx)).toBe(0);
  });

  it("combines conditions as independent events", () => {
    const a = op("=", X, lit(5, INT4));
    const b = op("<", X, lit(5, INT4));
    const sa = selectivity(a, ctx);
    const sb = selectivity(b, ctx);
    expect(selectivity(and(a, b), ctx)).toBeCloseTo(sa * sb, 12);
    expect(selectivity(or(a, b), ctx)).toBeCloseTo(sa + sb - sa * sb, 12);
    expect(selectivity(not(b), ctx)).toBeCloseTo(1 - sb, 12);
    expect(selectivity(lit(true, { kind: "bool" }), ctx)).toBe(1);
    expect(selectivity(lit(null, { kind: "bool" }), ctx)).toBe(0);
  });

  it("estimates a join equality by the larger distinct count, clamped to each side's rows", () => {
    const joinCtx = ctxOf({ 1: info(undefined, 10_000, { rows: 50 }), 2: info(undefined, 10_000, { unique: true, notNull: true, rows: 10_000 }) });
    // x: 200 distinct by default, but only 50 rows on its side; y: unique, 10000.
    expect(selectivity(op("=", X, Y), joinCtx)).toBeCloseTo(1 / 10_000, 12);
  });
});
