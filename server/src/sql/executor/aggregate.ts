/**
 * Hash aggregation: one group per distinct grouping key (NULLs group together), each with an
 * accumulator per aggregate, within work_mem (see HashAggregateOperator). FILTER skips rows;
 * DISTINCT and ORDER BY inside an aggregate sort the group's arguments first (AggregateState).
 * Without GROUP BY there is exactly one group, even over no rows.
 */
import { type Accumulator, resolveAggregate } from "../functions/aggregates.js";
import type { AggregateCall } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey, type SqlType, type SqlValue } from "../types/index.js";
import { evalAll, evalAllSync } from "./basic.js";
import { compileExpr, compilePredicate, type Evaluator, type Layout, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, nextBatch, type Operator, type Row } from "./operator.js";
import { keyComparator, type RowComparator, sameGroup } from "./sort.js";
import { ExternalSorter } from "./spill/external-sort.js";
import { PartitionWriter, partitionOf } from "./spill/partitions.js";
import { type Run, RunReader } from "./spill/run-file.js";
import { rowBytes } from "./spill/row-size.js";
import { type SpillConfig, spillConfigOf } from "./spill/spill-config.js";
import { SpillFileSet } from "./spill/spill-files.js";


/** Aggregates that see rows with a NULL argument (json_object_agg to refuse a NULL key). */
const NON_STRICT: ReadonlySet<string> = new Set(["array_agg", "json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg"]);

/** Aggregates whose state keeps (a form of) every argument it is given. */
const GROWING_AGGREGATES: ReadonlySet<string> = new Set(["array_agg", "string_agg", "json_agg", "jsonb_agg"]);
/** The arguments of count(*), shared by every row: an accumulator never keeps or changes them. */
const NO_ARGS: Row = [];
/** A Set or array entry with its bookkeeping. */
const SET_ENTRY_BYTES = 40;
/** A group in the hash table: the Map entry, the group object and its states array. */
const GROUP_BYTES = 120;
/** One aggregate's state object and accumulator. */
const STATE_BYTES = 96;
/** Below this many spill levels a hash aggregate partitions new groups; at it, it keeps them all. */
const MAX_SPILL_LEVEL = 8;

/** What aggregate states that sort (DISTINCT, ORDER BY in the call) need from their operator. */
export interface AggregateResources {
  readonly config: SpillConfig;
  readonly checkCancel: () => void;
  /** The sorters of live states, so that closing the operator releases their files. */
  readonly sorters: Set<ExternalSorter>;
}

/**
 * Feeds one aggregate call's rows (DISTINCT, FILTER and ORDER BY applied) into its accumulator.
 * DISTINCT and ORDER BY in the call sort the group's arguments first, as PostgreSQL does, in an
 * external sort (within work_mem): by the ORDER BY keys, then (for DISTINCT) the arguments, so
 * DISTINCT keeps one of each run of equal arguments and feeds them in sorted order.
 */
export class AggregateState {
  private readonly acc: Accumulator;
  private readonly sorter: ExternalSorter | undefined;
  /** The arguments computed without a promise, when none of them needs one. */
  private readonly argsSync: ((row: Row) => Row) | undefined;
  /** Rows whose (first) argument is NULL are ignored (count(*) and a few others count them). */
  private readonly strict: boolean;
  /** The state keeps what it is fed (array_agg, string_agg...), so it charges work_mem. */
  private readonly growing: boolean;

  constructor(
    private readonly spec: CompiledAggregate,
    private readonly resources: AggregateResources,
  ) {
    this.acc = spec.create();
    this.argsSync = spec.args.length === 0 ? () => NO_ARGS : evalAllSync(spec.args);
    this.strict = !NON_STRICT.has(spec.call.name);
    this.growing = GROWING_AGGREGATES.has(spec.call.name);
    if (spec.sortCmp) {
      this.sorter = new ExternalSorter(spec.sortCmp, spec.sortKeyCount, resources.config, resources.checkCancel);
      resources.sorters.add(this.sorter);
    }
  }

  /**
   * Feeds a row; returns about how many bytes the state grew by (for work_mem accounting). A
   * promise only when the row needs one (an asynchronous filter or argument, or a sort): this
   * runs once per row and aggregate.
   */
  add(row: Row): number | Promise<number> {
    const s = this.spec;
    if (s.filter) {
      const ok = s.filter(row);
      if (ok === false) return 0;
      if (ok !== true) return ok.then((pass) => (pass ? this.addPassed(row) : 0));
    }
    return this.addPassed(row);
  }

