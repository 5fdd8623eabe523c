/**
 * The sort operator and the external sort under it: output equal to a stable in-memory sort for
 * random rows under tiny budgets, top-n without spilling, multi-pass merges, and no spill file
 * left open after the end, an early close, a failed write or a cancel.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import type { SortKey } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { INT4, INT8, type SqlType, TEXT } from "../types/index.js";
import { KEY_KINDS, typeArb, valueArb } from "../types/testing/arbitraries.js";
import { drain, type Row } from "./operator.js";
import { keyComparator, SortOperator } from "./sort.js";
import { ExternalSorter } from "./spill/external-sort.js";
import { spillConfig } from "./spill/spill-config.js";
import { nodeSpillFiles, spillDirectory } from "./spill/spill-files.js";
import { exactlyEqual } from "./spill/testing/exact-equal.js";
import { MemorySpillFiles } from "./spill/testing/memory-spill-files.js";
import { column, GeneratedRows, inputPlan, ref, testContext, withEstimate } from "./testing/operator-fixtures.js";

type SortPlan = Extract<PhysicalPlan, { kind: "sort" }>;

function sortPlan(types: readonly SqlType[], keys: readonly { col: number; desc: boolean; nullsFirst: boolean }[], limit?: number): SortPlan {
  const cols = types.map((t, i) => column(t, `c${i}`));
  const sortKeys: SortKey[] = keys.map((k) => ({ expr: ref(cols[k.col]!), desc: k.desc, nullsFirst: k.nullsFirst }));
  return withEstimate({ kind: "sort" as const, input: inputPlan(cols), keys: sortKeys, columns: cols, ...(limit !== undefined && { limit: { kind: "const" as const, type: INT8, value: BigInt(limit) } }) });
}

/** The reference: a stable in-memory sort (Array.prototype.sort is stable). */
function referenceSort(rows: readonly Row[], plan: SortPlan, limit = Infinity): Row[] {
  const positions = plan.keys.map((k) => plan.columns.findIndex((c) => k.expr.kind === "column" && c.id === k.expr.id));
  const cmp = keyComparator(plan.keys, plan.keys.map((k) => k.expr.type));
  const keyed = rows.map((row) => ({ key: positions.map((p) => row[p]!), row }));
  keyed.sort((a, b) => cmp(a.key, b.key));
  return keyed.slice(0, limit).map((k) => k.row);
}

function expectRowsExactly(actual: readonly Row[], expected: readonly Row[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((r, i) => {
    const e = expected[i]!;
    expect(r.length).toBe(e.length);
    r.forEach((v, j) => expect(exactlyEqual(v, e[j]!), `row ${i} column ${j}`).toBe(true));
  });
}

const caseArb = fc
  .record({
    types: fc.array(typeArb(KEY_KINDS), { minLength: 1, maxLength: 3 }),
    rowCount: fc.integer({ min: 0, max: 400 }),
    budget: fc.constantFrom(1024, 2048, 6000),
    limit: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  })
  .chain((c) =>
    fc.record({
      types: fc.constant(c.types),
      budget: fc.constant(c.budget),
      limit: fc.constant(c.limit),
      // A payload column numbers the rows, so stability is visible.
      rows: fc.array(fc.tuple(...c.types.map((t) => valueArb(t))), { minLength: c.rowCount, maxLength: c.rowCount }).map((rs) => rs.map((r, i): Row => [...r, i])),
      keys: fc.array(fc.record({ col: fc.integer({ min: 0, max: c.types.length - 1 }), desc: fc.boolean(), nullsFirst: fc.boolean() }), { minLength: 1, maxLength: 3 }),
    }),
  );

describe("SortOperator", () => {
  it("equals a stable in-memory sort for random rows, keys, limits and tiny budgets", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const files = new MemorySpillFiles();
        const plan = sortPlan([...c.types, INT4], c.keys, c.limit);
        const ctx = testContext({ workMemBytes: c.budget, spillFiles: files });
        const input = GeneratedRows.of(c.rows);
        const out = await drain(new SortOperator(input, plan, ctx));
        expectRowsExactly(out, referenceSort(c.rows, plan, c.limit));
        expect(files.open).toBe(0);
        expect(input.isOpen).toBe(false);
      }),
      { numRuns: 120 },
    );
  });

  const wide = (i: number): Row => [i % 97, "x".repeat(40) + String(i).padStart(6, "0"), i];

  it.each([
    { name: "everything fits", rows: 500, budget: 4 * 1024 * 1024, limit: undefined, spills: false },
    { name: "spills, one merge", rows: 500, budget: 64 * 1024, limit: undefined, spills: true },
    { name: "spills, merge passes", rows: 20_000, budget: 8 * 1024, limit: undefined, spills: true },
    { name: "top-n never spills", rows: 20_000, budget: 8 * 1024, limit: 10, spills: false },
    { name: "top-n whose n rows do not fit spills", rows: 5_000, budget: 8 * 1024, limit: 2_000, spills: true },
    { name: "limit 0", rows: 1_000, budget: 8 * 1024, limit: 0, spills: false },
  ])("$name", async ({ rows, budget, limit, spills }) => {
    const files = new MemorySpillFiles();
    const plan = sortPlan([INT4, TEXT, INT4], [{ col: 0, desc: true, nullsFirst: false }], limit);
    const input = new GeneratedRows(rows, wide);
    const out = await drain(new SortOperator(input, plan, testContext({ workMemBytes: budget, spillFiles: files })));
    const all = Array.from({ length: rows }, (_, i) => wide(i));
    expectRowsExactly(out, referenceSort(all, plan, limit));
    expect(files.created > 0).toBe(spills);
    expect(files.maxOpen).toBeLessThanOrEqual(2);
    expect(files.open).toBe(0);
  });

  it("closes its spill files when closed before the end", async () => {
    const files = new MemorySpillFiles();
    const plan = sortPlan([INT4, TEXT, INT4], [{ col: 1, desc: false, nullsFirst: false }]);
    const op = new SortOperator(new GeneratedRows(5_000, wide), plan, testContext({ workMemBytes: 8 * 1024, spillFiles: files }));
    await op.open();
    expect((await op.next())!.length).toBeGreaterThan(0);
    expect(files.open).toBeGreaterThan(0);
    await op.close();
    expect(files.open).toBe(0);
  });

  it.each([
    { name: "a failed write", fail: { failWriteAt: 7 }, cancelAtCheck: undefined, sqlstate: "53100" },
    { name: "a failed write in a merge pass", fail: { failWriteAt: 1500 }, cancelAtCheck: undefined, sqlstate: "53100" },
    { name: "a cancel while reading input", fail: {}, cancelAtCheck: 30, sqlstate: "57014" },
  ])("fails with $sqlstate on $name and leaves no file open", async ({ fail, cancelAtCheck, sqlstate }) => {
    const files = Object.assign(new MemorySpillFiles(), fail);
    const plan = sortPlan([INT4, TEXT, INT4], [{ col: 2, desc: true, nullsFirst: false }]);
    const input = new GeneratedRows(20_000, wide);
    const op = new SortOperator(input, plan, testContext({ workMemBytes: 8 * 1024, spillFiles: files, ...(cancelAtCheck !== undefined && { cancelAtCheck }) }));
    const err = await op.open().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sqlstateOf(err)).toBe(sqlstate);
    expect(files.created).toBeGreaterThan(0);
    expect(files.open).toBe(0);
    expect(input.isOpen).toBe(false);
    await op.close();
  });

  it("runs again after a close (operators are re-opened by nested loops)", async () => {
    const files = new MemorySpillFiles();
    const plan = sortPlan([INT4, TEXT, INT4], [{ col: 0, desc: false, nullsFirst: false }]);
    const op = new SortOperator(new GeneratedRows(3_000, wide), plan, testContext({ workMemBytes: 8 * 1024, spillFiles: files }));
    const first = await drain(op);
    const second = await drain(op);
    expectRowsExactly(second, first);
    expect(files.open).toBe(0);
  });
});

