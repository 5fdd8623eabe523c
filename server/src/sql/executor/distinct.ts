/**
 * SELECT DISTINCT by hashing whole rows (NULLs equal), streaming: a row comes out the first time
 * its value is seen. Within work_mem the seen set stays in memory; past it, rows whose value is
 * not in the set go to partition files by hash (the set stops growing, so none of them has come
 * out), and after the input each partition is made distinct the same way, one at a time.
 * DISTINCT ON (first row per key of sorted input) needs no memory and stays in basic.ts.
 */
import type { OutputColumn } from "../plan/logical.js";
import { hashKey, type HashKey, type SqlType } from "../types/index.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, nextBatch, type Operator, type Row } from "./operator.js";
import { PartitionWriter, partitionOf } from "./spill/partitions.js";
import { type Run, RunReader } from "./spill/run-file.js";
import type { SpillConfig } from "./spill/spill-config.js";
import { spillConfigOf } from "./spill/spill-config.js";
import { SpillFileSet } from "./spill/spill-files.js";

/** A Set entry and its key (a string key's characters are counted apart). */
const ENTRY_BYTES = 48;
const MAX_SPILL_LEVEL = 8;

export class HashDistinctOperator implements Operator {
  private readonly types: SqlType[];
  private readonly files = new SpillFileSet();
  private output: AsyncGenerator<Row[]> | undefined;
  private inputOpen = false;
  /** What the last run did (tests read it). */
  readonly stats = { spilledRows: 0, maxLevel: 0 };

  constructor(
    private readonly input: Operator,
    /** A DISTINCT node, or any node whose rows are to be made distinct (UNION's). */
    plan: { readonly columns: readonly OutputColumn[] },
    private readonly ctx: ExecContext,
  ) {
    this.types = plan.columns.map((c) => c.type);
  }

  async open(): Promise<void> {
    await this.close();
    this.stats.spilledRows = 0;
    this.stats.maxLevel = 0;
    await this.input.open();
    this.inputOpen = true;
    this.output = this.run(spillConfigOf(this.ctx));
  }

  async next(): Promise<Row[] | null> {
    return nextBatch(this.output);
  }

  async close(): Promise<void> {
    const out = this.output;
    this.output = undefined;
    try {
      await out?.return(undefined);
      await this.files.closeAll();
    } finally {
      await this.closeInput();
    }
  }

  private async closeInput(): Promise<void> {
    if (!this.inputOpen) return;
    this.inputOpen = false;
    await this.input.close();
  }

  private async *run(config: SpillConfig): AsyncGenerator<Row[]> {
    const input = this.input;
    async function* fromInput(): AsyncGenerator<Row[]> {
      for (let b = await input.next(); b; b = await input.next()) yield b;
    }
    const partitions: Run[] = [];
    yield* this.pass(fromInput(), 0, config, partitions);
    await this.closeInput();
    yield* this.partitions(partitions, 1, config);
  }

  /** Emits the first row of each value of one source; spills what does not fit into `spilled`. */
  private async *pass(source: AsyncIterable<Row[]>, level: number, config: SpillConfig, spilled: Run[]): AsyncGenerator<Row[]> {
    const seen = new Set<HashKey>();
    let bytes = 0;
    let spill: PartitionWriter | undefined;
    for await (const batch of source) {
      this.ctx.checkCancel();
      const out: Row[] = [];
      for (const r of batch) {
        const k = hashKey(r, this.types);
        if (seen.has(k)) continue;
        if (bytes > config.budgetBytes && level < MAX_SPILL_LEVEL) {
          spill ??= new PartitionWriter(config, this.files, config.partitions);
          await spill.append(partitionOf(k, level, config.partitions), r);
          this.stats.spilledRows++;
          continue;
        }
        seen.add(k);
        bytes += ENTRY_BYTES + (typeof k === "string" ? 2 * k.length : 0);
        out.push(r);
        if (out.length >= BATCH_SIZE) {
          yield out.splice(0);
        }
      }
      if (out.length > 0) yield out;
    }
    if (spill) for (const run of await spill.finish()) if (run) spilled.push(run);
  }

  private async *partitions(runs: readonly Run[], level: number, config: SpillConfig): AsyncGenerator<Row[]> {
    for (const run of runs) {
      this.stats.maxLevel = Math.max(this.stats.maxLevel, level);
      const reader = new RunReader(run, config.blockBytes);
      async function* records(): AsyncGenerator<Row[]> {
        for (let b = await reader.next(); b; b = await reader.next()) yield b;
      }
      const deeper: Run[] = [];
      yield* this.pass(records(), level, config, deeper);
      await this.files.release(run.file);
      yield* this.partitions(deeper, level + 1, config);
    }
  }
}
