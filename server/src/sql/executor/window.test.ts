/**
 * Window functions below SQL: frames checked against a naive definition of frame membership,
 * PostgreSQL's in_range edge cases, and the WindowOperator against a naive evaluation of the
 * same calls over random rows. The SQL-level corpus (testdata/slt/window.test) holds results
 * PostgreSQL produced.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { lookupOperator } from "../functions/index.js";
import { BOOL, type ScalarExpr } from "../plan/expr.js";
import type { FrameBoundSpec, OutputColumn, SortKey, WindowCall, WindowFrameSpec } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { FLOAT8, INT4, INT8, Numeric, NUMERIC, type SqlType, type SqlValue } from "../types/index.js";
import type { ExecContext } from "./context.js";
import { drain, type Row, RowsOperator } from "./operator.js";
import { keyComparator } from "./sort.js";
import { WindowOperator } from "./window.js";
import { type Bound, type Frame, type FramePartition, frameSegments, inRangeFor, peerGroups, rangeKeys } from "./window-frame.js";

// ---- frames --------------------------------------------------------------------------------

type BoundKind = FrameBoundSpec["kind"];

interface FrameCase {
  keys: (number | null)[];
  desc: boolean;
  nullsFirst: boolean;
  mode: Frame["mode"];
  start: { kind: BoundKind; offset: number };
  end: { kind: BoundKind; offset: number };
  exclude: Frame["exclude"];
}

/** Bound pairs PostgreSQL's grammar accepts. */
const validBounds: [BoundKind, BoundKind][] = [];
for (const s of ["unbounded preceding", "preceding", "current row", "following"] as const) {
  for (const e of ["preceding", "current row", "following", "unbounded following"] as const) {
    if (s === "current row" && e === "preceding") continue;
    if (s === "following" && (e === "preceding" || e === "current row")) continue;
    validBounds.push([s, e]);
  }
}

const frameCaseArb: fc.Arbitrary<FrameCase> = fc.record({
  keys: fc.array(fc.option(fc.integer({ min: 0, max: 6 }), { freq: 4 }), { maxLength: 14 }),
  desc: fc.boolean(),
  nullsFirst: fc.boolean(),
  mode: fc.constantFrom("rows", "range", "groups"),
  bounds: fc.constantFrom(...validBounds),
  startOffset: fc.integer({ min: 0, max: 4 }),
  endOffset: fc.integer({ min: 0, max: 4 }),
  exclude: fc.constantFrom(undefined, "current row", "group", "ties"),
}).map((r) => ({
  keys: r.keys,
  desc: r.desc,
  nullsFirst: r.nullsFirst,
  mode: r.mode,
  start: { kind: r.bounds[0], offset: r.startOffset },
  end: { kind: r.bounds[1], offset: r.endOffset },
  exclude: r.exclude,
}));

function boundOf(c: FrameCase, b: FrameCase["start"]): Bound {
  if (b.kind !== "preceding" && b.kind !== "following") return { kind: b.kind };
  return c.mode === "range" ? { kind: b.kind, range: inRangeFor(INT4, INT4, b.offset) } : { kind: b.kind, rows: BigInt(b.offset) };
}

function sortedKeys(c: FrameCase): (number | null)[] {
  const cmp = keyComparator([{ desc: c.desc, nullsFirst: c.nullsFirst }], [INT4]);
  return [...c.keys].sort((a, b) => cmp([a], [b]));
}

function partitionOf(c: FrameCase, keys: (number | null)[]): FramePartition {
  return { size: keys.length, groups: peerGroups(keys.length, (a, b) => keys[a] === keys[b]), range: rangeKeys(keys, c.desc, c.nullsFirst) };
}

/**
 * Membership straight from the definitions: ROWS counts positions, GROUPS counts peer groups,
 * RANGE compares key values, where NULL sorts as an infinity (so it is within no finite offset
 * of a value, and all NULLs are peers) and DESC negates.
 */
