/**
 * Scans of system tables (pg_catalog, information_schema): the rows are computed from the
 * statement's system snapshot, then filtered and limited like a table scan's.
 */
import type { SystemTable } from "../system/index.js";
import type { PhysicalPlan } from "../plan/physical.js";
import type { SqlValue } from "../types/index.js";
import { compileExpr, compilePredicate, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { RowBatches, type Operator, type Row } from "./operator.js";
import { systemSnapshotOf } from "./system-snapshot.js";

type ScanPlan = Extract<PhysicalPlan, { kind: "scan" }>;

export class SystemScanOperator implements Operator {
  private readonly filter: ReturnType<typeof compilePredicate>;
  private readonly batches = new RowBatches();

  constructor(
    private readonly plan: ScanPlan,
    private readonly ctx: ExecContext,
    private readonly def: SystemTable,
  ) {
    this.filter = compilePredicate(plan.filter, layoutOf(plan.columns, plan.rowId), ctx);
  }

  async open(): Promise<void> {
    const snapshot = await systemSnapshotOf(this.ctx);
    let limit = Infinity;
    if (this.plan.limit) {
      const v = await compileExpr(this.plan.limit, new Map(), this.ctx).eval([]);
      if (v !== null) limit = Number(v);
    }
    const out: Row[] = [];
    let n = 0;
    for (const values of this.def.rows(snapshot)) {
      if (out.length >= limit) break;
      const row: Row = values.slice() as SqlValue[];
      if (this.plan.rowId) row.push(BigInt(++n));
      if (this.filter) {
        const ok = this.filter(row);
        if (!(ok === true || (ok !== false && (await ok)))) continue;
      }
      out.push(row);
    }
    this.batches.reset(out);
  }

  async next(): Promise<Row[] | null> {
    this.ctx.checkCancel();
    return this.batches.next();
  }

  async close(): Promise<void> {
    this.batches.reset([]);
  }
}
