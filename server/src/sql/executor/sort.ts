/**
 * Sorting: ORDER BY keys computed once per row, then a stable external sort (spill/external-sort.ts)
 * within work_mem; with a LIMIT above it (`plan.limit`) only the best n rows are kept, so
 * ORDER BY ... LIMIT n needs memory for n rows, not the input.
 */
import type { SortKey } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { compareValues, type SqlType, type SqlValue } from "../types/index.js";
import { evalAll, evalAllSync } from "./basic.js";
import { compileExpr, type Evaluator, type Layout, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import type { Operator, Row } from "./operator.js";
import { ExternalSorter } from "./spill/external-sort.js";
import { spillConfigOf } from "./spill/spill-config.js";

export type RowComparator = (a: SqlValue[], b: SqlValue[]) => number;

/** Compares key tuples by the sort keys' directions and NULL placement. */
export function keyComparator(keys: readonly Pick<SortKey, "desc" | "nullsFirst">[], types: readonly SqlType[]): RowComparator {
  return (a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const k = keys[i]!;
      let c: number;
      if (x === null || y === null) {
        if (x === y) continue;
        c = x === null ? (k.nullsFirst ? -1 : 1) : k.nullsFirst ? 1 : -1;
        if (c !== 0) return c;
        continue;
      }
      c = compareValues(x, y, types[i]!);
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  };
}

/** Whether two key tuples are equal as GROUP BY and DISTINCT compare them (NULLs equal). */
export function sameGroup(a: readonly SqlValue[], b: readonly SqlValue[], types: readonly SqlType[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === null || y === null) {
      if (x !== y) return false;
      continue;
    }
    if (compareValues(x, y, types[i]!) !== 0) return false;
  }
  return true;
}

export function compileKeys(keys: readonly SortKey[], layout: Layout, ctx: ExecContext): Evaluator[] {
  return keys.map((k) => compileExpr(k.expr, layout, ctx));
}

export class SortOperator implements Operator {
  private readonly keyExprs: Evaluator[];
  private readonly cmp: RowComparator;
  private sorter: ExternalSorter | undefined;

  constructor(
    private readonly input: Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "sort" }>,
    private readonly ctx: ExecContext,
  ) {
    this.keyExprs = compileKeys(plan.keys, layoutOf(plan.input.columns), ctx);
    this.cmp = keyComparator(plan.keys, plan.keys.map((k) => k.expr.type));
  }

  async open(): Promise<void> {
    await this.sorter?.close();
    let limit = Infinity;
    if (this.plan.limit) {
      const v = await compileExpr(this.plan.limit, new Map(), this.ctx).eval([]);
      if (v !== null) limit = Number(v);
    }
    const sorter = new ExternalSorter(this.cmp, this.keyExprs.length, spillConfigOf(this.ctx), () => this.ctx.checkCancel(), limit);
    this.sorter = sorter;
    const keysOf = evalAllSync(this.keyExprs);
    try {
      await this.input.open();
      try {
        for (let b = await this.input.next(); b; b = await this.input.next()) {
          this.ctx.checkCancel();
          for (const row of b) await sorter.add(keysOf ? keysOf(row) : await evalAll(this.keyExprs, row), row);
        }
      } finally {
        await this.input.close();
      }
      await sorter.finish();
    } catch (e) {
      await sorter.close().catch(() => undefined);
      throw e;
    }
  }

  next(): Promise<Row[] | null> {
    return this.sorter ? this.sorter.next() : Promise.resolve(null);
  }

  async close(): Promise<void> {
    const s = this.sorter;
    this.sorter = undefined;
    await s?.close();
  }
}
