/**
 * Memory stays bounded by work_mem, not by data size: a sort, a hash aggregation and a hash
 * join each over 200k rows (tens of MB if held in memory) with work_mem = 64kB, spilling to
 * real files. The heap is measured after forced collections while the operators run.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import type { AggregateCall } from "../../plan/logical.js";
import { INT4, INT8, TEXT } from "../../types/index.js";
import { HashAggregateOperator } from "../aggregate.js";
import { HashJoinOperator } from "../hash-join.js";
import type { Operator, Row } from "../operator.js";
import { SortOperator } from "../sort.js";
import { joinPlan, joinShape } from "../testing/join-cases.js";
import { column, GeneratedRows, inputPlan, ref, testContext, withEstimate } from "../testing/operator-fixtures.js";
import { nodeSpillFiles } from "./spill-files.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const ROWS = 200_000;
const WORK_MEM = 64 * 1024;
/** What the operators may hold beyond the idle heap: work_mem many times over, far below the data. */
const HEAP_GROWTH_MAX = 12 * 1024 * 1024;
const SAMPLE_EVERY = 25_000;

/** ~150 bytes of heap per row: 200k rows would take about 30MB. */
const payload = (i: number) => `${"p".repeat(90)}${String(i).padStart(8, "0")}`;

class HeapSampler {
  readonly baseline: number;
  peak = 0;

  constructor() {
    gc();
    this.baseline = process.memoryUsage().heapUsed;
  }

  sample(): void {
    gc();
    this.peak = Math.max(this.peak, process.memoryUsage().heapUsed - this.baseline);
  }
}

/** Input rows that sample the heap as they are made. */
function sampledInput(sampler: HeapSampler, make: (i: number) => Row): GeneratedRows {
  return new GeneratedRows(ROWS, (i) => {
    if (i % SAMPLE_EVERY === 0) sampler.sample();
    return make(i);
  });
}

/** Pulls every row, keeping none, sampling the heap as it goes; returns the count. */
async function consume(op: Operator, sampler: HeapSampler, check: (row: Row) => void = () => undefined): Promise<number> {
  let n = 0;
  await op.open();
  try {
    for (let b = await op.next(); b; b = await op.next()) {
      for (const r of b) {
        check(r);
        if (++n % SAMPLE_EVERY === 0) sampler.sample();
      }
    }
  } finally {
    await op.close();
  }
  return n;
}

describe("operators over 200k rows with work_mem = 64kB", () => {
  const dir = mkdtempSync(join(tmpdir(), "alopex-memory-test-"));
  const files = nodeSpillFiles(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const ctx = () => testContext({ workMemBytes: WORK_MEM, spillFiles: files });

  it("sort", { timeout: 180_000 }, async () => {
    const cols = [column(INT4, "k"), column(TEXT, "s")];
    const plan = withEstimate({ kind: "sort" as const, input: inputPlan(cols), keys: [{ expr: ref(cols[1]!), desc: true, nullsFirst: false }], columns: cols });
    const sampler = new HeapSampler();
    // Keys in a scrambled order, so the sort has work to do.
    const input = sampledInput(sampler, (i) => [i, payload((i * 7919) % ROWS)]);
    let last: string | undefined;
    const n = await consume(new SortOperator(input, plan, ctx()), sampler, (r) => {
      const s = r[1] as string;
      if (last !== undefined) expect(s <= last).toBe(true);
      last = s;
    });
    expect(n).toBe(ROWS);
    expect(sampler.peak).toBeLessThan(HEAP_GROWTH_MAX);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("hash aggregation with a group per row", { timeout: 180_000 }, async () => {
    const cols = [column(TEXT, "g"), column(INT4, "n")];
    const count: AggregateCall = { id: column(INT8).id, name: "count", args: [], distinct: false, type: INT8 };
    const sum: AggregateCall = { id: column(INT8).id, name: "sum", args: [ref(cols[1]!)], distinct: false, type: INT8 };
    const plan = withEstimate({ kind: "hash aggregate" as const, input: inputPlan(cols), groupBy: [ref(cols[0]!)], aggregates: [count, sum], columns: [cols[0]!, column(INT8), column(INT8)] });
    const sampler = new HeapSampler();
    let total = 0n;
    const op = new HashAggregateOperator(
      sampledInput(sampler, (i) => [payload(i), 1]),
      plan,
      ctx(),
    );
    const n = await consume(op, sampler, (r) => {
      total += r[1] as bigint;
    });
    expect(n).toBe(ROWS);
    expect(total).toBe(BigInt(ROWS));
    expect(op.stats.spilledRecords).toBeGreaterThan(0);
    expect(sampler.peak).toBeLessThan(HEAP_GROWTH_MAX);
  });

  it("hash join with a build side of 200k rows", { timeout: 180_000 }, async () => {
    const s = joinShape({ keyTypes: [TEXT], residual: false });
    const sampler = new HeapSampler();
    const left = sampledInput(sampler, (i) => [payload(i * 2), i]);
    const right = sampledInput(sampler, (i) => [payload(i), i]);
    const op = new HashJoinOperator(left, right, joinPlan("hash join", "inner", s), ctx());
    const n = await consume(op, sampler);
    expect(n).toBe(ROWS / 2);
    expect(op.stats.partitioned).toBe(true);
    expect(sampler.peak).toBeLessThan(HEAP_GROWTH_MAX);
  });
});
