/**
 * UNION, INTERSECT and EXCEPT (with and without ALL) against multiset definitions, in memory and
 * partitioned under a tiny work_mem, and the spill bookkeeping.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import type { OutputColumn } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { hashKey, type HashKey, INT4, type SqlType, TEXT } from "../types/index.js";
import { KEY_KINDS, typeArb, valueArb } from "../types/testing/arbitraries.js";
import { drain, type Row } from "./operator.js";
import { SetOpOperator } from "./setop.js";
import { MemorySpillFiles } from "./spill/testing/memory-spill-files.js";
import { canonicalRows } from "./testing/join-cases.js";
import { column, GeneratedRows, inputPlan, testContext, withEstimate } from "./testing/operator-fixtures.js";

type SetOpPlan = Extract<PhysicalPlan, { kind: "setop" }>;
const OPS: readonly [SetOpPlan["op"], boolean][] = [
  ["union", false],
  ["union", true],
  ["intersect", false],
  ["intersect", true],
  ["except", false],
  ["except", true],
];

function setOpPlan(op: SetOpPlan["op"], all: boolean, columns: OutputColumn[]): SetOpPlan {
  return withEstimate({ kind: "setop" as const, op, all, left: inputPlan(columns), right: inputPlan(columns), columns });
}

/** The SQL definitions over multisets: m copies on the left and n on the right give max(m, n)... as PostgreSQL counts them. */
function reference(op: SetOpPlan["op"], all: boolean, left: readonly Row[], right: readonly Row[], types: readonly SqlType[]): Row[] {
  const group = (rows: readonly Row[]) => {
    const m = new Map<HashKey, Row[]>();
    for (const r of rows) {
      const k = hashKey(r, types);
      m.set(k, [...(m.get(k) ?? []), r]);
    }
    return m;
  };
  const l = group(left);
  const r = group(right);
  const out: Row[] = [];
  const keys = new Set([...l.keys(), ...r.keys()]);
  for (const k of keys) {
    const ls = l.get(k) ?? [];
    const rs = r.get(k) ?? [];
    const copies = op === "union" ? (all ? ls.length + rs.length : 1) : op === "intersect" ? (all ? Math.min(ls.length, rs.length) : ls.length && rs.length ? 1 : 0) : all ? Math.max(0, ls.length - rs.length) : ls.length && !rs.length ? 1 : 0;
    const source = [...ls, ...rs];
    for (let i = 0; i < copies; i++) out.push(source[Math.min(i, source.length - 1)]!);
  }
  return out;
}

describe("SetOpOperator", () => {
  it("equals the multiset definitions in memory and partitioned", async () => {
    const arb = fc.array(typeArb(KEY_KINDS), { minLength: 1, maxLength: 2 }).chain((types) => {
      const rowArb = fc.tuple(...types.map((t) => fc.array(valueArb(t), { minLength: 1, maxLength: 4 }))).chain((pools) => {
        const rows = fc.array(fc.nat(), { maxLength: 150 }).map((picks) => picks.map((p): Row => (pools as Row[]).map((pool, i) => pool[(p >> (2 * i)) % pool.length]!)));
        return fc.tuple(rows, rows);
      });
      return fc.record({ types: fc.constant(types), sides: rowArb, op: fc.constantFrom(...OPS), budget: fc.constantFrom(1024, 4 * 1024 * 1024) });
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ types, sides: [left, right], op: [op, all], budget }) => {
        const cols = types.map((t) => column(t));
        const files = new MemorySpillFiles();
        const out = await drain(new SetOpOperator(GeneratedRows.of(left), GeneratedRows.of(right), setOpPlan(op, all, cols), testContext({ workMemBytes: budget, spillFiles: files })));
        expect(canonicalRows(out, cols)).toEqual(canonicalRows(reference(op, all, left, right, types), cols));
        expect(files.open).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it.each(OPS.filter(([op]) => op !== "union"))("%s (all: %s) partitions past work_mem, twice if needed", async (op, all) => {
    const cols = [column(INT4), column(TEXT)];
    const left = Array.from({ length: 6_000 }, (_, i): Row => [i % 3_000, `v${i % 3_000}`]);
    const right = Array.from({ length: 4_000 }, (_, i): Row => [1_000 + (i % 2_000), `v${1_000 + (i % 2_000)}`]);
    const files = new MemorySpillFiles();
    const setop = new SetOpOperator(GeneratedRows.of(left), GeneratedRows.of(right), setOpPlan(op, all, cols), testContext({ workMemBytes: 2048, spillFiles: files }));
    const out = await drain(setop);
    expect(canonicalRows(out, cols)).toEqual(canonicalRows(reference(op, all, left, right, [INT4, TEXT]), cols));
    expect(setop.stats.partitioned).toBe(true);
    expect(setop.stats.maxLevel).toBeGreaterThanOrEqual(2);
    expect(files.open).toBe(0);
  });

  it("closes its files and both inputs when closed early or cancelled", async () => {
    const cols = [column(INT4)];
    const files = new MemorySpillFiles();
    const left = new GeneratedRows(20_000, (i) => [i]);
    const right = new GeneratedRows(20_000, (i) => [i * 2]);
    const op = new SetOpOperator(left, right, setOpPlan("except", true, cols), testContext({ workMemBytes: 2048, spillFiles: files }));
    await op.open();
    await op.next();
    expect(files.open).toBeGreaterThan(0);
    await op.close();
    expect(files.open).toBe(0);
    expect(left.isOpen || right.isOpen).toBe(false);

    const l2 = new GeneratedRows(20_000, (i) => [i]);
    const r2 = new GeneratedRows(20_000, (i) => [i * 2]);
    const err = await drain(new SetOpOperator(l2, r2, setOpPlan("intersect", false, cols), testContext({ workMemBytes: 2048, spillFiles: files, cancelAtCheck: 60 }))).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sqlstateOf(err)).toBe("57014");
    expect(files.open).toBe(0);
    expect(l2.isOpen || r2.isOpen).toBe(false);
  });
});
