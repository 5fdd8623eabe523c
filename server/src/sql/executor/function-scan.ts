/**
 * Set-returning functions in FROM: the arguments are evaluated when the scan opens (they may
 * read an enclosing query's row), then the function's values are produced in batches as asked
 * for, so a long series is never held in memory whole.
 */
import type { PhysicalPlan } from "../plan/physical.js";
import type { SqlValue } from "../types/index.js";
import { compileExpr, type Evaluator } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";

type FunctionScanPlan = Extract<PhysicalPlan, { kind: "function scan" }>;

export class FunctionScanOperator implements Operator {
  private readonly args: Evaluator[];
  private values: Iterator<SqlValue | readonly SqlValue[]> | undefined;
  private ordinal = 0;

  constructor(
    private readonly plan: FunctionScanPlan,
    private readonly ctx: ExecContext,
  ) {
    this.args = plan.args.map((a) => compileExpr(a, new Map(), ctx));
  }

  async open(): Promise<void> {
    const args: SqlValue[] = [];
    for (const a of this.args) args.push(await a.eval([]));
    this.values = this.plan.fn.rows(args)[Symbol.iterator]();
    this.ordinal = 0;
  }

  async next(): Promise<Row[] | null> {
    this.ctx.checkCancel();
    const out: Row[] = [];
    while (out.length < BATCH_SIZE) {
      const r = this.values?.next();
      if (!r || r.done) break;
      this.ordinal++;
      const row: SqlValue[] = this.plan.fn.columns ? [...(r.value as readonly SqlValue[])] : [r.value as SqlValue];
      if (this.plan.ordinality) row.push(BigInt(this.ordinal));
      out.push(row);
    }
    return out.length > 0 ? out : null;
  }

  async close(): Promise<void> {
    this.values = undefined;
  }
}
