/** Builds the operator tree for a physical plan. */
import type { PhysicalPlan } from "../plan/physical.js";
import { HashAggregateOperator } from "./aggregate.js";
import { DistinctOperator, FilterOperator, LimitOperator, ProjectOperator, ValuesOperator } from "./basic.js";
import type { ExecContext, NodeStats } from "./context.js";
import { CteScanOperator, WithOperator, worktableKey } from "./cte.js";
import { HashDistinctOperator } from "./distinct.js";
import { DeleteOperator, InsertOperator, UpdateOperator } from "./dml.js";
import { HashJoinOperator } from "./hash-join.js";
import { NestedLoopJoinOperator } from "./join.js";
import { MergeJoinOperator } from "./merge-join.js";
import type { Operator, Row } from "./operator.js";
import { ScanOperator } from "./scan.js";
import { systemTableOf } from "../system/index.js";
import { SystemScanOperator } from "./system-scan.js";
import { FunctionScanOperator } from "./function-scan.js";
import { SetOpOperator } from "./setop.js";
import { SortAggregateOperator } from "./sort-aggregate.js";
import { SortOperator } from "./sort.js";
import { VectorSearchOperator } from "./vector-search.js";
import { WindowOperator } from "./window.js";

export function buildOperator(p: PhysicalPlan, ctx: ExecContext): Operator {
  const op = buildNode(p, ctx);
  return ctx.analyze ? new Instrumented(op, statsFor(ctx.analyze, p)) : op;
}

function statsFor(m: Map<PhysicalPlan, NodeStats>, p: PhysicalPlan): NodeStats {
  let s = m.get(p);
  if (!s) m.set(p, (s = { rows: 0, loops: 0, timeMs: 0 }));
  return s;
}

function buildNode(p: PhysicalPlan, ctx: ExecContext): Operator {
  switch (p.kind) {
    case "scan": {
      const system = systemTableOf(p.table);
      return system ? new SystemScanOperator(p, ctx, system) : new ScanOperator(p, ctx);
    }
    case "values":
      return new ValuesOperator(p, ctx);
    case "function scan":
      return new FunctionScanOperator(p, ctx);
    case "filter":
      return new FilterOperator(buildOperator(p.input, ctx), p, ctx);
    case "project":
      return new ProjectOperator(buildOperator(p.input, ctx), p, ctx);
    case "limit":
      return new LimitOperator(buildOperator(p.input, ctx), p, ctx);
    case "distinct":
      return p.on ? new DistinctOperator(buildOperator(p.input, ctx), p, ctx) : new HashDistinctOperator(buildOperator(p.input, ctx), p, ctx);
    case "sort":
      return new SortOperator(buildOperator(p.input, ctx), p, ctx);
    case "hash aggregate":
      return new HashAggregateOperator(buildOperator(p.input, ctx), p, ctx);
    case "sort aggregate":
      return new SortAggregateOperator(buildOperator(p.input, ctx), p, ctx);
    case "nested loop join":
      return new NestedLoopJoinOperator(buildOperator(p.left, ctx), () => buildOperator(p.right, ctx), p, ctx);
    case "hash join":
      return new HashJoinOperator(buildOperator(p.left, ctx), buildOperator(p.right, ctx), p, ctx);
    case "merge join":
      return new MergeJoinOperator(buildOperator(p.left, ctx), buildOperator(p.right, ctx), p, ctx);
    case "setop":
      return new SetOpOperator(buildOperator(p.left, ctx), buildOperator(p.right, ctx), p, ctx);
    case "with":
      return new WithOperator(p, buildOperator(p.body, ctx), (q) => buildOperator(q, ctx), ctx);
    case "cte scan":
      return new CteScanOperator(p.cteId, ctx);
    case "worktable scan":
      return new CteScanOperator(worktableKey(p.cteId), ctx);
    case "window":
      return new WindowOperator(buildOperator(p.input, ctx), p, ctx);
    case "insert":
      return new InsertOperator(buildOperator(p.source, ctx), p, ctx);
    case "update":
      return new UpdateOperator(buildOperator(p.input, ctx), p, ctx);
    case "delete":
      return new DeleteOperator(buildOperator(p.input, ctx), p, ctx);
    case "vector search":
      return new VectorSearchOperator(p, ctx);
  }
}

/** Counts rows, loops and time per node for EXPLAIN ANALYZE. */
class Instrumented implements Operator {
  constructor(
    private readonly inner: Operator,
    private readonly stats: NodeStats,
  ) {}
  async open(): Promise<void> {
    const t = performance.now();
    this.stats.loops++;
    await this.inner.open();
    this.stats.timeMs += performance.now() - t;
  }
  async next(): Promise<Row[] | null> {
    const t = performance.now();
    const b = await this.inner.next();
    this.stats.timeMs += performance.now() - t;
    if (b) this.stats.rows += b.length;
    return b;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  get affected(): number {
    return (this.inner as { affected?: number }).affected ?? 0;
  }
}