describe("ExternalSorter", () => {
  const cmp = keyComparator([{ desc: false, nullsFirst: false }], [INT4]);

  it("merges in passes of at most mergeFanIn runs, keeping ties in input order", async () => {
    const files = new MemorySpillFiles();
    const config = spillConfig(2048, files);
    const sorter = new ExternalSorter(cmp, 1, config, () => undefined);
    const n = 6_000;
    for (let i = 0; i < n; i++) await sorter.add([i % 10], [i % 10, i]);
    await sorter.finish();
    expect(sorter.stats.mergePasses).toBeGreaterThan(0);
    expect(files.maxOpen).toBeLessThanOrEqual(2);
    const out: Row[] = [];
    for (let b = await sorter.next(); b; b = await sorter.next()) out.push(...b);
    expect(out.map((r) => r[1])).toEqual(Array.from({ length: n }, (_, i) => i).sort((a, b) => (a % 10) - (b % 10) || a - b));
    expect(files.open).toBe(0);
    expect(sorter.stats.peakBufferedBytes).toBeLessThanOrEqual(config.budgetBytes + 1024);
  });

  describe("on the node file system", () => {
    it("clears the empty per-process directories of dead processes when it first spills", async () => {
      // Above Linux's largest pid (2^22), so no live process has it.
      const stale = join(tmpdir(), `alopex-spill-${2 ** 22 + 4242}`);
      mkdirSync(stale, { recursive: true });
      const file = await nodeSpillFiles(spillDirectory("")).create();
      await file.close();
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(spillDirectory(""))).toBe(true);
    });

    const dir = mkdtempSync(join(tmpdir(), "alopex-sort-test-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("leaves no names in the directory while it spills, nor after", async () => {
      const plan = sortPlan([INT4, TEXT, INT4], [{ col: 1, desc: true, nullsFirst: false }]);
      const op = new SortOperator(new GeneratedRows(4_000, wide), plan, { ...testContext({ workMemBytes: 16 * 1024, spillFiles: nodeSpillFiles(dir) }) });
      await op.open();
      expect(readdirSync(dir)).toEqual([]);
      const out: Row[] = [];
      for (let b = await op.next(); b; b = await op.next()) out.push(...b);
      await op.close();
      expectRowsExactly(
        out,
        referenceSort(
          Array.from({ length: 4_000 }, (_, i) => wide(i)),
          plan,
        ),
      );
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});

function wide(i: number): Row {
  return [i % 97, "x".repeat(40) + String(i).padStart(6, "0"), i];
}
