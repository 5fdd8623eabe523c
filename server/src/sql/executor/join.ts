/**
 * Nested loop join: the inner side is re-opened per outer row with that row's columns bound
 * (so an inner scan can use them as key ranges: an index nested loop join) and streamed, or,
 * when it does not depend on the outer row, read once into a RowBuffer (which spills past
 * work_mem) and walked per outer row. Inner, left, right, full, semi and anti joins; output
 * keeps the left side's order. Hash and merge joins are in hash-join.ts and merge-join.ts.
 */
import type { ColumnId } from "../plan/expr.js";
import type { PhysicalPlan } from "../plan/physical.js";
import type { SqlValue } from "../types/index.js";
import { compilePredicate, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";
import { freeColumnsOfPhysical } from "./physical-columns.js";
import { RowBuffer } from "./spill/row-buffer.js";
import { spillConfigOf } from "./spill/spill-config.js";

function nulls(n: number): SqlValue[] {
  return new Array<SqlValue>(n).fill(null);
}

/** Output rows are left columns then right columns (hidden row ids dropped). */
export class NestedLoopJoinOperator implements Operator {
  private readonly on: ((row: Row) => boolean | Promise<boolean>) | undefined;
  /** Left column ids the right side reads (bound per left row). */
  private readonly binds: (readonly [ColumnId, number])[];
  private readonly leftWidth: number;
  private readonly rightWidth: number;
  /** The right side's rows when it does not depend on the left row. */
  private rightRows: RowBuffer | undefined;
  private rightMatched = new Uint8Array(0);
  private pending: Row[] = [];
  private leftDone = false;
  private leftOpen = false;
  /** The right side when it depends on the left row. */
  private inner: Operator | undefined;

  constructor(
    private readonly left: Operator,
    private readonly right: () => Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "nested loop join" }>,
    private readonly ctx: ExecContext,
  ) {
    this.leftWidth = plan.left.columns.length;
    this.rightWidth = plan.right.columns.length;
    const layout = layoutOf([...plan.left.columns, ...plan.right.columns]);
    this.on = compilePredicate(plan.on, layout, ctx);
    const leftLayout = layoutOf(plan.left.columns, plan.left.kind === "scan" ? plan.left.rowId : undefined);
    this.binds = [...freeColumnsOfPhysical(plan.right)].filter((id) => leftLayout.has(id)).map((id) => [id, leftLayout.get(id)!] as const);
  }

  async open(): Promise<void> {
    await this.close();
    this.pending = [];
    this.leftDone = false;
    if (this.binds.length === 0) {
      const buffer = new RowBuffer(spillConfigOf(this.ctx));
      this.rightRows = buffer;
      const right = this.right();
      await right.open();
      try {
        for (let b = await right.next(); b; b = await right.next()) {
          this.ctx.checkCancel();
          for (const r of b) {
            const spilling = buffer.append(r);
            if (spilling) await spilling;
          }
        }
      } finally {
        await right.close();
      }
      this.rightMatched = new Uint8Array(buffer.length);
    }
    await this.left.open();
    this.leftOpen = true;
  }

  async next(): Promise<Row[] | null> {
    while (this.pending.length < BATCH_SIZE && !this.leftDone) {
      const b = await this.left.next();
      if (!b) {
        this.leftDone = true;
        await this.finish();
        break;
      }
      this.ctx.checkCancel();
      for (const l of b) await this.probe(l);
    }
    if (this.pending.length === 0) return null;
    const out = this.pending;
    this.pending = [];
    return out;
  }

  async close(): Promise<void> {
    for (const [id] of this.binds) this.ctx.outer.delete(id);
    const buffer = this.rightRows;
    this.rightRows = undefined;
    try {
      await buffer?.clear();
    } finally {
      if (this.leftOpen) {
        this.leftOpen = false;
        await this.left.close();
      }
    }
  }

  private combine(l: Row, r: Row): Row {
    const out = l.length === this.leftWidth ? l.slice() : l.slice(0, this.leftWidth);
    for (let i = 0; i < this.rightWidth; i++) out.push(r[i]!);
    return out;
  }

  /**
   * Pairs a left row with a right row (into `pending`, but for semi and anti joins): undefined
   * when ON rejects the pair, else whether the left row needs no more right rows. A promise
   * only when ON is async (a method, not a closure per left row).
   */
  private pair(l: Row, r: Row, at: number | undefined, firstOnly: boolean): boolean | undefined | Promise<boolean | undefined> {
    const row = this.combine(l, r);
    if (this.on) {
      const ok = this.on(row);
      if (ok === false) return undefined;
      if (ok !== true) return ok.then((passed) => (passed ? this.accept(row, at, firstOnly) : undefined));
    }
    return this.accept(row, at, firstOnly);
  }

  private accept(row: Row, at: number | undefined, firstOnly: boolean): boolean {
    if (at !== undefined) this.rightMatched[at] = 1;
    if (firstOnly) return true;
    this.pending.push(row);
    return false;
  }

  /** Pairs one left row with the right side's rows into `pending`. */
  private async probe(l: Row): Promise<void> {
    const type = this.plan.type;
    const firstOnly = type === "semi" || type === "anti";
    let matched = false;
    if (this.rightRows) {
      let i = 0;
      scan: for await (const b of this.rightRows.batches()) {
        for (const r of b) {
          let p = this.pair(l, r, i++, firstOnly);
          if (p instanceof Promise) p = await p;
          if (p === undefined) continue;
          matched = true;
          if (p) break scan;
        }
      }
    } else {
      for (const [id, pos] of this.binds) this.ctx.outer.set(id, l[pos]!);
      // Built once and opened again per left row (operators read their bindings when opened).
      const inner = (this.inner ??= this.right());
      await inner.open();
      try {
        scan: for (let b = await inner.next(); b; b = await inner.next()) {
          for (const r of b) {
            let p = this.pair(l, r, undefined, firstOnly);
            if (p instanceof Promise) p = await p;
            if (p === undefined) continue;
            matched = true;
            if (p) break scan;
          }
        }
      } finally {
        await inner.close();
      }
    }
    if (!matched && (type === "left" || type === "full" || type === "anti")) this.pending.push(firstOnly ? l.slice(0, this.leftWidth) : [...l.slice(0, this.leftWidth), ...nulls(this.rightWidth)]);
    if (matched && type === "semi") this.pending.push(l.slice(0, this.leftWidth));
  }

  /** After the left side ends: right and full joins emit the right rows nothing matched. */
  private async finish(): Promise<void> {
    if ((this.plan.type !== "right" && this.plan.type !== "full") || !this.rightRows) return;
    let i = 0;
    for await (const b of this.rightRows.batches()) {
      for (const r of b) if (!this.rightMatched[i++]) this.pending.push([...nulls(this.leftWidth), ...r.slice(0, this.rightWidth)]);
    }
  }
}
