/**
 * UNION / INTERSECT / EXCEPT, with and without ALL, comparing whole rows (NULLs equal, as set
 * operations treat them), within work_mem:
 * - UNION ALL streams the left side, then the right;
 * - UNION is SELECT DISTINCT (distinct.ts) over that stream;
 * - INTERSECT and EXCEPT count the right side's rows per value and stream the left side past the
 *   counts (made distinct first unless ALL). When the counts outgrow the budget, both sides go
 *   to hash partitions and each pair is counted and probed on its own (split again with another
 *   hash seed if still too big), as the grace hash join does.
 * Each left row that comes out is the left side's own, in its order within a partition.
 */
import type { PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey, type SqlType } from "../types/index.js";
import type { ExecContext } from "./context.js";
import { HashDistinctOperator } from "./distinct.js";
import { nextBatch, type Operator, type Row } from "./operator.js";
import { PartitionWriter, partitionOf } from "./spill/partitions.js";
import { type Run, RunReader } from "./spill/run-file.js";
import { rowBytes } from "./spill/row-size.js";
import { type SpillConfig, spillConfigOf } from "./spill/spill-config.js";
import { SpillFileSet } from "./spill/spill-files.js";

type SetOpPlan = Extract<PhysicalPlan, { kind: "setop" }>;

/** A Map entry with its count object. */
const ENTRY_BYTES = 80;
const MAX_SPLIT_LEVEL = 6;

/** The left side's rows, then the right side's. */
class AppendOperator implements Operator {
  private current: Operator | undefined;

  constructor(
    private readonly left: Operator,
    private readonly right: Operator,
  ) {}

  async open(): Promise<void> {
    await this.close();
    await this.left.open();
    this.current = this.left;
  }

  async next(): Promise<Row[] | null> {
    while (this.current) {
      const b = await this.current.next();
      if (b) return b;
      if (this.current === this.right) return null;
      await this.left.close();
      this.current = undefined;
      await this.right.open();
      this.current = this.right;
    }
    return null;
  }

  async close(): Promise<void> {
    const c = this.current;
    this.current = undefined;
    await c?.close();
  }
}

/** Right-side rows per value: a representative row and how many. */
type Counts = Map<HashKey, { readonly row: Row; n: number }>;

export class SetOpOperator implements Operator {
  private readonly types: SqlType[];
  private readonly files = new SpillFileSet();
  /** UNION and UNION ALL: the whole operator. */
  private stream: Operator | undefined;
  /** INTERSECT and EXCEPT: the (distinct unless ALL) left side, and the output. */
  private leftSide: Operator | undefined;
  private output: AsyncGenerator<Row[]> | undefined;
  /** What the last run did (tests read it). */
  readonly stats = { partitioned: false, maxLevel: 0 };

  constructor(
    private readonly left: Operator,
    private readonly right: Operator,
    private readonly plan: SetOpPlan,
    private readonly ctx: ExecContext,
  ) {
    this.types = plan.columns.map((c) => c.type);
  }

  async open(): Promise<void> {
    await this.close();
    this.stats.partitioned = false;
    this.stats.maxLevel = 0;
    const { op, all } = this.plan;
    if (op === "union") {
      const append = new AppendOperator(this.left, this.right);
      this.stream = all ? append : new HashDistinctOperator(append, this.plan, this.ctx);
      await this.stream.open();
      return;
    }
    const config = spillConfigOf(this.ctx);
    try {
      const counted = await this.countRight(config);
      const leftSide = all ? this.left : new HashDistinctOperator(this.left, this.plan, this.ctx);
      await leftSide.open();
      this.leftSide = leftSide;
      const leftRows = batches(leftSide, () => this.ctx.checkCancel());
      this.output = counted.counts ? this.probe(leftRows, counted.counts) : this.grace(leftRows, counted.partitions!, config);
    } catch (e) {
      await this.close().catch(() => undefined);
      throw e;
    }
  }

  async next(): Promise<Row[] | null> {
    if (this.stream) return this.stream.next();
    return nextBatch(this.output);
  }

  async close(): Promise<void> {
    const stream = this.stream;
    const out = this.output;
    const leftSide = this.leftSide;
    this.stream = undefined;
    this.output = undefined;
    this.leftSide = undefined;
    try {
      await stream?.close();
      await out?.return(undefined);
      await this.files.closeAll();
    } finally {
      await leftSide?.close();
    }
  }

