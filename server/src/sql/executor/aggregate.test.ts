/**
 * Aggregation three ways: hash aggregation in memory, hash aggregation spilling to partitions
 * under a tiny work_mem, and sort aggregation over input sorted on the group keys (itself an
 * external sort). All three must give the same groups and values for random rows, group key
 * types and aggregate calls; then the spill bookkeeping: files closed at the end, on early
 * close, failed writes and cancels.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import type { ScalarExpr } from "../plan/expr.js";
import type { AggregateCall, OutputColumn } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { formatText, INT4, INT8, type SqlType, type SqlValue, TEXT } from "../types/index.js";
import { KEY_KINDS, typeArb, valueArb } from "../types/testing/arbitraries.js";
import { HashAggregateOperator } from "./aggregate.js";
import type { ExecContext } from "./context.js";
import { drain, type Operator, type Row } from "./operator.js";
import { SortAggregateOperator } from "./sort-aggregate.js";
import { SortOperator } from "./sort.js";
import { MemorySpillFiles } from "./spill/testing/memory-spill-files.js";
import { column, GeneratedRows, inputPlan, ref, testContext, withEstimate } from "./testing/operator-fixtures.js";

type AggPlan = Extract<PhysicalPlan, { kind: "hash aggregate" | "sort aggregate" }>;

interface Shape {
  readonly input: OutputColumn[];
  readonly groupBy: ScalarExpr[];
  readonly plan: AggPlan;
}

const textConst = (s: string): ScalarExpr => ({ kind: "const", type: TEXT, value: s });

/**
 * Input columns: the group key columns, then an int4 and a text payload. `growing` adds the
 * calls whose state grows with the group's rows (DISTINCT, string_agg, ORDER BY in the call).
 */
function shape(keyTypes: readonly SqlType[], kind: AggPlan["kind"] = "hash aggregate", growing = true): Shape {
  const input = [...keyTypes.map((t, i) => column(t, `k${i}`)), column(INT4, "n"), column(TEXT, "s")];
  const n = ref(input[keyTypes.length]!);
  const s = ref(input[keyTypes.length + 1]!);
  const agg = (name: string, args: ScalarExpr[], type: SqlType, extra: Partial<AggregateCall> = {}): AggregateCall => ({ id: column(type, name).id, name, args, distinct: false, type, ...extra });
  const aggregates: AggregateCall[] = [agg("count", [], INT8), agg("sum", [n], INT8), agg("min", [s], TEXT), agg("max", [n], INT4)];
  if (growing) {
    aggregates.push(
      agg("count", [s], INT8, { distinct: true }),
      // Without ORDER BY the result shows the order rows reached the group in: every way must keep input order.
      agg("string_agg", [s, textConst(",")], TEXT),
      agg("string_agg", [s, textConst("|")], TEXT, { orderBy: [{ expr: n, desc: true, nullsFirst: false }] }),
    );
  }
  const groupBy = input.slice(0, keyTypes.length).map(ref);
  const columns = [...input.slice(0, keyTypes.length), ...aggregates.map((a) => column(a.type, a.name))];
  return { input, groupBy, plan: withEstimate({ kind, input: inputPlan(input), groupBy, aggregates, columns }) };
}

function hashAggregate(sh: Shape, rows: readonly Row[], ctx: ExecContext): HashAggregateOperator {
  return new HashAggregateOperator(GeneratedRows.of(rows), sh.plan, ctx);
}

/** Sort aggregation over an (external) sort of the input on the group keys. */
function sortAggregate(sh: Shape, input: Operator, ctx: ExecContext): Operator {
  const sort = withEstimate({ kind: "sort" as const, input: inputPlan(sh.input), keys: sh.groupBy.map((expr) => ({ expr, desc: false, nullsFirst: false })), columns: sh.input });
  return new SortAggregateOperator(new SortOperator(input, sort, ctx), { ...sh.plan, kind: "sort aggregate" }, ctx);
}

/** Result rows as text, sorted, so outputs in different group orders compare. */
function canonical(rows: readonly Row[], columns: readonly OutputColumn[]): string[] {
  return rows.map((r) => r.map((v, i) => (v === null ? "NULL" : JSON.stringify(formatText(v, columns[i]!.type)))).join(" ")).sort();
}

