/**
 * External merge sort. Rows (each with its precomputed sort key) are buffered until their
 * estimated size passes the budget; the buffer is then sorted and appended to a spill file as a
 * run. At the end, runs are merged mergeFanIn at a time (into a second file, which then replaces
 * the first) until one merge can produce the output, which is streamed from a heap over the
 * runs' cursors. Memory: the budget while reading input, mergeFanIn block buffers while merging;
 * files: two, whatever the input size.
 *
 * Stable: the buffer sort is stable, runs hold consecutive stretches of the input, merges take
 * consecutive runs, and the heap breaks ties by run order, so equal keys keep input order.
 *
 * With a limit (ORDER BY ... LIMIT n) only the best n rows are kept in memory (pruning whenever
 * the buffer is full or twice n); only when n rows take more than half the budget does it
 * spill, as PostgreSQL's bounded sort does when n rows do not fit, and then each run keeps only
 * its first n rows.
 */
import type { SqlValue } from "../../types/index.js";
import { BATCH_SIZE, type Row } from "../operator.js";
import type { RowComparator } from "../sort.js";
import { type Run, RunCursor, RunReader, RunWriter } from "./run-file.js";
import { keyBytes, rowBytes } from "./row-size.js";
import type { SpillConfig } from "./spill-config.js";
import { type SpillFile, SpillFileSet } from "./spill-files.js";

interface Item {
  readonly key: SqlValue[];
  readonly row: Row;
  readonly bytes: number;
}

/** The object holding key and row, and its three slots. */
const ITEM_OVERHEAD_BYTES = 48;

export interface ExternalSortStats {
  /** Runs written (including those merge passes wrote). */
  runsWritten: number;
  /** Merge passes before the final merge. */
  mergePasses: number;
  /** Most bytes buffered at once. */
  peakBufferedBytes: number;
}

export class ExternalSorter {
  private items: Item[] = [];
  private bufferedBytes = 0;
  private runs: Run[] = [];
  /** The file the current runs are in, one after another, and where the next run starts. */
  private tape: SpillFile | undefined;
  private tapeEnd = 0;
  /** Every file not yet closed, so close() can release them whatever state the sort is in. */
  private readonly files = new SpillFileSet();
  private finished = false;
  private sorted: Row[] | undefined;
  private at = 0;
  private merge: RunMerge | undefined;
  private emitted = 0;
  readonly stats: ExternalSortStats = { runsWritten: 0, mergePasses: 0, peakBufferedBytes: 0 };

  /**
   * @param cmp compares key tuples (it reads only the first `keyCount` values, so records of
   *   key values followed by row values compare alike)
   */
  constructor(
    private readonly cmp: RowComparator,
    private readonly keyCount: number,
    private readonly config: SpillConfig,
    private readonly checkCancel: () => void,
    private readonly limit = Infinity,
  ) {}

  get spilled(): boolean {
    return this.stats.runsWritten > 0;
  }

