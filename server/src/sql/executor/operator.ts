/**
 * The volcano interface: every operator is opened, pulled for batches of rows until it returns
 * null, and closed. Rows are arrays of values laid out as the plan node's `columns` (plus, for
 * scans of tables without a primary key, the hidden row id at the end).
 */
import type { SqlValue } from "../types/index.js";

export type Row = SqlValue[];

/** Rows per batch an operator aims for (a balance between await overhead and memory). */
export const BATCH_SIZE = 256;

export interface Operator {
  open(): Promise<void>;
  /** The next batch (never empty), or null at the end. */
  next(): Promise<Row[] | null>;
  close(): Promise<void>;
  /**
   * Every row at once, instead of open/next/close, when the operator makes them with a few
   * lookups and holds nothing to release afterwards (a point lookup by primary key, projected);
   * undefined when it does not. The same rows as the protocol gives, in the same order.
   */
  readAll?(): Promise<Row[]> | undefined;
}

/** Pulls every row of an operator (opening and closing it). */
export async function drain(op: Operator): Promise<Row[]> {
  await op.open();
  try {
    const out: Row[] = [];
    for (let b = await op.next(); b; b = await op.next()) for (const r of b) out.push(r);
    return out;
  } finally {
    await op.close();
  }
}

/** The next batch of an operator that makes its batches with an async generator (null at its end, or before it starts). */
export async function nextBatch(output: AsyncGenerator<Row[]> | undefined): Promise<Row[] | null> {
  if (!output) return null;
  const r = await output.next();
  return r.done ? null : r.value;
}

/** Rows in memory handed out a batch at a time (operators that make all their rows in open). */
export class RowBatches {
  private rows: readonly Row[] = [];
  private at = 0;

  reset(rows: readonly Row[]): void {
    this.rows = rows;
    this.at = 0;
  }

  next(): Row[] | null {
    if (this.at >= this.rows.length) return null;
    const batch = this.rows.slice(this.at, this.at + BATCH_SIZE);
    this.at += batch.length;
    return batch as Row[];
  }
}

/** An operator over rows already in memory. */
export class RowsOperator implements Operator {
  private readonly batches = new RowBatches();
  constructor(private readonly rows: () => readonly Row[]) {}
  async open(): Promise<void> {
    this.batches.reset(this.rows());
  }
  async next(): Promise<Row[] | null> {
    return this.batches.next();
  }
  async close(): Promise<void> {
    this.batches.reset([]);
  }
}
