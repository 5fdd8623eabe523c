/**
 * WITH materialisation: CTE results and recursive worktables live in RowBuffers, so they spill
 * past work_mem and still read back whole, as often as the body asks; their files are gone when
 * the operator closes, after an error too.
 */
import { describe, expect, it } from "vitest";
import type { PhysicalPlan } from "../plan/physical.js";
import { INT4 } from "../types/index.js";
import { CteScanOperator, WithOperator, worktableKey } from "./cte.js";
import type { ExecContext } from "./context.js";
import { drain, type Operator, type Row } from "./operator.js";
import { MemorySpillFiles } from "./spill/testing/memory-spill-files.js";
import { column, GeneratedRows, inputPlan, testContext, withEstimate } from "./testing/operator-fixtures.js";

const n = column(INT4, "n");
const CTE_ID = 7;

/** Reads `inner` to its end, maps each row, keeps those `keep` passes. */
class MapOperator implements Operator {
  constructor(
    private readonly inner: Operator,
    private readonly map: (r: Row) => Row | undefined,
  ) {}
  open(): Promise<void> {
    return this.inner.open();
  }
  async next(): Promise<Row[] | null> {
    for (let b = await this.inner.next(); b; b = await this.inner.next()) {
      const out = b.map(this.map).filter((r): r is Row => r !== undefined);
      if (out.length > 0) return out;
    }
    return null;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The body: the CTE read twice, one reading after the other. */
class TwiceOperator implements Operator {
  private readonly scans: CteScanOperator[];
  private at = 0;
  constructor(ctx: ExecContext) {
    this.scans = [new CteScanOperator(CTE_ID, ctx), new CteScanOperator(CTE_ID, ctx)];
  }
  async open(): Promise<void> {
    this.at = 0;
    await this.scans[0]!.open();
  }
  async next(): Promise<Row[] | null> {
    for (;;) {
      const b = await this.scans[this.at]!.next();
      if (b) return b;
      if (++this.at === this.scans.length) return null;
      await this.scans[this.at]!.open();
    }
  }
  async close(): Promise<void> {
    for (const s of this.scans) await s.close();
  }
}

const anchorPlan = inputPlan([n]);
const termPlan = inputPlan([n]);

/** WITH RECURSIVE t(n) AS (SELECT 1..start UNION [ALL] SELECT n + 1 FROM t WHERE n < limit) t twice. */
function recursiveCount(ctx: ExecContext, start: number, limit: number, all: boolean, failAt?: number): WithOperator {
  const plan = withEstimate({
    kind: "with" as const,
    ctes: [{ id: CTE_ID, name: "t", plan: anchorPlan, recursive: { term: termPlan, all }, columns: [n] }],
    body: inputPlan([n]),
    columns: [n],
  }) as Extract<PhysicalPlan, { kind: "with" }>;
  const build = (p: PhysicalPlan): Operator => {
    if (p === anchorPlan) return new GeneratedRows(start, (i) => [i + 1]);
    return new MapOperator(new CteScanOperator(worktableKey(CTE_ID), ctx), ([v]) => {
      if (failAt !== undefined && (v as number) === failAt) throw new Error("term failed");
      return (v as number) < limit ? [(v as number) + 1] : undefined;
    });
  };
  return new WithOperator(plan, new TwiceOperator(ctx), build, ctx);
}

describe("WithOperator", () => {
  it.each([
    ["in memory", 4 * 1024 * 1024],
    ["spilled", 1024],
  ] as const)("materialises a recursive CTE %s and reads it back twice, files gone at the end", async (_, workMemBytes) => {
    for (const all of [true, false]) {
      const files = new MemorySpillFiles();
      const ctx = testContext({ workMemBytes, spillFiles: files });
      // UNION ALL repeats what the two anchor rows reach; UNION keeps each number once.
      const rows = await drain(recursiveCount(ctx, 2, 3000, all));
      const once = all ? [...Array.from({ length: 3000 }, (_, i) => i + 1), ...Array.from({ length: 2999 }, (_, i) => i + 2)].sort((a, b) => a - b) : Array.from({ length: 3000 }, (_, i) => i + 1);
      const values = rows.map((r) => r[0] as number);
      expect(values.slice(0, values.length / 2).sort((a, b) => a - b)).toEqual(once);
      expect(values.slice(values.length / 2).sort((a, b) => a - b)).toEqual(once);
      expect(files.created > 0).toBe(workMemBytes === 1024);
      expect(files.open).toBe(0);
      expect(ctx.ctes.size).toBe(0);
    }
  });

  it("closes its files when the recursive term fails, without waiting for close()", async () => {
    const files = new MemorySpillFiles();
    const ctx = testContext({ workMemBytes: 1024, spillFiles: files });
    const op = recursiveCount(ctx, 1, 5000, true, 2500);
    await expect(op.open()).rejects.toThrow("term failed");
    expect(files.created).toBeGreaterThan(0);
    expect(files.open).toBe(0);
    expect(ctx.ctes.size).toBe(0);
    await op.close();
  });
});
