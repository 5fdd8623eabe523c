/**
 * Window frames over one sorted partition, as pure functions of positions: peer groups, the
 * [start, end) a frame spans for each row in ROWS, RANGE and GROUPS mode, the pieces EXCLUDE
 * leaves of it, and PostgreSQL's in_range tests that RANGE offsets are measured with.
 *
 * Positions are 0-based indexes into the partition in window order. A frame whose end is at or
 * before its start is empty (`2 FOLLOWING AND 1 FOLLOWING`, or an offset past the partition).
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { addIntervalToTimestamp } from "../functions/interval.js";
import {
  addIntervals,
  compareIntervals,
  type Dec,
  formatType,
  Interval,
  negateInterval,
  type Numeric,
  type SqlScalar,
  type SqlType,
  type SqlValue,
  subtractIntervals,
  USECS_PER_DAY,
} from "../types/index.js";

/** Runs of rows whose ORDER BY keys are all equal (without ORDER BY, the partition is one run). */
export interface PeerGroups {
  /** groupOf[p]: the peer group of position p. */
  readonly groupOf: Int32Array;
  /** starts[g]: the first position of group g; starts[count] is the partition size. */
  readonly starts: Int32Array;
  readonly count: number;
}

/** Peer groups of `n` sorted positions; `peers(a, b)` says whether positions a and a+1 = b are peers. */
export function peerGroups(n: number, peers: (a: number, b: number) => boolean): PeerGroups {
  const groupOf = new Int32Array(n);
  const starts: number[] = n > 0 ? [0] : [];
  for (let p = 1; p < n; p++) {
    if (!peers(p - 1, p)) starts.push(p);
    groupOf[p] = starts.length - 1;
  }
  const count = starts.length;
  starts.push(n);
  return { groupOf, starts: Int32Array.from(starts), count };
}

/** A frame bound with its offset evaluated: a row or group count, or a RANGE distance test. */
export type Bound =
  | { readonly kind: "unbounded preceding" | "current row" | "unbounded following" }
  | { readonly kind: "preceding" | "following"; readonly rows: bigint }
  | { readonly kind: "preceding" | "following"; readonly range: InRange };

export interface Frame {
  readonly mode: "rows" | "range" | "groups";
  readonly start: Bound;
  readonly end: Bound;
  readonly exclude?: "current row" | "group" | "ties";
}

/** PostgreSQL's default frame: RANGE UNBOUNDED PRECEDING .. CURRENT ROW (all peers, so the whole partition without ORDER BY). */
export const DEFAULT_FRAME: Frame = { mode: "range", start: { kind: "unbounded preceding" }, end: { kind: "current row" } };

/**
 * What RANGE offsets need of a partition: the single ORDER BY key per position, whether it
 * sorts descending, and where its NULLs (peers of each other, never within an offset of a
 * value) lie: positions [nullStart, nullEnd).
 */
export interface RangeKeys {
  readonly keys: readonly SqlValue[];
  readonly desc: boolean;
  readonly nullStart: number;
  readonly nullEnd: number;
}

/** Where the NULL keys of a sorted partition lie (they are all at one end). */
export function rangeKeys(keys: readonly SqlValue[], desc: boolean, nullsFirst: boolean): RangeKeys {
  let nulls = 0;
  for (const k of keys) if (k === null) nulls++;
  return nullsFirst ? { keys, desc, nullStart: 0, nullEnd: nulls } : { keys, desc, nullStart: keys.length - nulls, nullEnd: keys.length };
}

/** A partition as frames see it. */
export interface FramePartition {
  readonly size: number;
  readonly groups: PeerGroups;
  /** Present when the frame has RANGE offsets. */
  readonly range?: RangeKeys;
}

/** Counts that can exceed any partition are clamped, so position arithmetic stays exact. */
function rowCount(rows: bigint, size: number): number {
  return rows > BigInt(size) ? size + 1 : Number(rows);
}

