/**
 * The nested loop join with its right side in a RowBuffer: equal to a naive join for random
 * inputs and every join type, whether the right side stays in memory or spills; the buffer's
 * file is gone after the end and after an early close.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lookupOperator } from "../functions/index.js";
import { BOOL, type ScalarExpr } from "../plan/expr.js";
import type { JoinType } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { INT4 } from "../types/index.js";
import { typeArb, valueArb } from "../types/testing/arbitraries.js";
import { NestedLoopJoinOperator } from "./join.js";
import { drain, type Row } from "./operator.js";
import { MemorySpillFiles } from "./spill/testing/memory-spill-files.js";
import { canonicalRows, JOIN_TYPES, type JoinCase, joinCaseArb, type JoinShape, joinShape, naiveJoin } from "./testing/join-cases.js";
import { GeneratedRows, inputPlan, testContext, withEstimate } from "./testing/operator-fixtures.js";

/** The join condition as one predicate: key equalities (NULL never equal) and the residual. */
function nestedLoopPlan(type: JoinType, s: JoinShape): Extract<PhysicalPlan, { kind: "nested loop join" }> {
  const eqs: ScalarExpr[] = s.leftKeys.map((l, i) => ({ kind: "call", name: "=", operator: true, fn: lookupOperator("=", l.type, s.rightKeys[i]!.type), args: [l, s.rightKeys[i]!], type: BOOL }));
  const on: ScalarExpr = { kind: "and", args: [...eqs, ...(s.residual ? [s.residual] : [])], type: BOOL };
  const columns = type === "semi" || type === "anti" ? s.leftColumns : [...s.leftColumns, ...s.rightColumns];
  return withEstimate({ kind: "nested loop join" as const, type, left: inputPlan(s.leftColumns), right: inputPlan(s.rightColumns), on, columns });
}

async function nestedLoop(type: JoinType, c: JoinCase, workMemBytes: number, files: MemorySpillFiles): Promise<Row[]> {
  const s = joinShape(c);
  return drain(new NestedLoopJoinOperator(GeneratedRows.of(c.left), () => GeneratedRows.of(c.right), nestedLoopPlan(type, s), testContext({ workMemBytes, spillFiles: files })));
}

function columnsOf(type: JoinType, c: JoinCase) {
  const s = joinShape(c);
  return type === "semi" || type === "anti" ? s.leftColumns : [...s.leftColumns, ...s.rightColumns];
}

describe("NestedLoopJoinOperator", () => {
  it("equals a naive join for every join type, in memory and spilled", async () => {
    // Types whose `=` compares like compareValues (so the naive join's equality is SQL's).
    const keyType = typeArb(["int2", "int4", "int8", "float8", "numeric", "text", "bool", "date", "bytea"]);
    const arb = fc.record({ c: joinCaseArb(keyType, valueArb, 60), type: fc.constantFrom(...JOIN_TYPES), budget: fc.constantFrom(1024, 4 * 1024 * 1024) });
    await fc.assert(
      fc.asyncProperty(arb, async ({ c, type, budget }) => {
        const files = new MemorySpillFiles();
        const out = await nestedLoop(type, c, budget, files);
        expect(canonicalRows(out, columnsOf(type, c))).toEqual(canonicalRows(naiveJoin(type, c), columnsOf(type, c)));
        expect(files.open).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it("keeps the left side's order and spills a big right side", async () => {
    const c: JoinCase = {
      keyTypes: [INT4],
      left: Array.from({ length: 50 }, (_, i): Row => [49 - i, i]),
      right: Array.from({ length: 2_000 }, (_, i): Row => [i % 100, i]),
      residual: false,
    };
    const files = new MemorySpillFiles();
    const out = await nestedLoop("left", c, 4096, files);
    expect(files.created).toBe(1);
    expect(files.open).toBe(0);
    expect(out.map((r) => r[1])).toEqual(Array.from({ length: 50 }, (_, i) => new Array<number>(20).fill(i)).flat());
  });

  it("releases the spilled right side when closed early", async () => {
    const c: JoinCase = { keyTypes: [INT4], left: [[1, 0]], right: Array.from({ length: 2_000 }, (_, i): Row => [1, i]), residual: false };
    const files = new MemorySpillFiles();
    const left = GeneratedRows.of(c.left);
    const op = new NestedLoopJoinOperator(left, () => GeneratedRows.of(c.right), nestedLoopPlan("inner", joinShape(c)), testContext({ workMemBytes: 4096, spillFiles: files }));
    await op.open();
    await op.next();
    expect(files.open).toBe(1);
    await op.close();
    expect(files.open).toBe(0);
    expect(left.isOpen).toBe(false);
  });
});