function naiveFrame(c: FrameCase, keys: (number | null)[], p: number): number[] {
  const group = (q: number) => new Set(keys.slice(0, q + 1)).size - 1;
  const value = (q: number) => {
    const k = keys[q]!;
    if (k === null) return c.nullsFirst ? -Infinity : Infinity;
    return c.desc ? -k : k;
  };
  const measure = (q: number) => (c.mode === "rows" ? q : c.mode === "groups" ? group(q) : null);
  const inStart = (q: number): boolean => {
    const { kind, offset } = c.start;
    if (kind === "unbounded preceding") return true;
    const m = measure(q);
    if (kind === "current row") return m === null ? group(q) >= group(p) : m >= measure(p)!;
    const sign = kind === "preceding" ? -1 : 1;
    return m === null ? value(q) >= value(p) + sign * offset : m >= measure(p)! + sign * offset;
  };
  const inEnd = (q: number): boolean => {
    const { kind, offset } = c.end;
    if (kind === "unbounded following") return true;
    const m = measure(q);
    if (kind === "current row") return m === null ? group(q) <= group(p) : m <= measure(p)!;
    const sign = kind === "preceding" ? -1 : 1;
    return m === null ? value(q) <= value(p) + sign * offset : m <= measure(p)! + sign * offset;
  };
  const excluded = (q: number): boolean => {
    switch (c.exclude) {
      case "current row":
        return q === p;
      case "group":
        return group(q) === group(p);
      case "ties":
        return q !== p && group(q) === group(p);
      default:
        return false;
    }
  };
  const out: number[] = [];
  for (let q = 0; q < keys.length; q++) if (inStart(q) && inEnd(q) && !excluded(q)) out.push(q);
  return out;
}

function expand(segments: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < segments.length; i += 2) for (let q = segments[i]!; q < segments[i + 1]!; q++) out.push(q);
  return out;
}

