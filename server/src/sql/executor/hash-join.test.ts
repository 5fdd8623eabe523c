/**
 * The hash join past work_mem (grace hash join): when it partitions, how deep, skew it cannot
 * split, NULL keys, and the spill bookkeeping. merge-join.test.ts compares it with the merge
 * join and a naive join over random inputs and every join type.
 */
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import type { JoinType } from "../plan/logical.js";
import { INT4, TEXT } from "../types/index.js";
import { HashJoinOperator } from "./hash-join.js";
import { drain, type Row } from "./operator.js";
import { MemorySpillFiles } from "./spill/testing/memory-spill-files.js";
import { canonicalRows, JOIN_TYPES, type JoinCase, joinPlan, joinShape, naiveJoin } from "./testing/join-cases.js";
import { GeneratedRows, testContext } from "./testing/operator-fixtures.js";

function columnsOf(type: JoinType, c: JoinCase) {
  const s = joinShape(c);
  return type === "semi" || type === "anti" ? s.leftColumns : [...s.leftColumns, ...s.rightColumns];
}

async function run(type: JoinType, c: JoinCase, workMemBytes: number, files = new MemorySpillFiles()) {
  const op = new HashJoinOperator(GeneratedRows.of(c.left), GeneratedRows.of(c.right), joinPlan("hash join", type, joinShape(c)), testContext({ workMemBytes, spillFiles: files }));
  const out = await drain(op);
  expect(canonicalRows(out, columnsOf(type, c))).toEqual(canonicalRows(naiveJoin(type, c), columnsOf(type, c)));
  expect(files.open).toBe(0);
  return op.stats;
}

describe("HashJoinOperator past work_mem", () => {
  // Keys 0..749 on the left, 250..999 (with NULLs) on the right, two rows per key.
  const c: JoinCase = {
    keyTypes: [INT4],
    left: Array.from({ length: 1_500 }, (_, i): Row => [i % 750, i]),
    right: Array.from({ length: 1_500 }, (_, i): Row => [i % 97 === 0 ? null : 250 + (i % 750), i]),
    residual: false,
  };

  it.each(JOIN_TYPES)("%s join stays in memory when the build side fits", async (type) => {
    const stats = await run(type, c, 4 * 1024 * 1024);
    expect(stats.partitioned).toBe(false);
  });

  it.each(JOIN_TYPES)("%s join partitions both sides when it does not", async (type) => {
    const stats = await run(type, c, 64 * 1024);
    expect(stats.partitioned).toBe(true);
    expect(stats.maxLevel).toBe(1);
  });

  it("splits a partition again when it is still too big", async () => {
    const stats = await run("full", c, 1024);
    expect(stats.maxLevel).toBeGreaterThanOrEqual(2);
  });

  it.each(["inner", "full", "anti"] as const)("%s join: one key repeated past the budget (skew it cannot split)", async (type) => {
    const skewed: JoinCase = {
      keyTypes: [TEXT],
      left: Array.from({ length: 60 }, (_, i): Row => [i % 10 === 0 ? "other" : "hot", i]),
      right: Array.from({ length: 800 }, (_, i): Row => [i % 100 === 0 ? "cold" : "hot", i]),
      residual: true,
    };
    const stats = await run(type, skewed, 4096);
    expect(stats.partitioned).toBe(true);
  });

  it("closes partition files and inputs when closed early, on a failed write and on a cancel", async () => {
    const plan = joinPlan("hash join", "full", joinShape(c));
    const files = new MemorySpillFiles();
    const left = GeneratedRows.of(c.left);
    const right = GeneratedRows.of(c.right);
    const op = new HashJoinOperator(left, right, plan, testContext({ workMemBytes: 4096, spillFiles: files }));
    await op.open();
    await op.next();
    expect(files.open).toBeGreaterThan(0);
    await op.close();
    expect(files.open).toBe(0);
    expect(left.isOpen || right.isOpen).toBe(false);

    for (const [fs, cancelAtCheck, sqlstate] of [
      [Object.assign(new MemorySpillFiles(), { failWriteAt: 10 }), undefined, "53100"],
      [new MemorySpillFiles(), 12, "57014"],
    ] as const) {
      const l = GeneratedRows.of(c.left);
      const r = GeneratedRows.of(c.right);
      const failing = new HashJoinOperator(l, r, plan, testContext({ workMemBytes: 4096, spillFiles: fs, ...(cancelAtCheck !== undefined && { cancelAtCheck }) }));
      const err = await drain(failing).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(sqlstateOf(err)).toBe(sqlstate);
      expect(fs.created).toBeGreaterThan(0);
      expect(fs.open).toBe(0);
      expect(l.isOpen || r.isOpen).toBe(false);
    }
  });
});
