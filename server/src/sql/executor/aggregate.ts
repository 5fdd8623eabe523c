/**
 * Hash aggregation: one group per distinct grouping key (NULLs group together), each with an
 * accumulator per aggregate. DISTINCT aggregates keep the set of argument tuples seen; FILTER
 * skips rows; ORDER BY inside an aggregate buffers the group's rows and sorts them first.
 * Without GROUP BY there is exactly one group, even over no rows.
 */
import { type Accumulator, resolveAggregate } from "../functions/aggregates.js";
import type { AggregateCall } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey, type SqlValue } from "../types/index.js";
import { evalAll } from "./basic.js";
import { compileExpr, compilePredicate, type Evaluator, type Layout, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";
import { keyComparator } from "./sort.js";

/** Feeds one aggregate call's rows (DISTINCT, FILTER and ORDER BY applied) into its accumulator. */
export class AggregateState {
  private readonly acc: Accumulator;
  private readonly seen: Set<HashKey> | undefined;
  private readonly buffered: { key: SqlValue[]; args: SqlValue[] }[] | undefined;

  constructor(private readonly spec: CompiledAggregate) {
    this.acc = spec.create();
    this.seen = spec.call.distinct ? new Set() : undefined;
    this.buffered = spec.orderBy ? [] : undefined;
  }

  async add(row: Row): Promise<void> {
    const s = this.spec;
    if (s.filter) {
      const ok = s.filter(row);
      if (!(ok === true || (ok !== false && (await ok)))) return;
    }
    const args = await evalAll(s.args, row);
    // Strict aggregates ignore rows whose (first) argument is NULL; count(*) counts every row.
    if (args.length > 0 && s.call.name !== "json_agg" && s.call.name !== "jsonb_agg" && args[0] === null) return;
    if (this.seen) {
      const k = hashKey(args, s.argTypes);
      if (this.seen.has(k)) return;
      this.seen.add(k);
    }
    if (this.buffered) {
      this.buffered.push({ key: await evalAll(s.orderBy!, row), args });
      return;
    }
    this.acc.add(args);
  }

  result(): SqlValue {
    if (this.buffered) {
      const cmp = this.spec.orderCmp!;
      this.buffered.sort((a, b) => cmp(a.key, b.key));
      for (const b of this.buffered) this.acc.add(b.args);
    }
    return this.acc.result();
  }
}

export interface CompiledAggregate {
  readonly call: AggregateCall;
  readonly args: Evaluator[];
  readonly argTypes: AggregateCall["args"][number]["type"][];
  readonly filter: ((row: Row) => boolean | Promise<boolean>) | undefined;
  readonly orderBy: Evaluator[] | undefined;
  readonly orderCmp: ReturnType<typeof keyComparator> | undefined;
  readonly create: () => Accumulator;
}

export function compileAggregate(call: AggregateCall, layout: Layout, ctx: ExecContext): CompiledAggregate {
  const resolved = resolveAggregate(call.name, call.args.map((a) => a.type));
  return {
    call,
    args: call.args.map((a) => compileExpr(a, layout, ctx)),
    argTypes: call.args.map((a) => a.type),
    filter: compilePredicate(call.filter, layout, ctx),
    orderBy: call.orderBy?.map((k) => compileExpr(k.expr, layout, ctx)),
    orderCmp: call.orderBy ? keyComparator(call.orderBy, call.orderBy.map((k) => k.expr.type)) : undefined,
    create: () => resolved.create(),
  };
}

export class HashAggregateOperator implements Operator {
  private readonly groupExprs: Evaluator[];
  private readonly aggs: CompiledAggregate[];
  private results: Row[] = [];
  private at = 0;

  constructor(
    private readonly input: Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "hash aggregate" | "sort aggregate" }>,
    private readonly ctx: ExecContext,
  ) {
    const layout = layoutOf(plan.input.columns, plan.input.kind === "scan" ? plan.input.rowId : undefined);
    this.groupExprs = plan.groupBy.map((g) => compileExpr(g, layout, ctx));
    this.aggs = plan.aggregates.map((a) => compileAggregate(a, layout, ctx));
  }

  async open(): Promise<void> {
    const groups = new Map<HashKey, { key: Row; states: AggregateState[] }>();
    const types = this.plan.groupBy.map((g) => g.type);
    await this.input.open();
    try {
      for (let b = await this.input.next(); b; b = await this.input.next()) {
        this.ctx.checkCancel();
        for (const row of b) {
          const key = await evalAll(this.groupExprs, row);
          const h = key.length === 0 ? 0 : hashKey(key, types);
          let g = groups.get(h);
          if (!g) groups.set(h, (g = { key, states: this.aggs.map((a) => new AggregateState(a)) }));
          for (const s of g.states) await s.add(row);
        }
      }
    } finally {
      await this.input.close();
    }
    if (groups.size === 0 && this.plan.groupBy.length === 0) groups.set(0, { key: [], states: this.aggs.map((a) => new AggregateState(a)) });
    this.results = [...groups.values()].map((g) => [...g.key, ...g.states.map((s) => s.result())]);
    this.at = 0;
  }

  async next(): Promise<Row[] | null> {
    if (this.at >= this.results.length) return null;
    const b = this.results.slice(this.at, this.at + BATCH_SIZE);
    this.at += b.length;
    return b;
  }

  async close(): Promise<void> {
    this.results = [];
  }
}