describe("window frames", () => {
  it("span the rows their definition admits (ROWS, RANGE, GROUPS, EXCLUDE, NULL keys, DESC)", () => {
    fc.assert(
      fc.property(frameCaseArb, (c) => {
        const keys = sortedKeys(c);
        const frame: Frame = { mode: c.mode, start: boundOf(c, c.start), end: boundOf(c, c.end), ...(c.exclude && { exclude: c.exclude }) };
        const part = partitionOf(c, keys);
        for (let p = 0; p < keys.length; p++) {
          const segs = frameSegments(frame, part, p);
          for (let i = 0; i < segs.length; i += 2) expect(segs[i]!).toBeLessThan(segs[i + 1]!);
          expect(expand(segs)).toEqual(naiveFrame(c, keys, p));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("cut EXCLUDE out of a frame as ordered pieces", () => {
    // Keys 1 1 2 2 2 3: the current row is position 3, its peers 2..4.
    const keys = [1, 1, 2, 2, 2, 3];
    const c: FrameCase = { keys, desc: false, nullsFirst: false, mode: "rows", start: { kind: "unbounded preceding", offset: 0 }, end: { kind: "unbounded following", offset: 0 }, exclude: undefined };
    const part = partitionOf(c, keys);
    const all: Frame = { mode: "rows", start: { kind: "unbounded preceding" }, end: { kind: "unbounded following" } };
    const cases: [Frame["exclude"], number[]][] = [
      [undefined, [0, 6]],
      ["current row", [0, 3, 4, 6]],
      ["group", [0, 2, 5, 6]],
      ["ties", [0, 2, 3, 4, 5, 6]],
    ];
    for (const [exclude, want] of cases) expect(frameSegments({ ...all, ...(exclude && { exclude }) }, part, 3)).toEqual(want);
  });

  it("clamp offsets beyond any partition", () => {
    const keys = [1, 2, 3];
    const part = partitionOf({ keys, desc: false, nullsFirst: false } as FrameCase, keys);
    const huge = 2n ** 63n - 1n;
    const rows = (start: Bound, end: Bound): Frame => ({ mode: "rows", start, end });
    expect(frameSegments(rows({ kind: "preceding", rows: huge }, { kind: "following", rows: huge }), part, 1)).toEqual([0, 3]);
    expect(frameSegments(rows({ kind: "following", rows: huge }, { kind: "unbounded following" }), part, 1)).toEqual([]);
    expect(frameSegments({ mode: "groups", start: { kind: "preceding", rows: huge }, end: { kind: "preceding", rows: huge } }, part, 2)).toEqual([]);
  });
});

describe("in_range", () => {
  const f = (offset: number) => inRangeFor(FLOAT8, FLOAT8, offset);
  const n = (s: string) => Numeric.of(s);
  const num = (offset: string) => inRangeFor(NUMERIC, NUMERIC, n(offset));

  // [val, base, sub, less, expected]: in_range_float8_float8's cases.
  const floatCases: [number, number, boolean, boolean, boolean][] = [
    [NaN, NaN, true, false, true],
    [NaN, 1, true, true, false],
    [NaN, 1, true, false, true],
    [1, NaN, false, true, true],
    [1, NaN, false, false, false],
    [5, Infinity, true, true, true],
    [-Infinity, Infinity, true, false, true],
    [3, 4, true, false, true],
    [2.5, 4, true, false, false],
  ];

  it("follows PostgreSQL for floats: NaN above everything, inf - inf in range", () => {
    for (const [val, base, sub, less, want] of floatCases) {
      const offset = Number.isFinite(base) || Number.isNaN(base) ? 1 : Infinity;
      expect([val, base, sub, less, f(offset)(val, base, sub, less)]).toEqual([val, base, sub, less, want]);
    }
  });

  it("follows the same rules for numeric, exactly", () => {
    expect(num("0.1")(n("0.3"), n("0.2"), false, true)).toBe(true);
    expect(num("0.1")(n("0.30000000000000001"), n("0.2"), false, true)).toBe(false);
    expect(num("1")(Numeric.NaN, Numeric.NaN, true, false)).toBe(true);
    expect(num("1")(Numeric.NaN, n("1"), true, true)).toBe(false);
    expect(num("Infinity")(n("5"), Numeric.POSITIVE_INFINITY, true, true)).toBe(true);
    expect(num("Infinity")(n("5"), n("1"), true, true)).toBe(false);
    expect(num("Infinity")(Numeric.NEGATIVE_INFINITY, n("1"), true, true)).toBe(true);
  });

  it("is exact for integers at the type's edge", () => {
    const r = inRangeFor(INT4, INT8, 1n);
    expect(r(2147483647, 2147483647, false, true)).toBe(true);
    expect(inRangeFor(INT8, INT8, 10n)(-(2n ** 63n), 2n ** 63n - 1n, true, false)).toBe(false);
  });

  it("rejects negative and NaN offsets when first used (22013)", () => {
    for (const r of [inRangeFor(INT4, INT4, -1), f(-0.5), f(NaN), num("-1"), num("NaN")]) {
      let state: string | undefined;
      try {
        r(1 as never, 1 as never, true, false);
      } catch (e) {
        state = sqlstateOf(e);
      }
      expect(state).toBe("22013");
    }
  });
});

// ---- the operator ------------------------------------------------------------------------------

const col = (id: number, name: string, type: SqlType = INT4): ScalarExpr => ({ kind: "column", id, type, name });
const constant = (value: SqlValue, type: SqlType = INT4): ScalarExpr => ({ kind: "const", value, type });
const ID = col(1, "id");
const G = col(2, "g");
const K = col(3, "k");
const V = col(4, "v");
const INPUT: OutputColumn[] = [ID, G, K, V].map((c) => ({ id: (c as { id: number }).id, name: (c as { name: string }).name, type: INT4, tableOid: 0, columnNumber: 0 }));

const ctx = { params: [], outer: new Map(), ctes: new Map(), checkCancel: () => undefined } as unknown as ExecContext;

async function runWindows(rows: Row[], windows: WindowCall[]): Promise<Row[]> {
  const est = { rows: rows.length, cost: 0 };
  const input: PhysicalPlan = { kind: "values", rows: [], columns: INPUT, est };
  const columns = [...INPUT, ...windows.map((w) => ({ id: w.id, name: w.name, type: w.type, tableOid: 0, columnNumber: 0 }))];
  const op = new WindowOperator(new RowsOperator(() => rows), { kind: "window", input, windows, columns, est }, ctx);
  return drain(op);
}

function call(id: number, name: string, args: ScalarExpr[], type: SqlType, over: { partitionBy: ScalarExpr[]; orderBy: SortKey[]; frame?: WindowFrameSpec }, filter?: ScalarExpr): WindowCall {
  return { id, name, args, distinct: false, ...(filter && { filter }), partitionBy: over.partitionBy, orderBy: over.orderBy, ...(over.frame && { frame: over.frame }), type };
}

interface OperatorCase {
  rows: Row[];
  desc: boolean;
  nullsFirst: boolean;
  frame: FrameCase;
}

const operatorCaseArb: fc.Arbitrary<OperatorCase> = fc
  .record({
    cells: fc.array(fc.tuple(fc.option(fc.integer({ min: 0, max: 2 })), fc.option(fc.integer({ min: 0, max: 5 })), fc.option(fc.integer({ min: -5, max: 5 }))), { maxLength: 25 }),
    frame: frameCaseArb,
  })
  .map(({ cells, frame }) => ({ rows: cells.map(([g, k, v], i) => [i + 1, g, k, v]), desc: frame.desc, nullsFirst: frame.nullsFirst, frame }));

function frameSpec(c: FrameCase): WindowFrameSpec {
  const bound = (b: FrameCase["start"]): FrameBoundSpec =>
    b.kind === "preceding" || b.kind === "following" ? { kind: b.kind, offset: c.mode === "range" ? constant(b.offset) : constant(BigInt(b.offset), INT8) } : { kind: b.kind };
  return { mode: c.mode, start: bound(c.start), end: bound(c.end), ...(c.exclude && { exclude: c.exclude }) };
}

/** The value each call should give the row with `id`, computed without the operator's machinery. */
function naiveValues(c: OperatorCase, id: number): SqlValue[] {
  const row = c.rows[id - 1]!;
  const cmp = keyComparator([{ desc: c.desc, nullsFirst: c.nullsFirst }], [INT4]);
  const part = c.rows.filter((r) => r[1] === row[1]);
  // Stable: peers keep their input order.
  part.sort((a, b) => cmp([a[2]!], [b[2]!]) || (a[0] as number) - (b[0] as number));
  const keys = part.map((r) => r[2] as number | null);
  const p = part.indexOf(row);
  const inFrame = naiveFrame(c.frame, keys, p).map((q) => part[q]!);
  const vs = inFrame.map((r) => r[3]!).filter((v) => v !== null) as number[];
  const smaller = keys.filter((k) => cmp([k], [keys[p]!]) < 0);
  return [
    BigInt(p + 1),
    BigInt(smaller.length + 1),
    BigInt(new Set(smaller).size + 1),
    vs.length ? BigInt(vs.reduce((a, b) => a + b, 0)) : null,
    BigInt(vs.filter((v) => v > 0).length),
    inFrame.length ? inFrame[0]![3]! : null,
    inFrame.length ? inFrame[inFrame.length - 1]![3]! : null,
    inFrame.length > 1 ? inFrame[1]![3]! : null,
    p > 0 ? part[p - 1]![3]! : -100,
    BigInt(vs.length),
  ];
}

describe("WindowOperator", () => {
  it("agrees with a naive evaluation over random rows, partitions and frames", async () => {
    await fc.assert(
      fc.asyncProperty(operatorCaseArb, async (c) => {
        const over = { partitionBy: [G], orderBy: [{ expr: K, desc: c.desc, nullsFirst: c.nullsFirst }] };
        const framed = { ...over, frame: frameSpec(c.frame) };
        const positive: ScalarExpr = { kind: "call", name: ">", operator: true, fn: lookupOperator(">", INT4, INT4), args: [V, constant(0)], type: BOOL };
        const windows = [
          call(10, "row_number", [], INT8, over),
          call(11, "rank", [], INT8, over),
          call(12, "dense_rank", [], INT8, over),
          call(13, "sum", [V], INT8, framed),
          call(14, "count", [], INT8, framed, positive),
          call(15, "first_value", [V], INT4, framed),
          call(16, "last_value", [V], INT4, framed),
          call(17, "nth_value", [V, constant(2)], INT4, framed),
          call(18, "lag", [V, constant(1), constant(-100)], INT4, over),
          call(19, "count", [V], INT8, framed),
        ];
        const out = await runWindows(c.rows, windows);
        expect(out.length).toBe(c.rows.length);
        for (const r of out) {
          expect(r.slice(0, 4)).toEqual(c.rows[(r[0] as number) - 1]);
          expect(r.slice(4)).toEqual(naiveValues(c, r[0] as number));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("orders output by partition key, then window order", async () => {
    const rows: Row[] = [
      [1, 2, 5, 0],
      [2, null, 1, 0],
      [3, 1, 9, 0],
      [4, 2, 3, 0],
      [5, 1, 2, 0],
    ];
    const out = await runWindows(rows, [call(10, "row_number", [], INT8, { partitionBy: [G], orderBy: [{ expr: K, desc: false, nullsFirst: false }] })]);
    expect(out.map((r) => [r[0], r[4]])).toEqual([
      [5, 1n],
      [3, 2n],
      [4, 1n],
      [1, 2n],
      [2, 1n],
    ]);
  });

  // [rows, buckets] → bucket of each row, as windowfuncs.c's ntile deals them out.
  const ntileCases: [number, number, number[]][] = [
    [0, 3, []],
    [5, 1, [1, 1, 1, 1, 1]],
    [5, 2, [1, 1, 1, 2, 2]],
    [7, 3, [1, 1, 1, 2, 2, 3, 3]],
    [10, 4, [1, 1, 1, 2, 2, 2, 3, 3, 4, 4]],
    [3, 5, [1, 2, 3]],
    [6, 3, [1, 1, 2, 2, 3, 3]],
  ];

  it("deals ntile buckets the larger first", async () => {
    for (const [n, buckets, want] of ntileCases) {
      const rows: Row[] = Array.from({ length: n }, (_, i) => [i + 1, 0, i, 0]);
      const out = await runWindows(rows, [call(10, "ntile", [constant(buckets)], INT4, { partitionBy: [], orderBy: [{ expr: ID, desc: false, nullsFirst: false }] })]);
      expect([n, buckets, out.map((r) => r[4])]).toEqual([n, buckets, want]);
    }
  });

  it("reads lag/lead offsets and defaults on the current row", async () => {
    const rows: Row[] = [1, 2, 3, 4, 5].map((i) => [i, 0, i, i * 10]);
    const byId = { partitionBy: [], orderBy: [{ expr: ID, desc: false, nullsFirst: false }] };
    const out = await runWindows(rows, [
      call(10, "lag", [V, K, ID], INT4, byId),
      call(11, "lead", [V, constant(-1)], INT4, byId),
      call(12, "lag", [V, constant(null)], INT4, byId),
      call(13, "lead", [V, constant(0)], INT4, byId),
    ]);
    expect(out.map((r) => r.slice(4))).toEqual([
      [1, null, null, 10],
      [2, 10, null, 20],
      [3, 20, null, 30],
      [4, 30, null, 40],
      [5, 40, null, 50],
    ]);
  });

  it("runs a running sum over many rows in one pass", async () => {
    const n = 20000;
    const rows: Row[] = Array.from({ length: n }, (_, i) => [i + 1, 0, i, 1]);
    const out = await runWindows(rows, [call(10, "sum", [V], INT8, { partitionBy: [], orderBy: [{ expr: K, desc: false, nullsFirst: false }] })]);
    expect(out[n - 1]![4]).toBe(BigInt(n));
    expect(out.every((r, i) => r[4] === BigInt(i + 1))).toBe(true);
  });

  // [frame, sqlstate, message]: errors the operator raises when it opens.
  const errorCases: [string, WindowCall, string, RegExp][] = [
    ["null start", call(10, "sum", [V], INT8, { partitionBy: [], orderBy: [], frame: { mode: "rows", start: { kind: "preceding", offset: constant(null, INT8) }, end: { kind: "current row" } } }), "22004", /frame starting offset must not be null/],
    ["negative end", call(10, "sum", [V], INT8, { partitionBy: [], orderBy: [{ expr: K, desc: false, nullsFirst: false }], frame: { mode: "groups", start: { kind: "current row" }, end: { kind: "following", offset: constant(-1n, INT8) } } }), "22013", /frame ending offset must not be negative/],
    ["null range", call(10, "sum", [V], INT8, { partitionBy: [], orderBy: [{ expr: K, desc: false, nullsFirst: false }], frame: { mode: "range", start: { kind: "current row" }, end: { kind: "following", offset: constant(null) } } }), "22004", /frame ending offset must not be null/],
    ["ntile 0", call(10, "ntile", [constant(0)], INT4, { partitionBy: [], orderBy: [] }), "22014", /argument of ntile must be greater than zero/],
    ["nth_value 0", call(10, "nth_value", [V, constant(0)], INT4, { partitionBy: [], orderBy: [] }), "22016", /argument of nth_value must be greater than zero/],
  ];

  it("raises PostgreSQL's errors for bad offsets and arguments", async () => {
    const rows: Row[] = [[1, 0, 1, 1]];
    for (const [name, w, state, message] of errorCases) {
      const err = await runWindows(rows, [w]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect([name, sqlstateOf(err)]).toEqual([name, state]);
      expect((err as Error).message).toMatch(message);
    }
  });
});
