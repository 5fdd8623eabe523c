/**
 * Merge join against the hash join (in memory and partitioned) and a naive join, for random
 * inputs and every join type; then groups of duplicates bigger than work_mem, the sortedness
 * check, and the spill bookkeeping.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import type { JoinType } from "../plan/logical.js";
import { INT4, type SqlType, TEXT } from "../types/index.js";
import { KEY_KINDS, typeArb, valueArb } from "../types/testing/arbitraries.js";
import type { ExecContext } from "./context.js";
import { HashJoinOperator } from "./hash-join.js";
import { MergeJoinOperator } from "./merge-join.js";
import { drain, type Operator, type Row } from "./operator.js";
import { SortOperator } from "./sort.js";
import { MemorySpillFiles } from "./spill/testing/memory-spill-files.js";
import { canonicalRows, JOIN_TYPES, type JoinCase, joinCaseArb, joinPlan, type JoinShape, joinShape, naiveJoin } from "./testing/join-cases.js";
import { GeneratedRows, inputPlan, testContext, withEstimate } from "./testing/operator-fixtures.js";

/** A merge join over sorts of both inputs, as the planner builds it when no index gives the order. */
function mergeJoin(type: JoinType, s: JoinShape, left: Operator, right: Operator, ctx: ExecContext): MergeJoinOperator {
  const sorted = (input: Operator, columns: JoinShape["leftColumns"], keys: JoinShape["leftKeys"]) =>
    new SortOperator(input, withEstimate({ kind: "sort" as const, input: inputPlan(columns), keys: keys.map((expr) => ({ expr, desc: false, nullsFirst: false })), columns }), ctx);
  return new MergeJoinOperator(sorted(left, s.leftColumns, s.leftKeys), sorted(right, s.rightColumns, s.rightKeys), joinPlan("merge join", type, s), ctx);
}

function outputColumns(type: JoinType, s: JoinShape) {
  return type === "semi" || type === "anti" ? s.leftColumns : [...s.leftColumns, ...s.rightColumns];
}

