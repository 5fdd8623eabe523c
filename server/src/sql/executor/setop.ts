/**
 * UNION / INTERSECT / EXCEPT, with and without ALL, by hashing whole rows (NULLs equal, as set
 * operations treat them). UNION ALL streams; the others read the right side into a multiset.
 */
import type { PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey, type SqlType } from "../types/index.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, drain, type Operator, type Row } from "./operator.js";

export class SetOpOperator implements Operator {
  private readonly types: SqlType[];
  private out: Row[] = [];
  private at = 0;
  private streamingLeft = true;

  constructor(
    private readonly left: Operator,
    private readonly right: Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "setop" }>,
    private readonly ctx: ExecContext,
  ) {
    this.types = plan.columns.map((c) => c.type);
  }

  async open(): Promise<void> {
    this.out = [];
    this.at = 0;
    const { op, all } = this.plan;
    if (op === "union" && all) {
      this.streamingLeft = true;
      await this.left.open();
      return;
    }
    const left = await drain(this.left);
    const right = await drain(this.right);
    const key = (r: Row): HashKey => hashKey(r, this.types);
    if (op === "union") {
      const seen = new Set<HashKey>();
      for (const r of [...left, ...right]) {
        const k = key(r);
        if (!seen.has(k)) {
          seen.add(k);
          this.out.push(r);
        }
      }
      return;
    }
    const counts = new Map<HashKey, number>();
    for (const r of right) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
    const emitted = new Set<HashKey>();
    for (const r of left) {
      this.ctx.checkCancel();
      const k = key(r);
      const n = counts.get(k) ?? 0;
      if (op === "intersect") {
        if (all) {
          if (n > 0) {
            counts.set(k, n - 1);
            this.out.push(r);
          }
        } else if (n > 0 && !emitted.has(k)) {
          emitted.add(k);
          this.out.push(r);
        }
      } else if (all) {
        if (n > 0) counts.set(k, n - 1);
        else this.out.push(r);
      } else if (n === 0 && !emitted.has(k)) {
        emitted.add(k);
        this.out.push(r);
      }
    }
  }

  async next(): Promise<Row[] | null> {
    if (this.plan.op === "union" && this.plan.all) {
      if (this.streamingLeft) {
        const b = await this.left.next();
        if (b) return b;
        await this.left.close();
        this.streamingLeft = false;
        await this.right.open();
      }
      return this.right.next();
    }
    if (this.at >= this.out.length) return null;
    const b = this.out.slice(this.at, this.at + BATCH_SIZE);
    this.at += b.length;
    return b;
  }

  async close(): Promise<void> {
    if (this.plan.op === "union" && this.plan.all) {
      if (this.streamingLeft) await this.left.close();
      else await this.right.close();
    }
    this.out = [];
  }
}
