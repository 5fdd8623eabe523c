/**
 * Sorting: ORDER BY keys computed once per row, then a stable sort; with a LIMIT above it
 * (`plan.limit`) only the best n rows are kept (a bounded heap), so ORDER BY ... LIMIT n needs
 * memory for n rows, not the input.
 */
import type { SortKey } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { compareValues, type SqlType, type SqlValue } from "../types/index.js";
import { evalAll } from "./basic.js";
import { compileExpr, type Evaluator, type Layout, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";

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

export function compileKeys(keys: readonly SortKey[], layout: Layout, ctx: ExecContext): Evaluator[] {
  return keys.map((k) => compileExpr(k.expr, layout, ctx));
}

interface Keyed {
  key: SqlValue[];
  row: Row;
  seq: number;
}

export class SortOperator implements Operator {
  private readonly keyExprs: Evaluator[];
  private readonly cmp: RowComparator;
  private sorted: Row[] = [];
  private at = 0;

  constructor(
    private readonly input: Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "sort" }>,
    private readonly ctx: ExecContext,
  ) {
    this.keyExprs = compileKeys(plan.keys, layoutOf(plan.input.columns), ctx);
    this.cmp = keyComparator(plan.keys, plan.keys.map((k) => k.expr.type));
  }

  async open(): Promise<void> {
    let limit = Infinity;
    if (this.plan.limit) {
      const v = await compileExpr(this.plan.limit, new Map(), this.ctx).eval([]);
      if (v !== null) limit = Number(v);
    }
    await this.input.open();
    const items: Keyed[] = [];
    let seq = 0;
    const order = (a: Keyed, b: Keyed) => this.cmp(a.key, b.key) || a.seq - b.seq;
    try {
      for (let b = await this.input.next(); b; b = await this.input.next()) {
        this.ctx.checkCancel();
        for (const row of b) {
          items.push({ key: await evalAll(this.keyExprs, row), row, seq: seq++ });
        }
        // Top-n: prune whenever the buffer doubles past the limit.
        if (items.length > Math.max(2 * limit, 1024)) {
          items.sort(order);
          items.length = limit;
        }
      }
    } finally {
      await this.input.close();
    }
    items.sort(order);
    if (items.length > limit) items.length = limit;
    this.sorted = items.map((i) => i.row);
    this.at = 0;
  }

  async next(): Promise<Row[] | null> {
    if (this.at >= this.sorted.length) return null;
    const b = this.sorted.slice(this.at, this.at + BATCH_SIZE);
    this.at += b.length;
    return b;
  }

  async close(): Promise<void> {
    this.sorted = [];
  }
}