  /** Counts the right side's rows per value, or partitions them once the counts outgrow the budget. */
  private async countRight(config: SpillConfig): Promise<{ counts?: Counts; partitions?: (Run | undefined)[] }> {
    let counts: Counts | undefined = new Map();
    let bytes = 0;
    let spill: PartitionWriter | undefined;
    await this.right.open();
    try {
      for await (const b of batches(this.right, () => this.ctx.checkCancel())) {
        for (const r of b) {
          const k = hashKey(r, this.types);
          if (!counts) {
            await spill!.append(partitionOf(k, 0, spill!.partitions), [1, ...r]);
            continue;
          }
          const e = counts.get(k);
          if (e) {
            e.n++;
            continue;
          }
          counts.set(k, { row: r, n: 1 });
          bytes += ENTRY_BYTES + rowBytes(r);
          if (bytes > config.budgetBytes) {
            this.stats.partitioned = true;
            spill = new PartitionWriter(config, this.files, config.partitions);
            await spillCounts(counts, spill, 0);
            counts = undefined;
          }
        }
      }
    } finally {
      await this.right.close();
    }
    return counts ? { counts } : { partitions: await spill!.finish() };
  }

  /** Streams left rows past the right side's counts. */
  private async *probe(leftRows: AsyncIterable<Row[]>, counts: Counts): AsyncGenerator<Row[]> {
    const { op, all } = this.plan;
    for await (const b of leftRows) {
      const out: Row[] = [];
      for (const r of b) {
        const e = counts.get(hashKey(r, this.types));
        const inRight = e !== undefined && e.n > 0;
        // ALL pairs each left copy with one right copy; without ALL the left side is already distinct.
        if (all && inRight) e!.n--;
        if (inRight === (op === "intersect")) out.push(r);
      }
      if (out.length > 0) yield out;
    }
  }

  private async *grace(leftRows: AsyncIterable<Row[]>, rightParts: (Run | undefined)[], config: SpillConfig): AsyncGenerator<Row[]> {
    const split = new PartitionWriter(config, this.files, rightParts.length);
    for await (const b of leftRows) for (const r of b) await split.append(partitionOf(hashKey(r, this.types), 0, split.partitions), r);
    const leftParts = await split.finish();
    for (let p = 0; p < rightParts.length; p++) yield* this.pair(rightParts[p], leftParts[p], 1, config);
  }

  /** One pair of partitions: right records are [count, ...row], left records rows. */
  private async *pair(right: Run | undefined, left: Run | undefined, level: number, config: SpillConfig): AsyncGenerator<Row[]> {
    this.stats.maxLevel = Math.max(this.stats.maxLevel, level);
    let counts: Counts | undefined = new Map();
    let bytes = 0;
    let resplit: PartitionWriter | undefined;
    if (right) {
      const reader = new RunReader(right, config.blockBytes);
      for (let b = await reader.next(); b; b = await reader.next()) {
        this.ctx.checkCancel();
        for (const rec of b) {
          const row = rec.slice(1);
          const k = hashKey(row, this.types);
          if (!counts) {
            await resplit!.append(partitionOf(k, level, resplit!.partitions), rec);
            continue;
          }
          const e = counts.get(k);
          if (e) {
            e.n += rec[0] as number;
            continue;
          }
          counts.set(k, { row, n: rec[0] as number });
          bytes += ENTRY_BYTES + rowBytes(row);
          if (bytes > config.budgetBytes && level < MAX_SPLIT_LEVEL) {
            resplit = new PartitionWriter(config, this.files, config.partitions);
            await spillCounts(counts, resplit, level);
            counts = undefined;
          }
        }
      }
      await this.files.release(right.file);
    }
    if (!counts) {
      const rightParts = await resplit!.finish();
      const leftSplit = new PartitionWriter(config, this.files, config.partitions);
      if (left) {
        const reader = new RunReader(left, config.blockBytes);
        for (let b = await reader.next(); b; b = await reader.next()) for (const r of b) await leftSplit.append(partitionOf(hashKey(r, this.types), level, leftSplit.partitions), r);
        await this.files.release(left.file);
      }
      const leftParts = await leftSplit.finish();
      for (let p = 0; p < rightParts.length; p++) yield* this.pair(rightParts[p], leftParts[p], level + 1, config);
      return;
    }
    if (!left) return;
    const reader = new RunReader(left, config.blockBytes);
    const check = () => this.ctx.checkCancel();
    async function* leftRows(): AsyncGenerator<Row[]> {
      for (let b = await reader.next(); b; b = await reader.next()) {
        check();
        yield b;
      }
    }
    yield* this.probe(leftRows(), counts);
    await this.files.release(left.file);
  }
}

async function spillCounts(counts: Counts, spill: PartitionWriter, level: number): Promise<void> {
  for (const [k, e] of counts) await spill.append(partitionOf(k, level, spill.partitions), [e.n, ...e.row]);
}

async function* batches(op: Operator, checkCancel: () => void): AsyncGenerator<Row[]> {
  for (let b = await op.next(); b; b = await op.next()) {
    checkCancel();
    yield b;
  }
}