describe("MergeJoinOperator", () => {
  it("equals the hash join, the partitioned hash join and a naive join for every join type", async () => {
    const arb = fc.record({ c: joinCaseArb(typeArb(KEY_KINDS), valueArb), type: fc.constantFrom(...JOIN_TYPES), budget: fc.constantFrom(1024, 4096) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ c, type, budget }) => {
        const s = joinShape(c);
        const cols = outputColumns(type, s);
        const files = new MemorySpillFiles();
        const tiny = testContext({ workMemBytes: budget, spillFiles: files });
        const expected = canonicalRows(naiveJoin(type, c), cols);
        const merged = await drain(mergeJoin(type, s, GeneratedRows.of(c.left), GeneratedRows.of(c.right), tiny));
        expect(canonicalRows(merged, cols)).toEqual(expected);
        const hashed = await drain(new HashJoinOperator(GeneratedRows.of(c.left), GeneratedRows.of(c.right), joinPlan("hash join", type, s), testContext()));
        expect(canonicalRows(hashed, cols)).toEqual(expected);
        const partitioned = await drain(new HashJoinOperator(GeneratedRows.of(c.left), GeneratedRows.of(c.right), joinPlan("hash join", type, s), tiny));
        expect(canonicalRows(partitioned, cols)).toEqual(expected);
        expect(files.open).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it.each(JOIN_TYPES)("%s join: duplicate groups larger than work_mem on both sides", async (type) => {
    // 40 left and 300 right rows per key over 5 keys, keys 0..4 on the left and 2..6 on the right.
    const c: JoinCase = {
      keyTypes: [TEXT],
      left: Array.from({ length: 200 }, (_, i): Row => [`key ${i % 5}`, i]),
      right: Array.from({ length: 1500 }, (_, i): Row => [`key ${2 + (i % 5)}`, i]),
      residual: type !== "inner",
    };
    const s = joinShape(c);
    const files = new MemorySpillFiles();
    const out = await drain(mergeJoin(type, s, GeneratedRows.of(c.left), GeneratedRows.of(c.right), testContext({ workMemBytes: 4096, spillFiles: files })));
    expect(canonicalRows(out, outputColumns(type, s))).toEqual(canonicalRows(naiveJoin(type, c), outputColumns(type, s)));
    expect(files.created).toBeGreaterThan(2);
    expect(files.open).toBe(0);
  });

  it("streams: the first batch comes before either input is read to the end", async () => {
    const s = joinShape({ keyTypes: [INT4], residual: false });
    const left = new GeneratedRows(1_000_000, (i) => [i, i]);
    const right = new GeneratedRows(1_000_000, (i) => [2 * i, i]);
    const op = new MergeJoinOperator(left, right, joinPlan("merge join", "inner", s), testContext());
    await op.open();
    const b = await op.next();
    expect(b![0]).toEqual([0, 0, 0, 0]);
    expect(left.produced + right.produced).toBeLessThan(2_000);
    await op.close();
    expect(left.isOpen || right.isOpen).toBe(false);
  });

  it.each(["left", "right"] as const)("fails loudly when the %s input is not sorted", async (side) => {
    const s = joinShape({ keyTypes: [INT4], residual: false });
    const sorted = GeneratedRows.of([[1, 0], [2, 1], [3, 2]]);
    const unsorted = GeneratedRows.of([[1, 0], [3, 1], [2, 2]]);
    const [l, r] = side === "left" ? [unsorted, sorted] : [sorted, unsorted];
    const err = await drain(new MergeJoinOperator(l, r, joinPlan("merge join", "full", s), testContext())).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sqlstateOf(err)).toBe("XX000");
    expect((err as Error).message).toContain(`the ${side} input of a merge join is not sorted`);
    expect(l.isOpen || r.isOpen).toBe(false);
  });

  it("places NULL keys anywhere in the order and never matches them", async () => {
    const keyTypes: SqlType[] = [INT4, INT4];
    const c: JoinCase = {
      keyTypes,
      left: [[1, null, 0], [1, 1, 1], [1, null, 2], [null, 1, 3], [2, 2, 4]],
      right: [[1, 1, 0], [1, null, 1], [null, null, 2], [2, 2, 3], [2, null, 4]],
      residual: false,
    };
    const s = joinShape(c);
    for (const type of JOIN_TYPES) {
      const out = await drain(new MergeJoinOperator(GeneratedRows.of(c.left), GeneratedRows.of(c.right), joinPlan("merge join", type, s), testContext()));
      expect(canonicalRows(out, outputColumns(type, s)), type).toEqual(canonicalRows(naiveJoin(type, c), outputColumns(type, s)));
    }
  });

  it("releases a spilled group and both inputs when closed early or cancelled", async () => {
    const s = joinShape({ keyTypes: [INT4], residual: false });
    const files = new MemorySpillFiles();
    const left = new GeneratedRows(5_000, () => [7, 0]);
    const right = new GeneratedRows(5_000, (i) => [7, i]);
    const op = new MergeJoinOperator(left, right, joinPlan("merge join", "inner", s), testContext({ workMemBytes: 4096, spillFiles: files }));
    await op.open();
    await op.next();
    expect(files.open).toBe(1);
    await op.close();
    expect(files.open).toBe(0);
    expect(left.isOpen || right.isOpen).toBe(false);

    const cancelled = new MergeJoinOperator(new GeneratedRows(5_000, () => [7, 0]), new GeneratedRows(5_000, (i) => [7, i]), joinPlan("merge join", "inner", s), testContext({ workMemBytes: 4096, spillFiles: files, cancelAtCheck: 30 }));
    const err = await drain(cancelled).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sqlstateOf(err)).toBe("57014");
    expect(files.open).toBe(0);
  });
});