/** The first position of the frame of row p. */
export function frameStart(f: Frame, part: FramePartition, p: number): number {
  const b = f.start;
  switch (b.kind) {
    case "unbounded preceding":
      return 0;
    case "unbounded following":
      return part.size;
    case "current row":
      return f.mode === "rows" ? p : part.groups.starts[part.groups.groupOf[p]!]!;
  }
  const sign = b.kind === "preceding" ? -1 : 1;
  if ("range" in b) return rangeBoundary(part, p, b.range, b.kind === "preceding", false);
  const k = rowCount(b.rows, part.size);
  if (f.mode === "rows") return clamp(p + sign * k, 0, part.size);
  const g = part.groups.groupOf[p]! + sign * k;
  return g < 0 ? 0 : g >= part.groups.count ? part.size : part.groups.starts[g]!;
}

/** One past the last position of the frame of row p. */
export function frameEnd(f: Frame, part: FramePartition, p: number): number {
  const b = f.end;
  switch (b.kind) {
    case "unbounded preceding":
      return 0;
    case "unbounded following":
      return part.size;
    case "current row":
      return f.mode === "rows" ? p + 1 : part.groups.starts[part.groups.groupOf[p]! + 1]!;
  }
  const sign = b.kind === "preceding" ? -1 : 1;
  if ("range" in b) return rangeBoundary(part, p, b.range, b.kind === "preceding", true);
  const k = rowCount(b.rows, part.size);
  if (f.mode === "rows") return clamp(p + sign * k + 1, 0, part.size);
  const g = part.groups.groupOf[p]! + sign * k;
  return g < 0 ? 0 : g >= part.groups.count ? part.size : part.groups.starts[g + 1]!;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * A RANGE offset boundary, as nodeWindowAgg.c finds it: a NULL current row's frame side is its
 * NULL peers; otherwise the boundary is searched among the non-NULL keys, which are sorted, so
 * the in_range test flips once and a binary search finds where. A start is the first row the
 * test accepts; an end is the first row past those it accepts.
 */
function rangeBoundary(part: FramePartition, p: number, inRange: InRange, preceding: boolean, isEnd: boolean): number {
  const r = part.range!;
  const base = r.keys[p]!;
  if (base === null) return isEnd ? r.nullEnd : r.nullStart;
  let sub = preceding;
  let less = isEnd;
  if (r.desc) {
    sub = !sub;
    less = !less;
  }
  // The non-NULL keys: before the NULLs or after them.
  let lo = r.nullStart === 0 ? r.nullEnd : 0;
  let hi = r.nullStart === 0 ? part.size : r.nullStart;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const accepted = inRange(r.keys[mid] as SqlScalar, base, sub, less);
    // Starts look for the first accepted key, ends for the first rejected one.
    if (accepted === isEnd) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The frame of row p as ascending, non-empty, disjoint [start, end) pieces: the frame less
 * what EXCLUDE removes (the current row, its peers, or its peers but itself).
 */
export function frameSegments(f: Frame, part: FramePartition, p: number): number[] {
  const s = frameStart(f, part, p);
  const e = frameEnd(f, part, p);
  if (s >= e) return [];
  if (!f.exclude) return [s, e];
  const g = part.groups.groupOf[p]!;
  const [cutStart, cutEnd] = f.exclude === "current row" ? [p, p + 1] : [part.groups.starts[g]!, part.groups.starts[g + 1]!];
  const out: number[] = [];
  const push = (a: number, b: number) => {
    if (a < b) out.push(a, b);
  };
  push(s, Math.min(e, cutStart));
  if (f.exclude === "ties" && p >= s && p < e) push(p, p + 1);
  push(Math.max(s, cutEnd), e);
  return out;
}

/**
 * PostgreSQL's in_range(val, base, offset, sub, less): whether val <= base ∓ offset (less) or
 * val >= base ∓ offset (not less), subtracting when `sub`. The offset is bound in.
 */
export type InRange = (val: SqlScalar, base: SqlScalar, sub: boolean, less: boolean) => boolean;

function invalidSize(): SqlStateError {
  return new SqlStateError("invalid preceding or following size in window function", "22013");
}

/**
 * The in_range test for an ORDER BY key of `keyType` and an offset of `offsetType` (the pairs
 * the analyzer admits: integers with integer offsets, floats with float8, numeric with
 * numeric, dates, timestamps and intervals with interval). A negative or NaN offset is 22013 when the test is first used, as in PostgreSQL,
 * which only complains once two non-NULL keys are compared.
 */
export function inRangeFor(keyType: SqlType, offsetType: SqlType, offset: SqlScalar): InRange {
  switch (keyType.kind) {
    case "int2":
    case "int4":
    case "int8": {
      const off = BigInt(offset as number | bigint);
      // Exact integer arithmetic: where PostgreSQL detects overflow, the exact sum answers the same.
      return (val, base, sub, less) => {
        if (off < 0n) throw invalidSize();
        const bound = sub ? BigInt(base as number | bigint) - off : BigInt(base as number | bigint) + off;
        const v = BigInt(val as number | bigint);
        return less ? v <= bound : v >= bound;
      };
    }
    case "float4":
    case "float8":
      return floatInRange(toFloat(offset, offsetType));
    case "numeric":
      return numericInRange((offset as Numeric).value);
    case "date":
    case "timestamp":
    case "timestamptz":
      return timestampInRange(offset as Interval, keyType.kind === "date");
    case "interval":
      return intervalInRange(offset as Interval);
    default:
      throw new SqlStateError(`RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${formatType(keyType)}`, "0A000");
  }
}

function toFloat(v: SqlScalar, t: SqlType): number {
  if (t.kind === "numeric") return Number((v as Numeric).value.toString());
  return typeof v === "bigint" ? Number(v) : (v as number);
}

/** in_range_float8_float8: NaN sorts above everything and equals NaN; inf ∓ inf counts as in range. */
function floatInRange(offset: number): InRange {
  return (valScalar, baseScalar, sub, less) => {
    if (Number.isNaN(offset) || offset < 0) throw invalidSize();
    const val = valScalar as number;
    const base = baseScalar as number;
    if (Number.isNaN(val)) return Number.isNaN(base) ? true : !less;
    if (Number.isNaN(base)) return less;
    if (offset === Infinity && !Number.isFinite(base) && (sub ? base > 0 : base < 0)) return true;
    const bound = sub ? base - offset : base + offset;
    return less ? val <= bound : val >= bound;
  };
}

/** in_range_numeric_numeric: the float rules, over exact decimals. */
function numericInRange(offset: Dec): InRange {
  return (valScalar, baseScalar, sub, less) => {
    if (offset.isNaN() || offset.isNegative()) throw invalidSize();
    const val = (valScalar as Numeric).value;
    const base = (baseScalar as Numeric).value;
    if (val.isNaN()) return base.isNaN() ? true : !less;
    if (base.isNaN()) return less;
    if (!offset.isFinite() && !base.isFinite() && (sub ? base.isPositive() : base.isNegative())) return true;
    const bound = sub ? base.minus(offset) : base.plus(offset);
    return less ? val.lte(bound) : val.gte(bound);
  };
}

const ZERO_INTERVAL = new Interval(0, 0, 0);

/** in_range_timestamp_interval (dates compare as midnight timestamps): base ± offset by the calendar. */
function timestampInRange(offset: Interval, dates: boolean): InRange {
  const negated = negateInterval(offset);
  return (valScalar, baseScalar, sub, less) => {
    if (compareIntervals(offset, ZERO_INTERVAL) < 0) throw invalidSize();
    const scale = dates ? USECS_PER_DAY : 1;
    const val = (valScalar as number) * scale;
    const bound = addIntervalToTimestamp((baseScalar as number) * scale, sub ? negated : offset);
    return less ? val <= bound : val >= bound;
  };
}

/** in_range_interval_interval. */
function intervalInRange(offset: Interval): InRange {
  return (valScalar, baseScalar, sub, less) => {
    if (compareIntervals(offset, ZERO_INTERVAL) < 0) throw invalidSize();
    const base = baseScalar as Interval;
    const bound = sub ? subtractIntervals(base, offset) : addIntervals(base, offset);
    const c = compareIntervals(valScalar as Interval, bound);
    return less ? c <= 0 : c >= 0;
  };
}
