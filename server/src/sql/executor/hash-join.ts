/**
 * Hash join within work_mem. The right (build) side is hashed on its keys; the left side
 * streams past it. When the build side's estimated size passes the budget, the join turns into
 * a grace hash join: both sides are split into partition files by key hash, and each pair of
 * partitions is joined on its own (split again, with another hash seed, if its build side is
 * still too big). Equal keys land in the same pair, so every join type works per pair.
 *
 * Inner, left, right, full, semi and anti joins; NULL keys never match, as SQL's `=` never does
 * (NULL-keyed left rows are decided at once, NULL-keyed right rows wait in a RowBuffer until the
 * end for right and full joins).
 *
 * NB: a partition whose build side cannot be split (one key repeated past the budget) is joined
 * in memory once MAX_SPLIT_LEVEL is reached, so extreme skew can exceed work_mem, as it can in
 * PostgreSQL.
 */
import type { PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey, type SqlType, type SqlValue } from "../types/index.js";
import { evalAll, evalAllSync } from "./basic.js";
import { compileExpr, compilePredicate, type Evaluator, layoutOf } from "./compile.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, nextBatch, type Operator, type Row } from "./operator.js";
import { PartitionWriter, partitionOf } from "./spill/partitions.js";
import { RowBuffer } from "./spill/row-buffer.js";
import { type Run, RunReader } from "./spill/run-file.js";
import { keyBytes, rowBytes } from "./spill/row-size.js";
import { type SpillConfig, spillConfigOf } from "./spill/spill-config.js";
import { SpillFileSet } from "./spill/spill-files.js";

type HashPlan = Extract<PhysicalPlan, { kind: "hash join" }>;

/** A (key, row) pair; spilled records are the key values followed by the row. */
type Keyed = readonly [SqlValue[], Row];

/** Map entry, index array slot and match flag per build row. */
const ENTRY_BYTES = 64;
const MAX_SPLIT_LEVEL = 6;

/** The build side of one join: rows by key hash, with a matched flag per row. */
class HashTable {
  readonly buckets = new Map<HashKey, number[]>();
  readonly rows: Row[] = [];
  /** Each row's key, as computed when it was read (keys may be volatile: never re-evaluated). */
  readonly keys: SqlValue[][] = [];
  matched = new Uint8Array(0);
  bytes = 0;

  constructor(private readonly types: readonly SqlType[]) {}

  add(key: SqlValue[], row: Row): void {
    const h = hashKey(key, this.types);
    const list = this.buckets.get(h);
    if (list) list.push(this.rows.length);
    else this.buckets.set(h, [this.rows.length]);
    this.rows.push(row);
    this.keys.push(key);
    this.bytes += rowBytes(row) + keyBytes(key, row) + ENTRY_BYTES;
  }

  /** Allocates the matched flags once the table is complete. */
  seal(): void {
    this.matched = new Uint8Array(this.rows.length);
  }
}

export class HashJoinOperator implements Operator {
  private readonly leftKeys: Evaluator[];
  private readonly rightKeys: Evaluator[];
  private readonly residual: ((row: Row) => boolean | Promise<boolean>) | undefined;
  private readonly keyTypes: SqlType[];
  private readonly leftWidth: number;
  private readonly rightWidth: number;
  private readonly files = new SpillFileSet();
  private nullRights: RowBuffer | undefined;
  private output: AsyncGenerator<Row[]> | undefined;
  private leftOpen = false;
  /** What the last run did (tests read it). */
  readonly stats = { partitioned: false, maxLevel: 0 };

  constructor(
    private readonly left: Operator,
    private readonly right: Operator,
    private readonly plan: HashPlan,
    private readonly ctx: ExecContext,
  ) {
    this.leftKeys = plan.leftKeys.map((k) => compileExpr(k, layoutOf(plan.left.columns, plan.left.kind === "scan" ? plan.left.rowId : undefined), ctx));
    this.rightKeys = plan.rightKeys.map((k) => compileExpr(k, layoutOf(plan.right.columns, plan.right.kind === "scan" ? plan.right.rowId : undefined), ctx));
    this.residual = compilePredicate(plan.residual, layoutOf([...plan.left.columns, ...plan.right.columns]), ctx);
    this.keyTypes = plan.rightKeys.map((k) => k.type);
    this.leftWidth = plan.left.columns.length;
    this.rightWidth = plan.right.columns.length;
  }

  private get keepLeft(): boolean {
    const t = this.plan.type;
    return t === "left" || t === "full" || t === "anti";
  }

  private get keepRight(): boolean {
    return this.plan.type === "right" || this.plan.type === "full";
  }

