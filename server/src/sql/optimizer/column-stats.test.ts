import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BOOL, compareValues, INT4, NUMERIC, Numeric, type SqlType, type SqlValue, TEXT } from "../types/index.js";
import { Reservoir, seededRandom } from "./analyze.js";
import { columnStats, estimateDistinct } from "./column-stats.js";
import { decodeTableStats, encodeTableStats } from "./stats-store.js";
import type { ColumnStats, TableStats } from "./stats.js";

describe("column statistics", () => {
  it("describe the whole table exactly: NULLs, distinct values, common values, equi-depth buckets", () => {
    fc.assert(
      fc.property(fc.array(fc.option(fc.integer({ min: -50, max: 500 }), { nil: null, freq: 8 }), { minLength: 1, maxLength: 800 }), fc.integer({ min: 2, max: 40 }), (values, target) => {
        const s = columnStats({ type: INT4, values, totalRows: values.length, target });
        const nonNull = values.filter((v): v is number => v !== null);
        expect(s.nullFraction).toBeCloseTo((values.length - nonNull.length) / values.length, 12);
        expect(s.distinct).toBe(new Set(nonNull).size);
        expect(s.mostCommon.length).toBeLessThanOrEqual(target);
        const counts = new Map<number, number>();
        for (const v of nonNull) counts.set(v, (counts.get(v) ?? 0) + 1);
        let common = 0;
        for (const m of s.mostCommon) {
          expect(m.frequency).toBeCloseTo(counts.get(m.value as number)! / values.length, 12);
          common += counts.get(m.value as number)!;
        }
        // Most frequent first.
        for (let i = 1; i < s.mostCommon.length; i++) expect(s.mostCommon[i]!.frequency).toBeLessThanOrEqual(s.mostCommon[i - 1]!.frequency);
        const h = s.histogram as number[];
        if (h.length === 0) return;
        expect(h.length).toBeGreaterThanOrEqual(2);
        expect(h.length).toBeLessThanOrEqual(target + 1);
        for (let i = 1; i < h.length; i++) expect(h[i]!).toBeGreaterThan(h[i - 1]!);
        // Bounds span the values outside the common list, and each bucket holds about an equal share of them.
        const isCommon = new Set(s.mostCommon.map((m) => m.value as number));
        const rest = nonNull.filter((v) => !isCommon.has(v)).sort((a, b) => a - b);
        expect(rest.length).toBe(nonNull.length - common);
        expect(h[0]).toBe(rest[0]);
        expect(h[h.length - 1]).toBe(rest[rest.length - 1]);
        const buckets = h.length - 1;
        const maxRun = Math.max(...[...counts].filter(([v]) => !isCommon.has(v)).map(([, n]) => n));
        for (let b = 0; b < buckets; b++) {
          const inBucket = rest.filter((v) => v > h[b]! && v <= h[b + 1]!).length;
          expect(inBucket).toBeLessThanOrEqual(Math.ceil(rest.length / buckets) + 2 * maxRun);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("keep every value as a common value when the sample holds them all and they fit", () => {
    const values: SqlValue[] = ["a", "b", "b", "c", "c", "c", null];
    const s = columnStats({ type: TEXT, values, totalRows: 7, target: 10 });
    expect(s.mostCommon).toEqual([
      { value: "c", frequency: 3 / 7 },
      { value: "b", frequency: 2 / 7 },
      { value: "a", frequency: 1 / 7 },
    ]);
    expect(s.histogram).toEqual([]);
  });

  it("keep overly wide values out of the lists but count them", () => {
    const wide = "x".repeat(2000);
    const s = columnStats({ type: TEXT, values: [wide, wide, "a", "b"], totalRows: 4, target: 10 });
    expect(s.distinct).toBe(3);
    expect(s.mostCommon.map((m) => m.value)).toEqual(["a", "b"]);
  });

  it("give booleans common values and no histogram", () => {
    const s = columnStats({ type: BOOL, values: [true, true, false, null], totalRows: 4, target: 10 });
    expect(s.mostCommon.map((m) => m.value)).toEqual([true, false]);
    expect(s.histogram).toEqual([]);
  });
});

describe("the distinct-value estimator", () => {
  it("is exact for a whole table, and otherwise between what the sample saw and the rows there are", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 1_000_000 }), (n, dRaw, f1Raw, extra) => {
        // A sample of n values with d distinct ones, f1 of them seen once (the rest at least twice).
        const d = Math.min(n, Math.max(1, dRaw));
        const f1 = Math.max(0, 2 * d - n) + (f1Raw % (d - Math.max(0, 2 * d - n) + 1));
        const total = n + extra;
        expect(estimateDistinct({ sampled: n, distinctInSample: d, singletons: f1, totalNonNull: n, wholeTable: true })).toBe(d);
        const e = estimateDistinct({ sampled: n, distinctInSample: d, singletons: f1, totalNonNull: total, wholeTable: false });
        expect(e).toBeGreaterThanOrEqual(d);
        expect(e).toBeLessThanOrEqual(Math.max(d, total));
      }),
    );
  });

  it("takes a sample of all-different values for a unique column", () => {
    expect(estimateDistinct({ sampled: 100, distinctInSample: 100, singletons: 100, totalNonNull: 1_000_000, wholeTable: false })).toBe(1_000_000);
    expect(estimateDistinct({ sampled: 100, distinctInSample: 5, singletons: 0, totalNonNull: 1_000_000, wholeTable: false })).toBe(5);
  });
});

describe("the reservoir", () => {
  it("never holds more than its capacity, and keeps everything while it fits", () => {
    const r = new Reservoir<number>(10, seededRandom(1));
    for (let i = 0; i < 5; i++) r.offer(() => i);
    expect(r.sample).toEqual([0, 1, 2, 3, 4]);
    for (let i = 5; i < 10_000; i++) r.offer(() => i);
    expect(r.sample.length).toBe(10);
    expect(r.seen).toBe(10_000);
  });

  it("keeps each item with probability capacity / items seen", () => {
    const items = 200;
    const capacity = 20;
    const trials = 3000;
    const kept = new Array<number>(items).fill(0);
    const random = seededRandom(42);
    for (let t = 0; t < trials; t++) {
      const r = new Reservoir<number>(capacity, random);
      for (let i = 0; i < items; i++) r.offer(() => i);
      for (const i of r.sample) kept[i]!++;
    }
    // Expected 300 per item; the binomial's standard deviation is about 16.4.
    const expected = (trials * capacity) / items;
    for (const k of kept) expect(Math.abs(k - expected)).toBeLessThan(6 * Math.sqrt(expected * (1 - capacity / items)));
  });

  it("builds an item only when it keeps it", () => {
    let made = 0;
    const r = new Reservoir<number>(5, seededRandom(7));
    for (let i = 0; i < 1000; i++)
      r.offer(() => {
        made++;
        return i;
      });
    expect(made).toBeLessThan(100);
  });
});

describe("stored statistics", () => {
  const sort = (t: SqlType) => (a: SqlValue, b: SqlValue) => compareValues(a!, b!, t);

  it("round-trip through their catalog encoding", () => {
    const numbers = [Numeric.of("1.50", 2), Numeric.of("2"), Numeric.of("-3.125", 3)];
    const columns = new Map<number, ColumnStats>([
      [1, columnStats({ type: INT4, values: [1, 2, 2, 3, null, 5, 8, 13], totalRows: 8, target: 2 })],
      [2, columnStats({ type: TEXT, values: ["x", "it's", "", "ünï", "x"], totalRows: 5, target: 1 })],
      [3, { type: NUMERIC, distinct: 3, nullFraction: 0.25, mostCommon: [{ value: numbers[0]!, frequency: 0.5 }], histogram: [...numbers].sort(sort(NUMERIC)) }],
    ]);
    const stats: TableStats = { rowCount: 8, version: 7, columns };
    const back = decodeTableStats(encodeTableStats(stats));
    expect(back.rowCount).toBe(8);
    expect(back.version).toBe(7);
    expect([...back.columns.keys()]).toEqual([1, 2, 3]);
    for (const [id, c] of columns) {
      const b = back.columns.get(id)!;
      expect(b.type).toEqual(c.type);
      expect(b.distinct).toBe(c.distinct);
      expect(b.nullFraction).toBe(c.nullFraction);
      expect(b.mostCommon.map((m) => m.frequency)).toEqual(c.mostCommon.map((m) => m.frequency));
      expect(b.mostCommon.map((m) => String(m.value))).toEqual(c.mostCommon.map((m) => String(m.value)));
      expect(b.histogram.map(String)).toEqual(c.histogram.map(String));
    }
    expect(Object.isFrozen(back)).toBe(true);
  });

  it("that are damaged are corruption (XX001)", () => {
    expect(() => decodeTableStats(Buffer.from("{"))).toThrow(expect.objectContaining({ sqlstate: "XX001" }));
    expect(() => decodeTableStats(Buffer.from('{"format":99}'))).toThrow(expect.objectContaining({ sqlstate: "XX001" }));
  });
});
