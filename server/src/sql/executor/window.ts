/**
 * Window functions: the operator reads all its input, then for each window call groups the rows
 * into partitions (hash of the PARTITION BY values, NULLs together), sorts each partition by the
 * window's ORDER BY (stably, so peers keep their input order) and computes one value per row.
 * Output rows are the input rows with one column per call appended, in plan.windows order; they
 * come out partition by partition in the window order of the call with the most PARTITION BY and
 * ORDER BY keys (partitions by ascending key), which is what PostgreSQL gives for one window.
 * NB: the input is held in memory whole; unlike sorts, windows do not spill past work_mem.
 *
 * Semantics follow PostgreSQL's nodeWindowAgg.c and windowfuncs.c: ranking functions and
 * lag/lead see the whole partition; first/last/nth_value and aggregates see the frame (default
 * RANGE UNBOUNDED PRECEDING .. CURRENT ROW, peers included). Frame offsets are evaluated once,
 * before any row is read. Aggregates over frames that only grow (UNBOUNDED PRECEDING, no
 * EXCLUDE) are accumulated incrementally, so the default frame is linear, and so are frames
 * that only shrink (.. UNBOUNDED FOLLOWING) for aggregates indifferent to the order they are
 * fed; other frames are re-aggregated per row (as PostgreSQL does for aggregates without an
 * inverse transition, like min, max or float sums), reusing the previous value when the frame
 * did not change.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { type Accumulator, resolveAggregate } from "../functions/aggregates.js";
import type { ScalarExpr } from "../plan/expr.js";
import type { FrameBoundSpec, WindowCall } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey, type SqlScalar, type SqlValue } from "../types/index.js";
import { evalAll, rowIdOf } from "./basic.js";
import { compileExpr, compilePredicate, type Evaluator, type Layout, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";
import { keyComparator, type RowComparator } from "./sort.js";
import { type Bound, DEFAULT_FRAME, type Frame, frameEnd, type FramePartition, frameSegments, frameStart, inRangeFor, peerGroups, rangeKeys } from "./window-frame.js";

export class WindowOperator implements Operator {
  private readonly windows: CompiledWindow[];
  private readonly inputWidth: number;
  private out: Row[] = [];
  private at = 0;

  constructor(
    private readonly input: Operator,
    plan: Extract<PhysicalPlan, { kind: "window" }>,
    private readonly ctx: ExecContext,
  ) {
    const layout = layoutOf(plan.input.columns, rowIdOf(plan.input));
    this.inputWidth = plan.input.columns.length;
    this.windows = plan.windows.map((w) => compileWindow(w, layout, ctx));
  }

  async open(): Promise<void> {
    const frames: Frame[] = [];
    for (const w of this.windows) frames.push(await resolveFrame(w, this.ctx));
    const rows: Row[] = [];
    await this.input.open();
    try {
      for (let b = await this.input.next(); b; b = await this.input.next()) {
        this.ctx.checkCancel();
        for (const r of b) rows.push(r);
      }
    } finally {
      await this.input.close();
    }
    const values: SqlValue[][] = [];
    let order: readonly number[] | undefined;
    let orderKeys = -1;
    for (let i = 0; i < this.windows.length; i++) {
      const w = this.windows[i]!;
      const r = await evaluateWindow(w, frames[i]!, rows, this.ctx);
      values.push(r.values);
      const keys = w.call.partitionBy.length + w.call.orderBy.length;
      if (keys > orderKeys) [order, orderKeys] = [r.order, keys];
    }
    const width = this.inputWidth;
    this.out = (order ?? rows.map((_, i) => i)).map((i) => {
      const row = rows[i]!.slice(0, width);
      for (const v of values) row.push(v[i]!);
      return row;
    });
    this.at = 0;
  }

  async next(): Promise<Row[] | null> {
    if (this.at >= this.out.length) return null;
    const b = this.out.slice(this.at, this.at + BATCH_SIZE);
    this.at += b.length;
    return b;
  }

  async close(): Promise<void> {
    this.out = [];
  }
}

// ---- compiling ---------------------------------------------------------------------------

interface CompiledWindow {
  readonly call: WindowCall;
  readonly partition: Evaluator[];
  readonly partitionCmp: RowComparator;
  readonly order: Evaluator[];
  readonly orderCmp: RowComparator;
  readonly args: Evaluator[];
  readonly filter: ((row: Row) => boolean | Promise<boolean>) | undefined;
  /** Aggregates: a fresh accumulator; window-only functions have none. */
  readonly accumulator: (() => Accumulator) | undefined;
  /** Aggregates skip rows whose first argument is NULL (strict transition functions). */
  readonly strict: boolean;
  /** Aggregates whose result does not depend on the order rows are fed in (exact, and equal values are identical). */
  readonly orderInsensitive: boolean;
  readonly compute: PartitionFunction;
}