  async open(): Promise<void> {
    await this.close();
    this.stats.partitioned = false;
    this.stats.maxLevel = 0;
    const config = spillConfigOf(this.ctx);
    this.nullRights = new RowBuffer(config);
    try {
      const build = await this.build(config);
      await this.left.open();
      this.leftOpen = true;
      const leftRows = keyedRows(this.left, this.leftKeys, () => this.ctx.checkCancel());
      this.output = build.table ? this.probe(leftRows, build.table) : this.grace(leftRows, build.partitions!, config);
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
    const nulls = this.nullRights;
    this.output = undefined;
    this.nullRights = undefined;
    try {
      await out?.return(undefined);
      await nulls?.clear();
      await this.files.closeAll();
    } finally {
      if (this.leftOpen) {
        this.leftOpen = false;
        await this.left.close();
      }
    }
  }

  /** Reads the build side into a hash table, or into partitions once it outgrows the budget. */
  private async build(config: SpillConfig): Promise<{ table?: HashTable; partitions?: (Run | undefined)[] }> {
    let table: HashTable | undefined = new HashTable(this.keyTypes);
    let spill: PartitionWriter | undefined;
    await this.right.open();
    try {
      for await (const batch of keyedRows(this.right, this.rightKeys, () => this.ctx.checkCancel())) {
        for (const [key, row] of batch) {
          if (key.some((v) => v === null)) {
            if (this.keepRight) {
              const spilling = this.nullRights!.append(row);
              if (spilling) await spilling;
            }
          } else if (table) {
            table.add(key, row);
            if (table.bytes > config.budgetBytes) {
              spill = new PartitionWriter(config, this.files, config.partitions);
              this.stats.partitioned = true;
              await this.partitionTable(table, spill, 0);
              table = undefined;
            }
          } else {
            await spill!.append(partitionOf(hashKey(key, this.keyTypes), 0, spill!.partitions), key.concat(row));
          }
        }
      }
    } finally {
      await this.right.close();
    }
    if (table) {
      table.seal();
      return { table };
    }
    return { partitions: await spill!.finish() };
  }

  private async partitionTable(table: HashTable, spill: PartitionWriter, level: number): Promise<void> {
    for (let i = 0; i < table.rows.length; i++) {
      const key = table.keys[i]!;
      await spill.append(partitionOf(hashKey(key, this.keyTypes), level, spill.partitions), key.concat(table.rows[i]!));
    }
  }

  private combine(l: Row, r: Row): Row {
    const out = l.slice(0, this.leftWidth);
    for (let i = 0; i < this.rightWidth; i++) out.push(r[i]!);
    return out;
  }

  private leftOnly(l: Row): Row {
    const t = this.plan.type;
    return t === "semi" || t === "anti" ? l.slice(0, this.leftWidth) : [...l.slice(0, this.leftWidth), ...new Array<SqlValue>(this.rightWidth).fill(null)];
  }

  private rightOnly(r: Row): Row {
    return [...new Array<SqlValue>(this.leftWidth).fill(null), ...r.slice(0, this.rightWidth)];
  }

  /** Streams left rows past an in-memory table; then unmatched right rows and NULL-keyed ones. */
  private async *probe(leftRows: AsyncIterable<Keyed[]>, table: HashTable, last = true): AsyncGenerator<Row[]> {
    const type = this.plan.type;
    const types = this.keyTypes;
    for await (const batch of leftRows) {
      const out: Row[] = [];
      for (const [key, l] of batch) {
        const hits = key.some((v) => v === null) ? undefined : table.buckets.get(hashKey(key, types));
        let matched = false;
        for (const i of hits ?? []) {
          const row = this.combine(l, table.rows[i]!);
          if (this.residual) {
            const ok = this.residual(row);
            if (!(ok === true || (ok !== false && (await ok)))) continue;
          }
          matched = true;
          table.matched[i] = 1;
          if (type === "semi" || type === "anti") break;
          out.push(row);
        }
        if (!matched && this.keepLeft) out.push(this.leftOnly(l));
        if (matched && type === "semi") out.push(l.slice(0, this.leftWidth));
      }
      if (out.length > 0) yield out;
    }
    if (this.keepRight) yield* batched(table.rows.filter((_, i) => !table.matched[i]).map((r) => this.rightOnly(r)));
    if (last) yield* this.nullRightRows();
  }

  private async *nullRightRows(): AsyncGenerator<Row[]> {
    if (!this.nullRights) return;
    for await (const b of this.nullRights.batches()) yield b.map((r) => this.rightOnly(r));
  }

  /** Partitions the left side like the right, then joins the pairs one at a time. */
  private async *grace(leftRows: AsyncIterable<Keyed[]>, rightParts: (Run | undefined)[], config: SpillConfig): AsyncGenerator<Row[]> {
    const split = new PartitionWriter(config, this.files, rightParts.length);
    for await (const batch of leftRows) {
      const out: Row[] = [];
      for (const [key, l] of batch) {
        if (key.some((v) => v === null)) {
          if (this.keepLeft) out.push(this.leftOnly(l));
        } else {
          await split.append(partitionOf(hashKey(key, this.keyTypes), 0, split.partitions), key.concat(l));
        }
      }
      if (out.length > 0) yield out;
    }
    const leftParts = await split.finish();
    for (let p = 0; p < rightParts.length; p++) yield* this.joinPair(rightParts[p], leftParts[p], 1, config);
    yield* this.nullRightRows();
  }

  /** Joins one pair of partitions (records are key values then row). */
  private async *joinPair(right: Run | undefined, left: Run | undefined, level: number, config: SpillConfig): AsyncGenerator<Row[]> {
    const k = this.keyTypes.length;
    this.stats.maxLevel = Math.max(this.stats.maxLevel, level);
    if (!right || !left) {
      // One side is empty: the other side's rows are all unmatched.
      if (right && this.keepRight) yield* this.records(right, k, config, (r) => this.rightOnly(r));
      if (left && this.keepLeft) yield* this.records(left, k, config, (l) => this.leftOnly(l));
      if (right) await this.files.release(right.file);
      if (left) await this.files.release(left.file);
      return;
    }
    const table = new HashTable(this.keyTypes);
    let resplit: PartitionWriter | undefined;
    const reader = new RunReader(right, config.blockBytes);
    for (let b = await reader.next(); b; b = await reader.next()) {
      this.ctx.checkCancel();
      for (const rec of b) {
        if (resplit) {
          await resplit.append(partitionOf(hashKey(rec.slice(0, k), this.keyTypes), level, resplit.partitions), rec);
          continue;
        }
        table.add(rec.slice(0, k), rec.slice(k));
        if (table.bytes > config.budgetBytes && level < MAX_SPLIT_LEVEL) {
          resplit = new PartitionWriter(config, this.files, config.partitions);
          await this.partitionTable(table, resplit, level);
          table.rows.length = 0;
          table.keys.length = 0;
          table.buckets.clear();
        }
      }
    }
    await this.files.release(right.file);
    if (resplit) {
      const rightParts = await resplit.finish();
      const leftSplit = new PartitionWriter(config, this.files, config.partitions);
      const lr = new RunReader(left, config.blockBytes);
      for (let b = await lr.next(); b; b = await lr.next()) {
        this.ctx.checkCancel();
        for (const rec of b) await leftSplit.append(partitionOf(hashKey(rec.slice(0, k), this.keyTypes), level, leftSplit.partitions), rec);
      }
      await this.files.release(left.file);
      const leftParts = await leftSplit.finish();
      for (let p = 0; p < rightParts.length; p++) yield* this.joinPair(rightParts[p], leftParts[p], level + 1, config);
      return;
    }
    table.seal();
    yield* this.probe(this.recordPairs(left, k, config), table, false);
    await this.files.release(left.file);
  }

  private async *recordPairs(run: Run, k: number, config: SpillConfig): AsyncGenerator<Keyed[]> {
    const reader = new RunReader(run, config.blockBytes);
    for (let b = await reader.next(); b; b = await reader.next()) {
      this.ctx.checkCancel();
      yield b.map((rec) => [rec.slice(0, k), rec.slice(k)] as const);
    }
  }

  private async *records(run: Run, k: number, config: SpillConfig, f: (row: Row) => Row): AsyncGenerator<Row[]> {
    const reader = new RunReader(run, config.blockBytes);
    for (let b = await reader.next(); b; b = await reader.next()) yield b.map((rec) => f(rec.slice(k)));
  }
}

/** An operator's rows with their keys, a batch at a time (the operator is already open). */
async function* keyedRows(op: Operator, keyExprs: Evaluator[], checkCancel: () => void): AsyncGenerator<Keyed[]> {
  const keysOf = evalAllSync(keyExprs);
  for (let b = await op.next(); b; b = await op.next()) {
    checkCancel();
    const out: Keyed[] = [];
    for (const row of b) out.push([keysOf ? keysOf(row) : await evalAll(keyExprs, row), row]);
    yield out;
  }
}

function* batched(rows: Row[]): Generator<Row[]> {
  for (let i = 0; i < rows.length; i += BATCH_SIZE) yield rows.slice(i, i + BATCH_SIZE);
}
