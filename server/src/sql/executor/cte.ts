/**
 * WITH: each CTE is computed once per execution, before the body, into a RowBuffer (in memory up
 * to work_mem, then in a spill file), and read by `cte scan`s as often as they like.
 * WITH RECURSIVE iterates the recursive term over the previous iteration's rows (the worktable)
 * until it yields nothing new (UNION drops rows already produced; UNION ALL keeps all).
 */
import type { PhysicalCte, PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey } from "../types/index.js";
import type { ExecContext } from "./context.js";
import { BATCH_SIZE, nextBatch, type Operator, type Row } from "./operator.js";
import { RowBuffer } from "./spill/row-buffer.js";
import { spillConfigOf } from "./spill/spill-config.js";

/** Worktables live beside materialised CTEs under the negated id. */
export const worktableKey = (cteId: number) => -cteId;

export class WithOperator implements Operator {
  /** What this execution materialised (CTEs and worktables), closed with the operator. */
  private readonly buffers: RowBuffer[] = [];

  constructor(
    private readonly plan: Extract<PhysicalPlan, { kind: "with" }>,
    private readonly body: Operator,
    private readonly build: (p: PhysicalPlan) => Operator,
    private readonly ctx: ExecContext,
  ) {}

  async open(): Promise<void> {
    await this.clear();
    try {
      for (const c of this.plan.ctes) this.ctx.ctes.set(c.id, await this.materialise(c));
      await this.body.open();
    } catch (e) {
      // A failed open may not be closed: what it materialised (files included) goes now.
      this.forget();
      await this.clear();
      throw e;
    }
  }

  /** WITH ... INSERT / UPDATE / DELETE: the body's count of written rows, for the command tag. */
  get affected(): number | undefined {
    return (this.body as { affected?: number }).affected;
  }

  private newBuffer(): RowBuffer {
    const b = new RowBuffer(spillConfigOf(this.ctx));
    this.buffers.push(b);
    return b;
  }

  private async materialise(c: PhysicalCte): Promise<RowBuffer> {
    const result = this.newBuffer();
    if (!c.recursive) {
      await fill(result, this.build(c.plan), undefined);
      return result;
    }
    const types = c.columns.map((x) => x.type);
    // UNION keeps a row only the first time it is produced; UNION ALL keeps every one.
    const seen = c.recursive.all ? undefined : new Set<HashKey>();
    const fresh = seen && ((r: Row) => {
      const k = hashKey(r, types);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    let work = this.newBuffer();
    await fill(work, this.build(c.plan), fresh);
    while (work.length > 0) {
      this.ctx.checkCancel();
      for await (const batch of work.batches()) {
        for (const r of batch) {
          const spilling = result.append(r);
          if (spilling) await spilling;
        }
      }
      this.ctx.ctes.set(worktableKey(c.id), work);
      const next = this.newBuffer();
      await fill(next, this.build(c.recursive.term), fresh);
      await this.release(work);
      work = next;
    }
    await this.release(work);
    this.ctx.ctes.delete(worktableKey(c.id));
    return result;
  }

  next(): Promise<Row[] | null> {
    return this.body.next();
  }

  async close(): Promise<void> {
    try {
      await this.body.close();
    } finally {
      this.forget();
      await this.clear();
    }
  }

  private forget(): void {
    for (const c of this.plan.ctes) {
      this.ctx.ctes.delete(c.id);
      this.ctx.ctes.delete(worktableKey(c.id));
    }
  }

  private async release(b: RowBuffer): Promise<void> {
    this.buffers.splice(this.buffers.indexOf(b), 1);
    await b.clear();
  }

  private async clear(): Promise<void> {
    for (const b of this.buffers.splice(0)) await b.clear();
  }
}

/** Runs `op` to its end into `buffer`, keeping the rows `keep` passes (all without it). */
async function fill(buffer: RowBuffer, op: Operator, keep: ((row: Row) => boolean) | undefined): Promise<void> {
  await op.open();
  try {
    for (let b = await op.next(); b; b = await op.next()) {
      for (const r of b) {
        if (keep !== undefined && !keep(r)) continue;
        const spilling = buffer.append(r);
        if (spilling) await spilling;
      }
    }
  } finally {
    await op.close();
  }
}

/**
 * A buffer's rows in batches of BATCH_SIZE, new arrays each: one held in memory is a single
 * array of every row, which no consumer may change and which would make one long batch.
 */
async function* inBatches(buffer: RowBuffer): AsyncGenerator<Row[]> {
  for await (const rows of buffer.batches()) for (let at = 0; at < rows.length; at += BATCH_SIZE) yield rows.slice(at, at + BATCH_SIZE);
}

export class CteScanOperator implements Operator {
  private output: AsyncGenerator<Row[]> | undefined;
  constructor(
    private readonly key: number,
    private readonly ctx: ExecContext,
  ) {}
  async open(): Promise<void> {
    await this.close();
    const buffer = this.ctx.ctes.get(this.key);
    this.output = buffer && inBatches(buffer);
  }
  async next(): Promise<Row[] | null> {
    return nextBatch(this.output);
  }
  async close(): Promise<void> {
    const out = this.output;
    this.output = undefined;
    await out?.return(undefined);
  }
}