function compileWindow(call: WindowCall, layout: Layout, ctx: ExecContext): CompiledWindow {
  // The analyzer rejects DISTINCT; a plan that still has it must not silently ignore it.
  if (call.distinct) throw new SqlStateError("DISTINCT is not implemented for window functions", "0A000");
  const compile = (e: ScalarExpr) => compileExpr(e, layout, ctx);
  const windowFunction = WINDOW_FUNCTIONS.get(call.name);
  const resolved = windowFunction ? undefined : resolveAggregate(call.name, call.args.map((a) => a.type));
  return {
    call,
    partition: call.partitionBy.map(compile),
    partitionCmp: keyComparator(call.partitionBy.map(() => ({ desc: false, nullsFirst: false })), call.partitionBy.map((e) => e.type)),
    order: call.orderBy.map((k) => compile(k.expr)),
    orderCmp: keyComparator(call.orderBy, call.orderBy.map((k) => k.expr.type)),
    args: call.args.map(compile),
    filter: compilePredicate(call.filter, layout, ctx),
    accumulator: resolved && (() => resolved.create()),
    strict: call.args.length > 0 && call.name !== "json_agg" && call.name !== "jsonb_agg",
    orderInsensitive: resolved !== undefined && orderInsensitive(call),
    compute: windowFunction ?? aggregateValues,
  };
}

const EXACT_SUMS = new Set(["int2", "int4", "int8", "numeric"]);
/** Types whose equal values print alike (not numeric 1.0 = 1.00, float -0 = 0, char's padding, ...). */
const PLAIN_ORDER = new Set(["int2", "int4", "int8", "date", "timestamp", "timestamptz", "text", "varchar", "bool", "uuid"]);

function orderInsensitive(call: WindowCall): boolean {
  const t = call.args[0]?.type.kind;
  switch (call.name) {
    case "count":
    case "bool_and":
    case "bool_or":
    case "every":
      return true;
    case "sum":
    case "avg":
      return t !== undefined && EXACT_SUMS.has(t);
    case "min":
    case "max":
      return t !== undefined && PLAIN_ORDER.has(t);
    default:
      return false;
  }
}

/** Evaluates the frame's offsets (constants or parameters: the analyzer admits no columns). */
async function resolveFrame(w: CompiledWindow, ctx: ExecContext): Promise<Frame> {
  const spec = w.call.frame;
  if (!spec) return DEFAULT_FRAME;
  const bound = async (b: FrameBoundSpec, which: "starting" | "ending"): Promise<Bound> => {
    if (b.kind !== "preceding" && b.kind !== "following") return { kind: b.kind };
    const c = compileExpr(b.offset, new Map(), ctx);
    const v = c.async ? await c.eval([]) : c.eval([]);
    if (v === null) throw new SqlStateError(`frame ${which} offset must not be null`, "22004");
    if (spec.mode === "range") {
      const key = w.call.orderBy[0]!.expr.type;
      return { kind: b.kind, range: inRangeFor(key, b.offset.type, v as SqlScalar) };
    }
    const rows = BigInt(v as number | bigint);
    if (rows < 0n) throw new SqlStateError(`frame ${which} offset must not be negative`, "22013");
    return { kind: b.kind, rows };
  };
  const start = await bound(spec.start, "starting");
  const end = await bound(spec.end, "ending");
  return { mode: spec.mode, start, end, ...(spec.exclude && { exclude: spec.exclude }) };
}

// ---- evaluating --------------------------------------------------------------------------

/** One partition, sorted, as a window function sees it. */
interface PartitionView extends FramePartition {
  readonly frame: Frame;
  /** Per position: the call's argument values; for aggregates null where FILTER or strictness drops the row. */
  readonly args: readonly (readonly SqlValue[] | null)[];
  readonly window: CompiledWindow;
  readonly ctx: ExecContext;
}

/** Computes the value of every position of a partition. */
type PartitionFunction = (v: PartitionView) => SqlValue[];