  async add(key: SqlValue[], row: Row): Promise<void> {
    if (this.finished) throw new Error("ExternalSorter.add after finish");
    const bytes = keyBytes(key, row) + rowBytes(row) + ITEM_OVERHEAD_BYTES;
    this.items.push({ key, row, bytes });
    this.bufferedBytes += bytes;
    if (this.bufferedBytes > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = this.bufferedBytes;
    const bounded = this.limit !== Infinity && this.runs.length === 0;
    if (bounded && this.items.length > Math.max(2 * this.limit, 1024)) this.prune();
    if (this.bufferedBytes <= this.config.budgetBytes) return;
    if (bounded && this.items.length > this.limit) this.prune();
    // Pruning must free half the budget, or pruning again on every row would cost O(n) each.
    if (this.bufferedBytes > this.config.budgetBytes / 2) await this.spillBuffer();
  }

  /** Ends the input; the sorted rows follow from next(). */
  async finish(): Promise<void> {
    this.finished = true;
    if (this.runs.length === 0) {
      this.sortBuffer();
      if (this.items.length > this.limit) this.items.length = this.limit;
      this.sorted = this.items.map((i) => i.row);
      this.items = [];
      this.bufferedBytes = 0;
      return;
    }
    if (this.items.length > 0) await this.spillBuffer();
    while (this.runs.length > this.config.mergeFanIn) await this.mergePass();
    this.merge = await RunMerge.open(this.runs, this.cmp, this.config.blockBytes);
  }

  /** The next batch of sorted rows, or null at the end. */
  async next(): Promise<Row[] | null> {
    if (this.sorted) {
      if (this.at >= this.sorted.length) return null;
      const b = this.sorted.slice(this.at, this.at + BATCH_SIZE);
      this.at += b.length;
      return b;
    }
    if (!this.merge) return null;
    const out: Row[] = [];
    while (out.length < BATCH_SIZE && this.emitted < this.limit) {
      const rec = await this.merge.pop();
      if (!rec) break;
      out.push(rec.slice(this.keyCount));
      this.emitted++;
    }
    if (out.length === 0) {
      await this.close();
      return null;
    }
    return out;
  }

  /** Releases buffered rows and every spill file. Safe to call at any point, and again. */
  async close(): Promise<void> {
    this.items = [];
    this.sorted = undefined;
    this.merge = undefined;
    this.runs = [];
    this.tape = undefined;
    this.tapeEnd = 0;
    await this.files.closeAll();
  }

  private sortBuffer(): void {
    const cmp = this.cmp;
    // Array.prototype.sort is stable, which keeps ties in input order.
    this.items.sort((a, b) => cmp(a.key, b.key));
  }

  private prune(): void {
    this.sortBuffer();
    if (this.items.length > this.limit) this.items.length = this.limit;
    this.bufferedBytes = this.items.reduce((s, i) => s + i.bytes, 0);
  }

  private async spillBuffer(): Promise<void> {
    this.checkCancel();
    this.sortBuffer();
    const n = Math.min(this.items.length, this.limit);
    this.tape ??= this.files.add(await this.config.files.create());
    const w = this.newWriter(this.tape, this.tapeEnd);
    for (let i = 0; i < n; i++) {
      const it = this.items[i]!;
      await w.append(it.key.concat(it.row));
    }
    const run = await w.finish();
    this.tapeEnd += run.sizeBytes;
    this.runs.push(run);
    this.items = [];
    this.bufferedBytes = 0;
  }

  /**
   * Merges consecutive groups of mergeFanIn runs into one run each, from the current file into
   * a new one (so the sort holds at most two files, and twice the data on disk).
   */
  private async mergePass(): Promise<void> {
    const next: Run[] = [];
    const tape = this.files.add(await this.config.files.create());
    let end = 0;
    for (let i = 0; i < this.runs.length; i += this.config.mergeFanIn) {
      this.checkCancel();
      const group = this.runs.slice(i, i + this.config.mergeFanIn);
      const w = this.newWriter(tape, end);
      const m = await RunMerge.open(group, this.cmp, this.config.blockBytes);
      let n = 0;
      for (let rec = await m.pop(); rec && n < this.limit; rec = await m.pop(), n++) await w.append(rec);
      const run = await w.finish();
      end += run.sizeBytes;
      next.push(run);
    }
    await this.files.release(this.tape!);
    this.tape = tape;
    this.tapeEnd = end;
    this.runs = next;
    this.stats.mergePasses++;
  }

  private newWriter(tape: SpillFile, offset: number): RunWriter {
    this.stats.runsWritten++;
    return new RunWriter(tape, offset, this.config.blockBytes);
  }
}

/** A k-way merge of runs: a binary heap of cursors, ties broken by run order. */
export class RunMerge {
  private readonly heap: number[] = [];

  private constructor(
    private readonly cursors: RunCursor[],
    private readonly cmp: RowComparator,
  ) {}

  static async open(runs: readonly Run[], cmp: RowComparator, blockBytes: number): Promise<RunMerge> {
    const m = new RunMerge(
      runs.map((r) => new RunCursor(new RunReader(r, blockBytes))),
      cmp,
    );
    for (let i = 0; i < m.cursors.length; i++) if (await m.cursors[i]!.advance()) m.push(i);
    return m;
  }

  /** The smallest remaining record, or undefined when every run is exhausted. */
  async pop(): Promise<SqlValue[] | undefined> {
    if (this.heap.length === 0) return undefined;
    const top = this.heap[0]!;
    const c = this.cursors[top]!;
    const rec = c.current!;
    if (await c.advance()) {
      this.siftDown(0);
    } else {
      const last = this.heap.pop()!;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.siftDown(0);
      }
    }
    return rec;
  }

  private less(i: number, j: number): boolean {
    const c = this.cmp(this.cursors[i]!.current!, this.cursors[j]!.current!);
    return c < 0 || (c === 0 && i < j);
  }

  private push(i: number): void {
    const h = this.heap;
    h.push(i);
    let at = h.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(h[at]!, h[parent]!)) break;
      [h[at], h[parent]] = [h[parent]!, h[at]!];
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * at + 1;
      const r = l + 1;
      let best = at;
      if (l < h.length && this.less(h[l]!, h[best]!)) best = l;
      if (r < h.length && this.less(h[r]!, h[best]!)) best = r;
      if (best === at) return;
      [h[at], h[best]] = [h[best]!, h[at]!];
      at = best;
    }
  }
}
