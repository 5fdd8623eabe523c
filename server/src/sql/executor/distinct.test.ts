/** SELECT DISTINCT within work_mem: the same rows in memory and spilled, first occurrences kept. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import type { OutputColumn } from "../plan/logical.js";
import { hashKey, INT4, type SqlType, TEXT } from "../types/index.js";
import { KEY_KINDS, typeArb, valueArb } from "../types/testing/arbitraries.js";
import { HashDistinctOperator } from "./distinct.js";
import { drain, type Row } from "./operator.js";
import { MemorySpillFiles } from "./spill/testing/memory-spill-files.js";
import { canonicalRows } from "./testing/join-cases.js";
import { column, GeneratedRows, inputPlan, testContext, withEstimate } from "./testing/operator-fixtures.js";

function distinctPlan(columns: OutputColumn[]) {
  return withEstimate({ kind: "distinct" as const, input: inputPlan(columns), columns });
}

/** The first row of each value, in input order. */
function firstOccurrences(rows: readonly Row[], types: readonly SqlType[]): Row[] {
  const seen = new Set<string | number>();
  return rows.filter((r) => {
    const k = hashKey(r, types);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

describe("HashDistinctOperator", () => {
  it("keeps the first row of each value, in memory in input order, spilled in any order", async () => {
    const arb = fc.array(typeArb(KEY_KINDS), { minLength: 1, maxLength: 3 }).chain((types) =>
      fc.record({
        types: fc.constant(types),
        rows: fc.tuple(...types.map((t) => fc.array(valueArb(t), { minLength: 1, maxLength: 6 })), fc.array(fc.nat(), { maxLength: 300 })).map((parts) => {
          const pools = parts.slice(0, types.length) as Row[];
          return (parts[types.length] as number[]).map((p): Row => pools.map((pool, i) => pool[(p >> (3 * i)) % pool.length]!));
        }),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ types, rows }) => {
        const cols = types.map((t) => column(t));
        const expected = firstOccurrences(rows, types);
        const inMemory = await drain(new HashDistinctOperator(GeneratedRows.of(rows), distinctPlan(cols), testContext()));
        expect(canonicalRows(inMemory, cols)).toEqual(canonicalRows(expected, cols));
        expect(inMemory.map((r) => hashKey(r, types))).toEqual(expected.map((r) => hashKey(r, types)));
        const files = new MemorySpillFiles();
        const spilled = await drain(new HashDistinctOperator(GeneratedRows.of(rows), distinctPlan(cols), testContext({ workMemBytes: 1024, spillFiles: files })));
        expect(canonicalRows(spilled, cols)).toEqual(canonicalRows(expected, cols));
        expect(files.open).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it("spills many distinct rows, partitioning again when needed, and closes every file", async () => {
    const cols = [column(INT4), column(TEXT)];
    const files = new MemorySpillFiles();
    const op = new HashDistinctOperator(new GeneratedRows(40_000, (i) => [i % 20_000, `v${i % 20_000}`]), distinctPlan(cols), testContext({ workMemBytes: 4096, spillFiles: files }));
    const out = await drain(op);
    expect(out.length).toBe(20_000);
    expect(new Set(out.map((r) => r[0])).size).toBe(20_000);
    expect(op.stats.spilledRows).toBeGreaterThan(0);
    expect(op.stats.maxLevel).toBeGreaterThanOrEqual(2);
    expect(files.open).toBe(0);
  });

  it("closes its files and input when closed early or cancelled", async () => {
    const cols = [column(INT4)];
    const files = new MemorySpillFiles();
    const input = new GeneratedRows(20_000, (i) => [i]);
    const op = new HashDistinctOperator(input, distinctPlan(cols), testContext({ workMemBytes: 2048, spillFiles: files }));
    await op.open();
    for (let i = 0; i < 20; i++) await op.next();
    expect(files.open).toBeGreaterThan(0);
    await op.close();
    expect(files.open).toBe(0);
    expect(input.isOpen).toBe(false);

    const cancelled = new HashDistinctOperator(new GeneratedRows(20_000, (i) => [i]), distinctPlan(cols), testContext({ workMemBytes: 2048, spillFiles: files, cancelAtCheck: 50 }));
    const err = await drain(cancelled).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sqlstateOf(err)).toBe("57014");
    expect(files.open).toBe(0);
  });
});