  private addPassed(row: Row): number | Promise<number> {
    if (this.sorter !== undefined || this.argsSync === undefined) return this.addPassedAsync(row);
    const args = this.argsSync(row);
    if (args.length > 0 && args[0] === null && this.strict) return 0;
    this.acc.add(args);
    return this.growing ? rowBytes(args) : 0;
  }

  private async addPassedAsync(row: Row): Promise<number> {
    const s = this.spec;
    const args = await evalAll(s.args, row);
    // Strict aggregates ignore rows whose (first) argument is NULL; count(*) counts every row.
    if (args.length > 0 && args[0] === null && this.strict) return 0;
    if (this.sorter) {
      const orderKey = s.orderBy ? await evalAll(s.orderBy, row) : [];
      const key = s.call.distinct ? orderKey.concat(args) : orderKey;
      await this.sorter.add(key, args);
      // The sorter holds at most a budget; past it, what it holds stops growing.
      return this.sorter.spilled ? 0 : rowBytes(key) + rowBytes(args) + SET_ENTRY_BYTES;
    }
    this.acc.add(args);
    return this.growing ? rowBytes(args) : 0;
  }

  async result(): Promise<SqlValue> {
    const sorter = this.sorter;
    if (sorter) {
      await sorter.finish();
      const types = this.spec.argTypes;
      let last: SqlValue[] | undefined;
      for (let b = await sorter.next(); b; b = await sorter.next()) {
        for (const args of b) {
          if (this.spec.call.distinct && last && sameGroup(last, args, types)) continue;
          last = args;
          this.acc.add(args);
        }
      }
      await this.close();
    }
    return this.acc.result();
  }

  /** Releases the state's sort (result() does when it is done). */
  async close(): Promise<void> {
    if (!this.sorter) return;
    this.resources.sorters.delete(this.sorter);
    await this.sorter.close();
  }
}