async function evaluateWindow(w: CompiledWindow, frame: Frame, rows: readonly Row[], ctx: ExecContext): Promise<{ values: SqlValue[]; order: number[] }> {
  const partitions = new Map<HashKey, { key: SqlValue[]; rows: number[] }>();
  const types = w.call.partitionBy.map((e) => e.type);
  const orderKeys: SqlValue[][] = new Array(rows.length);
  const args: (readonly SqlValue[] | null)[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    if ((i & 1023) === 1023) ctx.checkCancel();
    const row = rows[i]!;
    const key = await evalAll(w.partition, row);
    const h = key.length === 0 ? 0 : hashKey(key, types);
    let part = partitions.get(h);
    if (!part) partitions.set(h, (part = { key, rows: [] }));
    part.rows.push(i);
    orderKeys[i] = await evalAll(w.order, row);
    args[i] = await argumentsOf(w, row);
  }
  const parts = [...partitions.values()];
  if (parts.length > 1) parts.sort((a, b) => w.partitionCmp(a.key, b.key));
  const values: SqlValue[] = new Array(rows.length);
  const order: number[] = [];
  for (const part of parts) {
    ctx.checkCancel();
    const idx = part.rows;
    if (w.order.length > 0) idx.sort((a, b) => w.orderCmp(orderKeys[a]!, orderKeys[b]!) || a - b);
    const groups = peerGroups(idx.length, (a, b) => w.orderCmp(orderKeys[idx[a]!]!, orderKeys[idx[b]!]!) === 0);
    const first = w.call.orderBy[0];
    const view: PartitionView = {
      size: idx.length,
      groups,
      ...(first && hasRangeOffset(frame) && { range: rangeKeys(idx.map((i) => orderKeys[i]![0]!), first.desc, first.nullsFirst) }),
      frame,
      args: idx.map((i) => args[i]!),
      window: w,
      ctx,
    };
    const result = w.compute(view);
    for (let p = 0; p < idx.length; p++) {
      values[idx[p]!] = result[p]!;
      order.push(idx[p]!);
    }
  }
  return { values, order };
}

function hasRangeOffset(f: Frame): boolean {
  return "range" in f.start || "range" in f.end;
}

async function argumentsOf(w: CompiledWindow, row: Row): Promise<readonly SqlValue[] | null> {
  if (w.filter) {
    const ok = w.filter(row);
    if (!(ok === true || (ok !== false && (await ok)))) return null;
  }
  const args = await evalAll(w.args, row);
  return w.strict && w.accumulator && args[0] === null ? null : args;
}

// ---- the functions -----------------------------------------------------------------------

function each(v: PartitionView, f: (p: number) => SqlValue): SqlValue[] {
  const out: SqlValue[] = new Array(v.size);
  for (let p = 0; p < v.size; p++) out[p] = f(p);
  return out;
}

const groupStart = (v: PartitionView, p: number) => v.groups.starts[v.groups.groupOf[p]!]!;
const groupEnd = (v: PartitionView, p: number) => v.groups.starts[v.groups.groupOf[p]! + 1]!;

/** The window-only functions (analyzer/window-functions.ts types them); any other call is an aggregate. */
const WINDOW_FUNCTIONS: ReadonlyMap<string, PartitionFunction> = new Map<string, PartitionFunction>([
  ["row_number", (v) => each(v, (p) => BigInt(p + 1))],
  ["rank", (v) => each(v, (p) => BigInt(groupStart(v, p) + 1))],
  ["dense_rank", (v) => each(v, (p) => BigInt(v.groups.groupOf[p]! + 1))],
  ["percent_rank", (v) => each(v, (p) => (v.size > 1 ? groupStart(v, p) / (v.size - 1) : 0))],
  ["cume_dist", (v) => each(v, (p) => groupEnd(v, p) / v.size)],
  ["ntile", ntile],
  ["lag", (v) => shifted(v, -1)],
  ["lead", (v) => shifted(v, 1)],
  ["first_value", (v) => fromFrame(v, (segs) => (segs.length ? segs[0]! : -1))],
  ["last_value", (v) => fromFrame(v, (segs) => (segs.length ? segs[segs.length - 1]! - 1 : -1))],
  ["nth_value", nthValue],
]);

/**
 * ntile(n): n comes from the partition's first row (as windowfuncs.c reads it once); the first
 * size % n buckets get one row more than the others.
 */
