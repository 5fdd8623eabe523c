/**
 * Nested loop join: the inner side is re-opened per outer row with that row's columns bound
 * (so an inner scan can use them as key ranges: an index nested loop join), or, when it does not
 * depend on the outer row, read once into memory. Inner, left, right, full, semi and anti joins.
 * Hash and merge joins are in hash-join.ts and merge-join.ts.
 */
import type { ColumnId } from "../plan/expr.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { freeColumnsOfPhysical } from "./physical-columns.js";
import type { SqlValue } from "../types/index.js";
import { compilePredicate, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, drain, type Operator, type Row } from "./operator.js";

type JoinPlan = Extract<PhysicalPlan, { kind: "nested loop join" }>;

function nulls(n: number): SqlValue[] {
  return new Array<SqlValue>(n).fill(null);
}

/** Output rows of a join node are left columns then right columns (hidden row ids dropped). */
abstract class JoinBase implements Operator {
  protected readonly leftWidth: number;
  protected readonly rightWidth: number;
  protected pending: Row[] = [];
  protected leftDone = false;
  protected rightMatched: boolean[] = [];

  constructor(
    protected readonly left: Operator,
    protected readonly plan: JoinPlan,
    protected readonly ctx: ExecContext,
  ) {
    this.leftWidth = plan.left.columns.length;
    this.rightWidth = plan.right.columns.length;
  }

  protected combine(l: Row, r: Row): Row {
    const out = l.length === this.leftWidth ? l.slice() : l.slice(0, this.leftWidth);
    for (let i = 0; i < this.rightWidth; i++) out.push(r[i]!);
    return out;
  }

  protected leftOnly(l: Row): Row {
    return this.plan.type === "semi" || this.plan.type === "anti" ? l.slice(0, this.leftWidth) : [...l.slice(0, this.leftWidth), ...nulls(this.rightWidth)];
  }

  abstract open(): Promise<void>;
  abstract close(): Promise<void>;
  /** Produces output for one batch of left rows into `pending`. */
  protected abstract probe(batch: Row[]): Promise<void>;
  /** After the left side ends: right/full joins emit unmatched right rows. */
  protected abstract finish(): void;

  async next(): Promise<Row[] | null> {
    while (this.pending.length < BATCH_SIZE && !this.leftDone) {
      const b = await this.left.next();
      if (!b) {
        this.leftDone = true;
        this.finish();
        break;
      }
      this.ctx.checkCancel();
      await this.probe(b);
    }
    if (this.pending.length === 0) return null;
    const out = this.pending;
    this.pending = [];
    return out;
  }
}

export class NestedLoopJoinOperator extends JoinBase {
  private readonly on: ((row: Row) => boolean | Promise<boolean>) | undefined;
  /** Left column ids the right side reads (bound per left row). */
  private readonly binds: (readonly [ColumnId, number])[];
  private rightRows: Row[] | undefined;

  constructor(
    left: Operator,
    private readonly right: () => Operator,
    plan: Extract<PhysicalPlan, { kind: "nested loop join" }>,
    ctx: ExecContext,
  ) {
    super(left, plan, ctx);
    const layout = layoutOf([...plan.left.columns, ...plan.right.columns]);
    this.on = compilePredicate(plan.on, layout, ctx);
    const leftLayout = layoutOf(plan.left.columns, plan.left.kind === "scan" ? plan.left.rowId : undefined);
    this.binds = [...freeColumnsOfPhysical(plan.right)].filter((id) => leftLayout.has(id)).map((id) => [id, leftLayout.get(id)!] as const);
  }

  async open(): Promise<void> {
    this.pending = [];
    this.leftDone = false;
    this.rightRows = undefined;
    if (this.binds.length === 0) {
      this.rightRows = await drain(this.right());
      this.rightMatched = new Array<boolean>(this.rightRows.length).fill(false);
    }
    await this.left.open();
  }

  protected async probe(batch: Row[]): Promise<void> {
    const type = this.plan.type;
    for (const l of batch) {
      let rights: Row[];
      if (this.rightRows) {
        rights = this.rightRows;
      } else {
        for (const [id, pos] of this.binds) this.ctx.outer.set(id, l[pos]!);
        rights = await drain(this.right());
      }
      let matched = false;
      for (let i = 0; i < rights.length; i++) {
        const r = rights[i]!;
        const row = this.combine(l, r);
        if (this.on) {
          const ok = this.on(row);
          if (!(ok === true || (ok !== false && (await ok)))) continue;
        }
        matched = true;
        if (this.rightRows) this.rightMatched[i] = true;
        if (type === "semi" || type === "anti") break;
        this.pending.push(row);
      }
      if (!matched && (type === "left" || type === "full" || type === "anti")) this.pending.push(this.leftOnly(l));
      if (matched && type === "semi") this.pending.push(l.slice(0, this.leftWidth));
    }
  }

  protected finish(): void {
    if ((this.plan.type === "right" || this.plan.type === "full") && this.rightRows) {
      this.rightRows.forEach((r, i) => {
        if (!this.rightMatched[i]) this.pending.push([...nulls(this.leftWidth), ...r.slice(0, this.rightWidth)]);
      });
    }
  }

  async close(): Promise<void> {
    for (const [id] of this.binds) this.ctx.outer.delete(id);
    this.rightRows = undefined;
    await this.left.close();
  }
}
