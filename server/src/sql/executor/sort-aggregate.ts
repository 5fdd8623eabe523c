/**
 * Sort (group) aggregation: the input arrives ordered by the group keys (a sort or an index
 * below), so each group's rows are adjacent and only one group is in memory at a time. Group
 * keys are equal as GROUP BY compares them (compareValues, NULLs equal to each other), which is
 * also what the order below groups by. Without GROUP BY there is one group, even over no rows.
 */
import type { PhysicalPlan } from "../plan/physical.js";
import type { SqlType } from "../types/index.js";
import { type AggregateResources, AggregateState, closeSorters, type CompiledAggregate, compileAggregate } from "./aggregate.js";
import { evalAll, evalAllSync } from "./basic.js";
import { compileExpr, type Evaluator, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, type Operator, type Row } from "./operator.js";
import { sameGroup } from "./sort.js";
import { spillConfigOf } from "./spill/spill-config.js";

export class SortAggregateOperator implements Operator {
  private readonly groupExprs: Evaluator[];
  private readonly aggs: CompiledAggregate[];
  private readonly keyTypes: SqlType[];
  private current: { key: Row; states: AggregateState[] } | undefined;
  private inputDone = false;
  private anyRows = false;
  private resources: AggregateResources | undefined;

  constructor(
    private readonly input: Operator,
    private readonly plan: Extract<PhysicalPlan, { kind: "hash aggregate" | "sort aggregate" }>,
    private readonly ctx: ExecContext,
  ) {
    const layout = layoutOf(plan.input.columns, plan.input.kind === "scan" ? plan.input.rowId : undefined);
    this.groupExprs = plan.groupBy.map((g) => compileExpr(g, layout, ctx));
    this.aggs = plan.aggregates.map((a) => compileAggregate(a, layout, ctx));
    this.keyTypes = plan.groupBy.map((g) => g.type);
  }

  async open(): Promise<void> {
    if (this.resources) await closeSorters(this.resources.sorters);
    this.current = undefined;
    this.inputDone = false;
    this.anyRows = false;
    this.resources = { config: spillConfigOf(this.ctx), checkCancel: () => this.ctx.checkCancel(), sorters: new Set() };
    await this.input.open();
  }

  async next(): Promise<Row[] | null> {
    const out: Row[] = [];
    const keysOf = evalAllSync(this.groupExprs);
    while (out.length < BATCH_SIZE && !this.inputDone) {
      this.ctx.checkCancel();
      const b = await this.input.next();
      if (!b) {
        this.inputDone = true;
        if (this.current) out.push(await this.result(this.current));
        else if (!this.anyRows && this.plan.groupBy.length === 0) out.push(await this.result({ key: [], states: this.newStates() }));
        this.current = undefined;
        break;
      }
      this.anyRows = true;
      for (const row of b) {
        const key = keysOf ? keysOf(row) : await evalAll(this.groupExprs, row);
        if (this.current && !sameGroup(this.current.key, key, this.keyTypes)) {
          out.push(await this.result(this.current));
          this.current = undefined;
        }
        this.current ??= { key, states: this.newStates() };
        for (const s of this.current.states) {
          const grew = s.add(row);
          if (typeof grew !== "number") await grew;
        }
      }
    }
    return out.length > 0 ? out : null;
  }

  async close(): Promise<void> {
    this.current = undefined;
    try {
      if (this.resources) await closeSorters(this.resources.sorters);
    } finally {
      await this.input.close();
    }
  }

  private newStates(): AggregateState[] {
    return this.aggs.map((a) => new AggregateState(a, this.resources!));
  }

  private async result(g: { key: Row; states: AggregateState[] }): Promise<Row> {
    const out = [...g.key];
    for (const s of g.states) out.push(await s.result());
    return out;
  }
}
