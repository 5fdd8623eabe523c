/**
 * Statistics of one column from a sample of its values, as PostgreSQL's ANALYZE computes them
 * (compute_scalar_stats in analyze.c): the NULL fraction, the number of distinct values (the
 * Haas-Stokes estimator when the sample is not the whole table), the most common values and an
 * equi-depth histogram of the rest. A pure function of the sample.
 */
import { compareValues, formatText, hashKey, type HashKey, type SqlType, type SqlValue } from "../types/index.js";
import type { ColumnStats, MostCommonValue } from "./stats.js";

/** Values wider than this (bytes of text or bytea) are counted but kept out of the lists, as PostgreSQL's WIDTH_THRESHOLD. */
export const WIDE_VALUE_BYTES = 1024;

export interface ColumnSample {
  readonly type: SqlType;
  /** The column's value in each sampled row. */
  readonly values: readonly SqlValue[];
  /** Rows in the table (at least values.length). */
  readonly totalRows: number;
  /** Most common values and histogram buckets to keep at most (PostgreSQL's statistics target). */
  readonly target: number;
}

/** Types whose values have a meaningful order for histograms. */
function orderable(t: SqlType): boolean {
  return t.kind !== "json" && t.kind !== "jsonb" && t.kind !== "vector" && t.kind !== "bool" && t.kind !== "null";
}

function keyOf(v: SqlValue, t: SqlType): HashKey {
  // json has no equality operator; its text stands in for counting distinct values.
  return t.kind === "json" ? formatText(v!, t) : hashKey([v], [t]);
}

function tooWide(v: SqlValue): boolean {
  if (typeof v === "string") return v.length * 3 > WIDE_VALUE_BYTES && Buffer.byteLength(v) > WIDE_VALUE_BYTES;
  if (v instanceof Float32Array) return v.byteLength > WIDE_VALUE_BYTES;
  if (v instanceof Uint8Array) return v.length > WIDE_VALUE_BYTES;
  return false;
}

interface Group {
  readonly value: SqlValue;
  count: number;
  readonly first: number;
  readonly wide: boolean;
}

/** Statistics of a column from its sample. */
export function columnStats(sample: ColumnSample): ColumnStats {
  const { type, values, target } = sample;
  const n = values.length;
  const total = Math.max(sample.totalRows, n);
  if (n === 0) return { type, distinct: 0, nullFraction: 0, mostCommon: [], histogram: [] };
  const groups = new Map<HashKey, Group>();
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) {
      nulls++;
      return;
    }
    const k = keyOf(v, type);
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { value: v, count: 1, first: i, wide: tooWide(v) });
  });
  const nonNull = n - nulls;
  const nullFraction = nulls / n;
  const all = [...groups.values()];
  const d = all.length;
  const singletons = all.reduce((s, g) => s + (g.count === 1 ? 1 : 0), 0);
  const wholeTable = n >= total;
  const distinct = estimateDistinct({ sampled: nonNull, distinctInSample: d, singletons, totalNonNull: total * (1 - nullFraction), wholeTable });

  const byCount = all.filter((g) => !g.wide).sort((a, b) => b.count - a.count || a.first - b.first);
  let common: Group[];
  if (wholeTable || singletons === 0) {
    // The sample holds every value: list all if they fit, else the frequent ones.
    common = d <= target ? byCount : byCount.filter((g) => g.count > 1).slice(0, target);
  } else {
    // PostgreSQL keeps values clearly more common than average (and seen at least twice).
    const minCount = Math.max(2, (nonNull / Math.max(1, d)) * 1.25);
    common = byCount.filter((g) => g.count >= minCount).slice(0, target);
  }
  const mostCommon: MostCommonValue[] = common.map((g) => ({ value: g.value, frequency: g.count / n }));
  const inCommon = new Set(common);
  const histogram = orderable(type) ? histogramOf(all.filter((g) => !inCommon.has(g) && !g.wide), type, target) : [];
  return Object.freeze({ type, distinct, nullFraction, mostCommon: Object.freeze(mostCommon), histogram: Object.freeze(histogram) });
}

/** Equi-depth bounds over the rows of `groups` (each value repeated by its count). */
function histogramOf(groups: Group[], type: SqlType, target: number): SqlValue[] {
  if (groups.length < 2) return [];
  groups.sort((a, b) => compareValues(a.value!, b.value!, type));
  const rows = groups.reduce((s, g) => s + g.count, 0);
  const bounds = Math.min(target + 1, groups.length);
  const out: SqlValue[] = [];
  // Walk the sorted groups once, picking the value at each equally spaced row position.
  let at = 0;
  let seen = 0;
  for (let b = 0; b < bounds; b++) {
    const pos = Math.floor((b * (rows - 1)) / (bounds - 1));
    while (seen + groups[at]!.count <= pos) seen += groups[at++]!.count;
    const v = groups[at]!.value;
    if (out.length === 0 || compareValues(out[out.length - 1]!, v!, type) !== 0) out.push(v);
  }
  return out.length >= 2 ? out : [];
}

export interface DistinctInput {
  /** Non-NULL values sampled. */
  readonly sampled: number;
  readonly distinctInSample: number;
  /** Values seen exactly once in the sample. */
  readonly singletons: number;
  /** Non-NULL values in the table (estimated). */
  readonly totalNonNull: number;
  readonly wholeTable: boolean;
}

/** Distinct non-NULL values in the table, from the sample's counts (PostgreSQL's rules). */
export function estimateDistinct(x: DistinctInput): number {
  const { sampled: n, distinctInSample: d, singletons: f1, totalNonNull: N } = x;
  if (x.wholeTable || d === 0) return d;
  // Every value seen once: assume the column is unique.
  if (f1 === n) return Math.max(d, Math.round(N));
  // No value seen once: assume the sample saw every value.
  if (f1 === 0) return d;
  // Haas and Stokes' Duj1 estimator.
  const estimate = (n * d) / (n - f1 + (f1 * n) / Math.max(N, n));
  return Math.round(Math.min(Math.max(estimate, d), Math.max(d, N)));
}