const rowsArb = (keyTypes: readonly SqlType[]) =>
  fc
    .tuple(
      ...keyTypes.map((t) => fc.array(valueArb(t), { minLength: 1, maxLength: 5 })),
      fc.array(fc.tuple(fc.nat(), fc.option(fc.integer({ min: -50, max: 50 })), fc.option(fc.stringMatching(/^[a-d]{0,3}$/))), { maxLength: 300 }),
    )
    .map((parts) => {
      const pools = parts.slice(0, keyTypes.length) as SqlValue[][];
      const picks = parts[keyTypes.length] as [number, number | null, string | null][];
      // Keys drawn from small pools, so groups repeat.
      return picks.map(([pick, n, s]): Row => [...pools.map((p, i) => p[(pick >> (3 * i)) % p.length]!), n, s]);
    });

describe("aggregation", () => {
  it("gives the same groups hashed in memory, hashed with spills, and sorted", async () => {
    const caseArb = fc.array(typeArb(KEY_KINDS), { minLength: 1, maxLength: 2 }).chain((keyTypes) => fc.record({ keyTypes: fc.constant(keyTypes), rows: rowsArb(keyTypes), budget: fc.constantFrom(1024, 3000) }));
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ keyTypes, rows, budget }) => {
        const sh = shape(keyTypes);
        const files = new MemorySpillFiles();
        const inMemory = await drain(hashAggregate(sh, rows, testContext()));
        const spilling = hashAggregate(sh, rows, testContext({ workMemBytes: budget, spillFiles: files }));
        const spilled = await drain(spilling);
        const sorted = await drain(sortAggregate(sh, GeneratedRows.of(rows), testContext({ workMemBytes: budget, spillFiles: files })));
        const expected = canonical(inMemory, sh.plan.columns);
        expect(canonical(spilled, sh.plan.columns)).toEqual(expected);
        expect(canonical(sorted, sh.plan.columns)).toEqual(expected);
        expect(files.open).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    { name: "few groups", rows: 5_000, groups: 10, spills: false },
    { name: "many groups", rows: 20_000, groups: 5_000, spills: true },
    { name: "every row its own group", rows: 20_000, groups: 20_000, spills: true },
  ])("spills only past work_mem: $name", async ({ rows, groups, spills }) => {
    const sh = shape([INT4], "hash aggregate", false);
    const files = new MemorySpillFiles();
    const make = (i: number): Row => [(i * 7919) % groups, i % 13, `s${i % 5}`];
    const op = new HashAggregateOperator(new GeneratedRows(rows, make), sh.plan, testContext({ workMemBytes: 64 * 1024, spillFiles: files }));
    const out = await drain(op);
    expect(out.length).toBe(groups);
    expect(out.reduce((s, r) => s + (r[1] as bigint), 0n)).toBe(BigInt(rows));
    expect(op.stats.spilledRecords > 0).toBe(spills);
    expect(op.stats.peakBytes).toBeLessThan(2 * 64 * 1024);
    expect(files.open).toBe(0);
    // One level of partition files open per spill level (16 partitions at 64kB).
    expect(files.maxOpen).toBeLessThanOrEqual(16 * op.stats.maxLevel);
  });

  it("aggregates a partition again when it is still too big (a second spill level)", async () => {
    const sh = shape([TEXT]);
    const op = new HashAggregateOperator(new GeneratedRows(30_000, (i) => [`group ${i}`, 1, "x"]), sh.plan, testContext({ workMemBytes: 2048, spillFiles: new MemorySpillFiles() }));
    const out = await drain(op);
    expect(out.length).toBe(30_000);
    expect(op.stats.maxLevel).toBeGreaterThanOrEqual(2);
  });

  it.each(["hash aggregate", "sort aggregate"] as const)("%s without GROUP BY gives one row over no rows", async (kind) => {
    const sh = shape([]);
    const ctx = testContext();
    const op = kind === "hash aggregate" ? hashAggregate(sh, [], ctx) : new SortAggregateOperator(GeneratedRows.of([]), { ...sh.plan, kind }, ctx);
    const out = await drain(op);
    expect(out).toHaveLength(1);
    expect(out[0]!.slice(0, 5)).toEqual([0n, null, null, null, 0n]);
  });

  it("sort aggregation streams: a batch of groups comes out before the input is read", async () => {
    const sh = shape([INT4], "sort aggregate");
    const input = new GeneratedRows(1_000_000, (i) => [Math.floor(i / 4), i, "x"]);
    const op = new SortAggregateOperator(input, sh.plan, testContext());
    await op.open();
    const first = await op.next();
    expect(first![0]!.slice(0, 2)).toEqual([0, 4n]);
    expect(input.produced).toBeLessThanOrEqual(4 * 256 + 2 * 256);
    await op.close();
    expect(input.isOpen).toBe(false);
  });

  it("feeds DISTINCT arguments in sorted order, as PostgreSQL does (NULLs last)", async () => {
    const cols = [column(TEXT, "s"), column(INT4, "n")];
    const call = (name: string, args: ScalarExpr[], type: SqlType): AggregateCall => ({ id: column(type).id, name, args, distinct: true, type });
    const aggregates = [call("string_agg", [ref(cols[0]!), textConst(",")], TEXT), call("json_agg", [ref(cols[1]!)], { kind: "json" })];
    const plan: AggPlan = withEstimate({ kind: "hash aggregate" as const, input: inputPlan(cols), groupBy: [], aggregates, columns: aggregates.map((a) => column(a.type)) });
    const rows: Row[] = [["b", 3], ["a", null], ["b", 1], [null, 3], ["c", 2]];
    const out = await drain(new HashAggregateOperator(GeneratedRows.of(rows), plan, testContext()));
    expect(out).toEqual([["a,b,c", "[1, 2, 3, null]"]]);
  });

  it("sorts a big group's DISTINCT and ORDER BY arguments externally, and releases the files", async () => {
    const sh = shape([INT4], "sort aggregate");
    const make = (i: number): Row => [i % 2, (i * 7919) % 10_000, `s${(i * 31) % 5_000}`];
    const rows = Array.from({ length: 10_000 }, (_, i) => make(i));
    const expected = await drain(new HashAggregateOperator(GeneratedRows.of(rows), sh.plan, testContext()));
    const files = new MemorySpillFiles();
    const input = GeneratedRows.of([...rows].sort((a, b) => (a[0] as number) - (b[0] as number)));
    const spilled = await drain(new SortAggregateOperator(input, sh.plan, testContext({ workMemBytes: 8192, spillFiles: files })));
    expect(spilled).toEqual(expected);
    expect(files.created).toBeGreaterThan(0);
    expect(files.open).toBe(0);

    const cancelled = new SortAggregateOperator(new GeneratedRows(10_000, (i) => [0, i, `s${i}`]), sh.plan, testContext({ workMemBytes: 8192, spillFiles: files, cancelAtCheck: 30 }));
    const err = await drain(cancelled).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sqlstateOf(err)).toBe("57014");
    expect(files.created).toBeGreaterThan(2);
    expect(files.open).toBe(0);
  });

  it("closes its partition files when closed before the end", async () => {
    const sh = shape([INT4]);
    const files = new MemorySpillFiles();
    const op = new HashAggregateOperator(new GeneratedRows(20_000, (i) => [i, i, "x"]), sh.plan, testContext({ workMemBytes: 4096, spillFiles: files }));
    await op.open();
    await op.next();
    expect(files.open).toBeGreaterThan(0);
    await op.close();
    expect(files.open).toBe(0);
  });

  it.each([
    { name: "a failed write", failWriteAt: 3, cancelAtCheck: undefined, sqlstate: "53100" },
    { name: "a cancel", failWriteAt: undefined, cancelAtCheck: 40, sqlstate: "57014" },
  ])("fails with $sqlstate on $name and leaves no file open", async ({ failWriteAt, cancelAtCheck, sqlstate }) => {
    const sh = shape([INT4]);
    const files = Object.assign(new MemorySpillFiles(), { failWriteAt });
    const input = new GeneratedRows(20_000, (i) => [i, i, "x"]);
    const op = new HashAggregateOperator(input, sh.plan, testContext({ workMemBytes: 4096, spillFiles: files, ...(cancelAtCheck !== undefined && { cancelAtCheck }) }));
    const err = await drain(op).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sqlstateOf(err)).toBe(sqlstate);
    expect(files.created).toBeGreaterThan(0);
    expect(files.open).toBe(0);
    expect(input.isOpen).toBe(false);
  });
});
