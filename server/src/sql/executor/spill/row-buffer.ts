/**
 * A buffer of rows that can be read from the start any number of times (PostgreSQL's
 * tuplestore): rows stay in memory until their estimated size passes the budget, then all of
 * them move to a spill file and later ones are appended there.
 */
import type { Row } from "../operator.js";
import { type Run, RunReader, RunWriter } from "./run-file.js";
import { rowBytes } from "./row-size.js";
import type { SpillConfig } from "./spill-config.js";

export class RowBuffer {
  private memory: Row[] = [];
  private memoryBytes = 0;
  private writer: RunWriter | undefined;
  private run: Run | undefined;
  private count = 0;

  constructor(private readonly config: SpillConfig) {}

  get length(): number {
    return this.count;
  }

  get spilled(): boolean {
    return this.writer !== undefined || this.run !== undefined;
  }

  /**
   * Adds a row. A promise only when it touches the spill file: a row kept in memory (most, in
   * the common case of a buffer within work_mem) costs its caller no await.
   */
  append(row: Row): Promise<void> | undefined {
    if (this.run) return Promise.reject(new Error("RowBuffer.append after reading began"));
    this.count++;
    if (this.writer) return this.writer.append(row);
    this.memory.push(row);
    this.memoryBytes += rowBytes(row);
    return this.memoryBytes <= this.config.budgetBytes ? undefined : this.spill();
  }

  /** Moves the rows held in memory to a new spill file, where later ones go too. */
  private async spill(): Promise<void> {
    const w = await RunWriter.create(this.config.files, this.config.blockBytes);
    this.writer = w;
    for (const r of this.memory) await w.append(r);
    this.memory = [];
    this.memoryBytes = 0;
  }

  /** Reads the rows from the start, in batches. Appending is over once reading begins. */
  async *batches(): AsyncGenerator<Row[]> {
    if (this.writer) {
      this.run = await this.writer.finish();
      this.writer = undefined;
    }
    if (!this.run) {
      if (this.memory.length > 0) yield this.memory;
      return;
    }
    const reader = new RunReader(this.run, this.config.blockBytes);
    for (let b = await reader.next(); b; b = await reader.next()) yield b;
  }

  /** Empties the buffer (closing its file) so it can be filled again. */
  async clear(): Promise<void> {
    const file = this.writer?.file ?? this.run?.file;
    this.memory = [];
    this.memoryBytes = 0;
    this.writer = undefined;
    this.run = undefined;
    this.count = 0;
    await file?.close();
  }
}
