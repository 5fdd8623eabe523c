/**
 * Table scans: rows of a table read through its primary key or a secondary index, within the
 * plan's key ranges, filtered, and locked for SELECT ... FOR UPDATE/SHARE.
 */
import type { KvCursor, KvRange } from "../../kv/kv.js";
import { decodeIndexKey, decodePrimaryKey, encodePrimaryKey } from "../catalog/index.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { RowCodec, sameStoredValue, type RowSelection, type SqlType, type SqlValue } from "../types/index.js";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { compileExpr, compilePredicate, type Evaluator, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { keyColumnsOf, kvRangeOf, pointKeyOf } from "./keys.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";

type ScanPlan = Extract<PhysicalPlan, { kind: "scan" }>;

const codecs = new WeakMap<object, RowCodec>();

/** What range expressions are evaluated over: they read parameters and outer columns only. */
const NO_ROW: Row = [];
const RESOLVED: Promise<void> = Promise.resolve();

/** Values a key range's expressions took in one execution. */
interface RangeValues {
  readonly eq: readonly SqlValue[];
  readonly lower?: SqlValue;
  readonly upper?: SqlValue;
}

export function rowCodecOf(table: ScanPlan["table"]): RowCodec {
  let c = codecs.get(table);
  if (!c) codecs.set(table, (c = new RowCodec(table.columns)));
  return c;
}

// By the plan's `reads` (fixed with the plan's table): scans built per outer row share one.
const selections = new WeakMap<readonly number[], RowSelection>();

function selectionOf(codec: RowCodec, reads: readonly number[]): RowSelection {
  let s = selections.get(reads);
  if (!s || s.codec !== codec) selections.set(reads, (s = codec.select(reads)));
  return s;
}

