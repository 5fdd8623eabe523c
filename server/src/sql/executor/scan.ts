/**
 * Table scans: rows of a table read through its primary key or a secondary index, within the
 * plan's key ranges, filtered, and locked for SELECT ... FOR UPDATE/SHARE.
 */
import type { KvCursor, KvRange } from "../../kv/kv.js";
import { decodeIndexKey, decodePrimaryKey, encodePrimaryKey } from "../catalog/index.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { RowCodec, type SqlType, type SqlValue } from "../types/index.js";
import { compileExpr, compilePredicate, type Evaluator, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { keyColumnsOf, kvRangeOf } from "./keys.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";

type ScanPlan = Extract<PhysicalPlan, { kind: "scan" }>;

const codecs = new WeakMap<object, RowCodec>();

/** What range expressions are evaluated over: they read parameters and outer columns only. */
const NO_ROW: Row = [];

export function rowCodecOf(table: ScanPlan["table"]): RowCodec {
  let c = codecs.get(table);
  if (!c) codecs.set(table, (c = new RowCodec(table.columns)));
  return c;
}

export class ScanOperator implements Operator {
  private readonly codec: RowCodec;
  private readonly filter: ReturnType<typeof compilePredicate>;
  private readonly rangeExprs: { eq: Evaluator[]; eqTypes: SqlType[]; lower?: Evaluator; upper?: Evaluator }[] | undefined;
  private ranges: KvRange[] = [];
  private rangeAt = 0;
  private cursor: KvCursor | undefined;
  private pointDone = false;
  private limit: number | undefined;
  private produced = 0;

  constructor(
    private readonly plan: ScanPlan,
    private readonly ctx: ExecContext,
  ) {
    this.codec = rowCodecOf(plan.table);
    const layout = layoutOf(plan.columns, plan.rowId);
    this.filter = compilePredicate(plan.filter, layout, ctx);
    const empty = new Map();
    this.rangeExprs = plan.ranges?.map((r) => ({
      eq: r.eq.map((e) => compileExpr(e, empty, ctx)),
      eqTypes: r.eq.map((e) => e.type),
      ...(r.lower && { lower: compileExpr(r.lower.expr, empty, ctx) }),
      ...(r.upper && { upper: compileExpr(r.upper.expr, empty, ctx) }),
    }));
  }

  async open(): Promise<void> {
    const p = this.plan;
    this.rangeAt = 0;
    this.pointDone = false;
    this.produced = 0;
    this.limit = undefined;
    if (p.limit) {
      const v = await compileExpr(p.limit, new Map(), this.ctx).eval([]);
      if (v !== null) this.limit = Number(v);
    }
    const shape = keyColumnsOf(p.table, p.index);
    if (!this.rangeExprs) {
      const r = kvRangeOf(p.table, shape, { eq: [], eqTypes: [] });
      this.ranges = r ? [r] : [];
      return;
    }
    const out: KvRange[] = [];
    for (let i = 0; i < this.rangeExprs.length; i++) {
      const re = this.rangeExprs[i]!;
      const spec = p.ranges![i]!;
      const eq: SqlValue[] = [];
      // Awaited only when async, so that a statement's key ranges cost no turns of the event loop.
      for (const e of re.eq) eq.push(e.async ? await e.eval(NO_ROW) : e.eval(NO_ROW));
      const lower = re.lower ? { value: re.lower.async ? await re.lower.eval(NO_ROW) : re.lower.eval(NO_ROW), type: spec.lower!.expr.type, inclusive: spec.lower!.inclusive } : undefined;
      const upper = re.upper ? { value: re.upper.async ? await re.upper.eval(NO_ROW) : re.upper.eval(NO_ROW), type: spec.upper!.expr.type, inclusive: spec.upper!.inclusive } : undefined;
      const r = kvRangeOf(p.table, shape, { eq, eqTypes: re.eqTypes, ...(lower && { lower }), ...(upper && { upper }) });
      if (r) out.push(r);
    }
    // IN lists may repeat a value or overlap: read each key range once, in key order.
    if (out.length > 1) {
      out.sort((a, b) => Buffer.compare(a.start as Buffer, b.start as Buffer));
      this.ranges = out.filter((r, i) => i === 0 || Buffer.compare(r.start as Buffer, out[i - 1]!.start as Buffer) !== 0);
    } else {
      this.ranges = out;
    }
    // A reverse scan delivers descending key order across its ranges too.
    if (p.reverse) this.ranges.reverse();
  }

  async next(): Promise<Row[] | null> {
    if (this.limit !== undefined && this.produced >= this.limit) return null;
    const out: Row[] = [];
    while (out.length === 0) {
      this.ctx.checkCancel();
      const pause = this.ctx.yieldIfDue();
      if (pause) await pause;
      if (this.plan.point) {
        if (this.rangeAt >= this.ranges.length) return null;
        const r = this.ranges[this.rangeAt++]!;
        const key = r.start as Uint8Array;
        const value = await this.ctx.tx.get(key);
        if (value) {
          const pending = this.emit(key, value, out);
          if (pending) await pending;
        }
        continue;
      }
      if (!this.cursor) {
        if (this.rangeAt >= this.ranges.length) return out.length ? out : null;
        const r = this.ranges[this.rangeAt++]!;
        this.cursor = this.ctx.tx.scan({ ...r, ...(this.plan.reverse && { reverse: true }) });
      }
      const batch = await this.cursor.nextBatch(BATCH_SIZE);
      if (batch.length === 0) {
        this.cursor.close();
        this.cursor = undefined;
        continue;
      }
      for (const entry of batch) {
        if (this.plan.index) {
          const { primaryKey } = decodeIndexKey(this.plan.index, this.plan.table, entry.key);
          const rowKey = encodePrimaryKey(this.plan.table, primaryKey);
          const value = await this.ctx.tx.get(rowKey);
          if (value) {
            const pending = this.emit(rowKey, value, out);
            if (pending) await pending;
          }
        } else {
          const pending = this.emit(entry.key, entry.value, out);
          if (pending) await pending;
        }
        if (this.limit !== undefined && this.produced >= this.limit) break;
      }
      if (this.limit !== undefined && this.produced >= this.limit) break;
    }
    void this.pointDone;
    return out.length ? out : null;
  }

  /** Adds the row if it passes the filter (locking it first if the plan locks); a promise only when that waits. */
  private emit(key: Uint8Array, value: Uint8Array, out: Row[]): Promise<void> | undefined {
    const row: Row = this.codec.decode(value);
    if (this.plan.rowId) row.push(decodePrimaryKey(this.plan.table, key)[0]!);
    if (this.filter) {
      const ok = this.filter(row);
      if (ok === false) return undefined;
      if (ok !== true) return this.emitPassed(ok, key, row, out);
    }
    if (this.plan.lock) return this.lockAndAdd(key, row, out);
    this.produced++;
    out.push(row);
    return undefined;
  }

  private async emitPassed(ok: Promise<boolean>, key: Uint8Array, row: Row, out: Row[]): Promise<void> {
    if (!(await ok)) return;
    if (this.plan.lock) return this.lockAndAdd(key, row, out);
    this.produced++;
    out.push(row);
  }

  private async lockAndAdd(key: Uint8Array, row: Row, out: Row[]): Promise<void> {
    await this.ctx.tx.lockKey(key, this.plan.lock === "update" || this.plan.lock === "no key update" ? "exclusive" : "shared");
    this.produced++;
    out.push(row);
  }

  async close(): Promise<void> {
    this.cursor?.close();
    this.cursor = undefined;
  }
}