/** Closes every sorter still open (an operator closing early, or failing). */
export async function closeSorters(sorters: Set<ExternalSorter>): Promise<void> {
  const all = [...sorters];
  sorters.clear();
  const results = await Promise.allSettled(all.map((s) => s.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

export interface CompiledAggregate {
  readonly call: AggregateCall;
  readonly args: Evaluator[];
  readonly argTypes: AggregateCall["args"][number]["type"][];
  readonly filter: ((row: Row) => boolean | Promise<boolean>) | undefined;
  readonly orderBy: Evaluator[] | undefined;
  /** For DISTINCT or ORDER BY in the call: how the sort keys (ORDER BY keys, then arguments for DISTINCT) compare. */
  readonly sortCmp: RowComparator | undefined;
  readonly sortKeyCount: number;
  readonly create: () => Accumulator;
}

export function compileAggregate(call: AggregateCall, layout: Layout, ctx: ExecContext): CompiledAggregate {
  const resolved = resolveAggregate(call.name, call.args.map((a) => a.type));
  const sortKeys = [
    ...(call.orderBy ?? []).map((k) => ({ desc: k.desc, nullsFirst: k.nullsFirst, type: k.expr.type })),
    ...(call.distinct ? call.args.map((a) => ({ desc: false, nullsFirst: false, type: a.type })) : []),
  ];
  return {
    call,
    args: call.args.map((a) => compileExpr(a, layout, ctx)),
    argTypes: call.args.map((a) => a.type),
    filter: compilePredicate(call.filter, layout, ctx),
    orderBy: call.orderBy?.map((k) => compileExpr(k.expr, layout, ctx)),
    sortCmp: sortKeys.length > 0 ? keyComparator(sortKeys, sortKeys.map((k) => k.type)) : undefined,
    sortKeyCount: sortKeys.length,
    create: () => resolved.create(),
  };
}

type Group = { key: Row; states: AggregateState[] };

/**
 * Hash aggregation within work_mem, spilling as PostgreSQL 15 does: once the groups' estimated
 * size passes the budget, rows of groups already in the table still go to them, but rows of new
 * groups are written (with their computed group key) to partition files by key hash. After the
 * input, the groups in memory are emitted and each partition is aggregated the same way, one
 * at a time, partitioning again (with another hash seed) if it is still too big. Every pass
 * admits at least one new group, so each level makes progress.
 */
export class HashAggregateOperator implements Operator {
  private readonly groupExprs: Evaluator[];
  private readonly aggs: CompiledAggregate[];
  private readonly keyTypes: SqlType[];
  private readonly files = new SpillFileSet();
  private resources: AggregateResources | undefined;
  private output: AsyncGenerator<Row[]> | undefined;
  /** What the last run did (tests and EXPLAIN ANALYZE read it). */
  readonly stats = { spilledRecords: 0, partitionsWritten: 0, maxLevel: 0, peakBytes: 0 };

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
    await this.close();
    Object.assign(this.stats, { spilledRecords: 0, partitionsWritten: 0, maxLevel: 0, peakBytes: 0 });
    const config = spillConfigOf(this.ctx);
    this.resources = { config, checkCancel: () => this.ctx.checkCancel(), sorters: new Set() };
    const keysOf = evalAllSync(this.groupExprs);
    const input = this.input;
    const exprs = this.groupExprs;
    async function* fromInput(): AsyncGenerator<[Row, Row][]> {
      await input.open();
      try {
        for (let b = await input.next(); b; b = await input.next()) {
          const out: [Row, Row][] = [];
          for (const row of b) out.push([keysOf ? keysOf(row) : await evalAll(exprs, row), row]);
          yield out;
        }
      } finally {
        await input.close();
      }
    }
    try {
      const first = await this.aggregatePass(fromInput(), 0, config);
      if (first.groups.size === 0 && this.plan.groupBy.length === 0) first.groups.set(0, { key: [], states: this.newStates() });
      this.output = this.emit(first, config);
    } catch (e) {
      await this.close().catch(() => undefined);
      throw e;
    }
  }

  async next(): Promise<Row[] | null> {
    return nextBatch(this.output);
  }

  async close(): Promise<void> {
    const out = this.output;
    this.output = undefined;
    try {
      await out?.return(undefined);
      if (this.resources) await closeSorters(this.resources.sorters);
    } finally {
      await this.files.closeAll();
    }
  }

  private newStates(): AggregateState[] {
    return this.aggs.map((a) => new AggregateState(a, this.resources!));
  }

  /** Aggregates one source into memory, spilling rows of groups that do not fit to partitions. */
  private async aggregatePass(source: AsyncIterable<[Row, Row][]>, level: number, config: SpillConfig): Promise<{ groups: Map<HashKey, Group>; partitions: (Run | undefined)[] }> {
    const groups = new Map<HashKey, Group>();
    const types = this.keyTypes;
    let bytes = 0;
    let spill: PartitionWriter | undefined;
    const newGroupBytes = GROUP_BYTES + STATE_BYTES * this.aggs.length;
    for await (const batch of source) {
      this.ctx.checkCancel();
      for (const [key, row] of batch) {
        const h = key.length === 0 ? 0 : hashKey(key, types);
        let g = groups.get(h);
        if (!g) {
          if (bytes > config.budgetBytes && groups.size > 0 && level < MAX_SPILL_LEVEL) {
            spill ??= new PartitionWriter(config, this.files, config.partitions);
            await spill.append(partitionOf(h, level, config.partitions), key.concat(row));
            this.stats.spilledRecords++;
            continue;
          }
          groups.set(h, (g = { key, states: this.newStates() }));
          bytes += newGroupBytes + rowBytes(key);
        }
        for (const s of g.states) {
          const grew = s.add(row);
          bytes += typeof grew === "number" ? grew : await grew;
        }
      }
      if (bytes > this.stats.peakBytes) this.stats.peakBytes = bytes;
    }
    const partitions = spill ? await spill.finish() : [];
    this.stats.partitionsWritten += partitions.filter((p) => p).length;
    return { groups, partitions };
  }

  /** Emits a pass's groups, then aggregates and emits its partitions depth first. */
  private async *emit(pass: { groups: Map<HashKey, Group>; partitions: (Run | undefined)[] }, config: SpillConfig, level = 0): AsyncGenerator<Row[]> {
    let out: Row[] = [];
    for (const g of pass.groups.values()) {
      const row = [...g.key];
      for (const s of g.states) row.push(await s.result());
      out.push(row);
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
    pass.groups.clear();
    const keyCount = this.groupExprs.length;
    for (const run of pass.partitions) {
      if (!run) continue;
      this.stats.maxLevel = Math.max(this.stats.maxLevel, level + 1);
      const sub = await this.aggregatePass(readRecords(run, keyCount, config), level + 1, config);
      await this.files.release(run.file);
      yield* this.emit(sub, config, level + 1);
    }
  }
}

/** A partition's records split back into (group key, row). */
async function* readRecords(run: Run, keyCount: number, config: SpillConfig): AsyncGenerator<[Row, Row][]> {
  const reader = new RunReader(run, config.blockBytes);
  for (let b = await reader.next(); b; b = await reader.next()) yield b.map((rec) => [rec.slice(0, keyCount), rec.slice(keyCount)]);
}
