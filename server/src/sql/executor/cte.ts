/**
 * WITH: each CTE is computed once per execution, before the body, and read by `cte scan`s.
 * WITH RECURSIVE iterates the recursive term over the previous iteration's rows (the worktable)
 * until it yields nothing new (UNION drops rows already produced; UNION ALL keeps all).
 */
import type { PhysicalCte, PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey } from "../types/index.js";
import type { ExecContext } from "./context.js";
import { drain, RowBatches, type Operator, type Row } from "./operator.js";

/** Worktables live beside materialised CTEs under the negated id. */
export const worktableKey = (cteId: number) => -cteId;

export class WithOperator implements Operator {
  constructor(
    private readonly plan: Extract<PhysicalPlan, { kind: "with" }>,
    private readonly body: Operator,
    private readonly build: (p: PhysicalPlan) => Operator,
    private readonly ctx: ExecContext,
  ) {}

  async open(): Promise<void> {
    for (const c of this.plan.ctes) this.ctx.ctes.set(c.id, await this.materialise(c));
    await this.body.open();
  }

  /** WITH ... INSERT / UPDATE / DELETE: the body's count of written rows, for the command tag. */
  get affected(): number | undefined {
    return (this.body as { affected?: number }).affected;
  }

  private async materialise(c: PhysicalCte): Promise<Row[]> {
    const anchor = await drain(this.build(c.plan));
    if (!c.recursive) return anchor;
    const types = c.columns.map((x) => x.type);
    const seen = new Set<HashKey>();
    const result: Row[] = [];
    const fresh = (rows: Row[]): Row[] => {
      if (c.recursive!.all) return rows;
      const out: Row[] = [];
      for (const r of rows) {
        const k = hashKey(r, types);
        if (!seen.has(k)) {
          seen.add(k);
          out.push(r);
        }
      }
      return out;
    };
    let work = fresh(anchor);
    while (work.length > 0) {
      this.ctx.checkCancel();
      for (const r of work) result.push(r);
      this.ctx.ctes.set(worktableKey(c.id), work);
      work = fresh(await drain(this.build(c.recursive.term)));
    }
    this.ctx.ctes.delete(worktableKey(c.id));
    return result;
  }

  next(): Promise<Row[] | null> {
    return this.body.next();
  }

  async close(): Promise<void> {
    await this.body.close();
    for (const c of this.plan.ctes) this.ctx.ctes.delete(c.id);
  }
}

export class CteScanOperator implements Operator {
  private readonly batches = new RowBatches();
  constructor(
    private readonly key: number,
    private readonly ctx: ExecContext,
  ) {}
  async open(): Promise<void> {
    this.batches.reset(this.ctx.ctes.get(this.key) ?? []);
  }
  async next(): Promise<Row[] | null> {
    return this.batches.next();
  }
  async close(): Promise<void> {
    this.batches.reset([]);
  }
}