function ntile(v: PartitionView): SqlValue[] {
  if (v.size === 0) return [];
  const n = v.args[0]![0]!;
  if (n === null) return each(v, () => null);
  const buckets = Number(n);
  if (buckets <= 0) throw new SqlStateError("argument of ntile must be greater than zero", "22014");
  const small = Math.floor(v.size / buckets);
  const large = v.size % buckets;
  // Rows in the `large` leading buckets of small + 1 rows, then buckets of `small` rows.
  const split = large * (small + 1);
  return each(v, (p) => (p < split ? Math.floor(p / (small + 1)) + 1 : large + Math.floor((p - split) / Math.max(small, 1)) + 1));
}

/** lag/lead(value [, offset [, default]]): offset and default are read on the current row. */
function shifted(v: PartitionView, direction: 1 | -1): SqlValue[] {
  return each(v, (p) => {
    const a = v.args[p]!;
    const offset = a.length > 1 ? a[1]! : 1;
    if (offset === null) return null;
    const target = p + direction * Number(offset);
    if (target >= 0 && target < v.size) return v.args[target]![0]!;
    return a.length > 2 ? a[2]! : null;
  });
}

/** A value taken from one row of the frame: `pick` chooses a position from the frame's pieces, or -1. */
function fromFrame(v: PartitionView, pick: (segments: number[], p: number) => number | null): SqlValue[] {
  return each(v, (p) => {
    const at = pick(frameSegments(v.frame, v, p), p);
    return at === null || at < 0 ? null : v.args[at]![0]!;
  });
}

function nthValue(v: PartitionView): SqlValue[] {
  return fromFrame(v, (segs, p) => {
    const n = v.args[p]![1]!;
    if (n === null) return null;
    if (Number(n) <= 0) throw new SqlStateError("argument of nth_value must be greater than zero", "22016");
    let left = Number(n);
    for (let i = 0; i < segs.length; i += 2) {
      const len = segs[i + 1]! - segs[i]!;
      if (left <= len) return segs[i]! + left - 1;
      left -= len;
    }
    return -1;
  });
}

/** An aggregate over each row's frame. */
function aggregateValues(v: PartitionView): SqlValue[] {
  const create = v.window.accumulator!;
  const add = (acc: Accumulator, p: number) => {
    const a = v.args[p];
    if (a) acc.add(a);
  };
  const out: SqlValue[] = new Array(v.size);
  if (v.frame.start.kind === "unbounded preceding" && !v.frame.exclude) {
    // Frames that only grow: one accumulator, fed as the end advances.
    const acc = create();
    let added = 0;
    for (let p = 0; p < v.size; p++) {
      const end = Math.max(frameEnd(v.frame, v, p), 0);
      if (end < added) throw new SqlStateError("internal error: window frame end moved backwards", "XX000");
      if (p > 0 && end === added) {
        out[p] = out[p - 1]!;
        continue;
      }
      while (added < end) add(acc, added++);
      out[p] = acc.result();
    }
    return out;
  }
  if (v.frame.end.kind === "unbounded following" && !v.frame.exclude && v.window.orderInsensitive) {
    // Frames that only shrink from the front, for aggregates indifferent to feed order: one
    // accumulator, fed from the back as the start moves back (CURRENT ROW .. UNBOUNDED FOLLOWING).
    const acc = create();
    let from = v.size;
    for (let p = v.size - 1; p >= 0; p--) {
      const start = frameStart(v.frame, v, p);
      if (start > from) throw new SqlStateError("internal error: window frame start moved backwards", "XX000");
      if (p < v.size - 1 && start === from) {
        out[p] = out[p + 1]!;
        continue;
      }
      while (from > start) add(acc, --from);
      out[p] = acc.result();
    }
    return out;
  }
  let previous: number[] | undefined;
  let work = 0;
  for (let p = 0; p < v.size; p++) {
    const segs = frameSegments(v.frame, v, p);
    if (previous && sameSegments(previous, segs)) {
      out[p] = out[p - 1]!;
      continue;
    }
    const acc = create();
    for (let i = 0; i < segs.length; i += 2) {
      for (let q = segs[i]!; q < segs[i + 1]!; q++) add(acc, q);
      work += segs[i + 1]! - segs[i]!;
    }
    // Re-aggregating sliding frames is quadratic at worst: keep it cancellable.
    if (work > 65536) {
      v.ctx.checkCancel();
      work = 0;
    }
    out[p] = acc.result();
    previous = segs;
  }
  return out;
}

function sameSegments(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