export class ScanOperator implements Operator {
  private readonly codec: RowCodec;
  /** The columns the statement reads, when not all of them (the plan's `reads`). */
  private readonly selection: RowSelection | undefined;
  private readonly filter: ReturnType<typeof compilePredicate>;
  private readonly rangeExprs: { eq: Evaluator[]; eqTypes: SqlType[]; lower?: Evaluator; upper?: Evaluator }[] | undefined;
  /** Some key-range expression is async (a subquery): open must await it. */
  private readonly asyncRanges: boolean;
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
    this.selection = plan.reads && selectionOf(this.codec, plan.reads);
    const layout = layoutOf(plan.columns, plan.rowId);
    this.filter = compilePredicate(plan.filter, layout, ctx);
    const empty = new Map();
    this.rangeExprs = plan.ranges?.map((r) => ({
      eq: r.eq.map((e) => compileExpr(e, empty, ctx)),
      eqTypes: r.eq.map((e) => e.type),
      ...(r.lower && { lower: compileExpr(r.lower.expr, empty, ctx) }),
      ...(r.upper && { upper: compileExpr(r.upper.expr, empty, ctx) }),
    }));
    this.asyncRanges = this.rangeExprs?.some((r) => r.eq.some((e) => e.async) || r.lower?.async || r.upper?.async) ?? false;
  }

  open(): Promise<void> {
    try {
      if (this.plan.limit || this.asyncRanges) return this.openAsync();
      this.reset();
      this.setRanges(this.rangeValues());
      return RESOLVED;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private reset(): void {
    this.rangeAt = 0;
    this.pointDone = false;
    this.produced = 0;
    this.limit = undefined;
  }

  /** open() when the LIMIT or a key-range expression must be awaited. */
  private async openAsync(): Promise<void> {
    this.reset();
    const p = this.plan;
    if (p.limit) {
      const v = await compileExpr(p.limit, new Map(), this.ctx).eval([]);
      if (v !== null) this.limit = Number(v);
    }
    const values: RangeValues[] = [];
    for (const re of this.rangeExprs ?? []) {
      const eq: SqlValue[] = [];
      for (const e of re.eq) eq.push(await e.eval(NO_ROW));
      values.push({ eq, ...(re.lower && { lower: await re.lower.eval(NO_ROW) }), ...(re.upper && { upper: await re.upper.eval(NO_ROW) }) });
    }
    this.setRanges(values);
  }

  /** The key ranges' values, all expressions being synchronous (so a statement's ranges cost no turns of the event loop). */
  private rangeValues(): RangeValues[] {
    const values: RangeValues[] = [];
    for (const re of this.rangeExprs ?? []) {
      const eq: SqlValue[] = [];
      for (const e of re.eq) eq.push(e.eval(NO_ROW) as SqlValue);
      values.push({ eq, ...(re.lower && { lower: re.lower.eval(NO_ROW) as SqlValue }), ...(re.upper && { upper: re.upper.eval(NO_ROW) as SqlValue }) });
    }
    return values;
  }

  private setRanges(values: readonly RangeValues[]): void {
    const p = this.plan;
    const shape = keyColumnsOf(p.table, p.index);
    if (!this.rangeExprs) {
      const r = kvRangeOf(p.table, shape, { eq: [], eqTypes: [] });
      this.ranges = r ? [r] : [];
      return;
    }
    const out: KvRange[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      const spec = p.ranges![i]!;
      if (p.point && !spec.lower && !spec.upper) {
        // A point lookup reads one key: no end to compute.
        const key = pointKeyOf(p.table, shape, { eq: v.eq, eqTypes: this.rangeExprs[i]!.eqTypes });
        if (key) out.push({ start: key });
        continue;
      }
      const lower = spec.lower && { value: v.lower as SqlValue, type: spec.lower.expr.type, inclusive: spec.lower.inclusive };
      const upper = spec.upper && { value: v.upper as SqlValue, type: spec.upper.expr.type, inclusive: spec.upper.inclusive };
      const r = kvRangeOf(p.table, shape, { eq: v.eq, eqTypes: this.rangeExprs[i]!.eqTypes, ...(lower && { lower }), ...(upper && { upper }) });
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

  /** A point lookup without LIMIT or row locks: its rows with one await per key (see Operator.readAll). */
  readAll(): Promise<Row[]> | undefined {
    if (!this.plan.point || this.plan.limit || this.plan.lock) return undefined;
    return this.readPoints();
  }

  private async readPoints(): Promise<Row[]> {
    if (this.asyncRanges) {
      await this.openAsync();
    } else {
      this.reset();
      this.setRanges(this.rangeValues());
    }
    const out: Row[] = [];
    for (const r of this.ranges) {
      this.ctx.checkCancel();
      const pause = this.ctx.yieldIfDue();
      if (pause) await pause;
      const key = r.start as Uint8Array;
      const value = await this.ctx.tx.get(key);
      if (value) {
        const pending = this.emit(key, value, out);
        if (pending) await pending;
      }
    }
    return out;
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
    const row: Row = this.selection ? this.codec.decodeSome(value, this.selection) : this.codec.decode(value);
    if (this.plan.rowId) row.push(decodePrimaryKey(this.plan.table, key)[0]!);
    if (this.filter) {
      const ok = this.filter(row);
      if (ok === false) return undefined;
      if (ok !== true) return this.emitPassed(ok, key, value, row, out);
    }
    if (this.plan.lock) return this.lockAndAdd(key, value, row, out);
    this.produced++;
    out.push(row);
    return undefined;
  }

  private async emitPassed(ok: Promise<boolean>, key: Uint8Array, value: Uint8Array, row: Row, out: Row[]): Promise<void> {
    if (!(await ok)) return;
    if (this.plan.lock) return this.lockAndAdd(key, value, row, out);
    this.produced++;
    out.push(row);
  }

  /**
   * Locks the row, then adds it as it is now. NOWAIT fails at once (55P03) and SKIP LOCKED leaves
   * the row out when another transaction holds it. At Read Committed the lock may have waited
   * for a transaction that changed the row, and the row returned must be the one locked, as
   * PostgreSQL's EvalPlanQual returns it: read it again, leave it out if it was deleted or no
   * longer passes the filter, return the new version otherwise. A secondary index scan whose
   * index columns changed cannot tell whether the row is still in its range: 40001, as UPDATE does.
   * The other levels keep their snapshot (locking a row changed after it fails with 40001).
   */
  private async lockAndAdd(key: Uint8Array, value: Uint8Array, row: Row, out: Row[]): Promise<void> {
    const tx = this.ctx.tx;
    const mode = this.plan.lock === "update" || this.plan.lock === "no key update" ? "exclusive" : "shared";
    if (this.plan.lockWait === undefined) {
      await tx.lockKey(key, mode);
    } else if (!tx.tryLockKey(key, mode)) {
      if (this.plan.lockWait === "skip locked") return;
      throw new SqlStateError(`could not obtain lock on row in relation "${this.plan.table.name}"`, "55P03");
    }
    if (tx.isolation === "read-committed") {
      tx.beginStatement();
      const now = await tx.get(key);
      if (now === undefined) return;
      if (Buffer.compare(now, value) !== 0) {
        const fresh = this.codec.decode(now);
        if (this.plan.rowId) fresh.push(row[row.length - 1]!);
        if (this.plan.index) {
          for (const c of this.plan.index.columns) {
            const p = this.plan.table.columns.findIndex((x) => x.id === c.columnId);
            if (!sameStoredValue(fresh[p]!, row[p]!, this.plan.table.columns[p]!.type)) throw new SqlStateError("could not serialize access due to concurrent update", "40001");
          }
        }
        if (this.filter) {
          const ok = this.filter(fresh);
          if (!(ok === true || (ok !== false && (await ok)))) return;
        }
        row = fresh;
      }
    }
    this.produced++;
    out.push(row);
  }

  async close(): Promise<void> {
    this.cursor?.close();
    this.cursor = undefined;
  }
}
