import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Index, Table } from "../catalog/index.js";
import { andAll, type ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan } from "../plan/logical.js";
import type { PhysicalPlan } from "../plan/physical.js";
import { INT4 } from "../types/index.js";
import { bestJoinOrder, DP_MAX_JOINS, dynamicProgramming, fromOrder, greedy, type JoinSpace, members, type RelSet } from "./join-order.js";
import { planQuery } from "./planner.js";
import type { ColumnStats, StatsSource, TableStats } from "./stats.js";
import { col, lit, op } from "./testing/exprs.js";

// ---- the enumeration over an abstract cost model ---------------------------------------------

type Tree = { leaf: number } | { left: Tree; right: Tree };

interface Graph {
  readonly rows: readonly number[];
  /** Selectivity of the edge between two relations (1: no condition). */
  readonly sel: readonly (readonly number[])[];
}

function leavesOf(t: Tree): number[] {
  return "leaf" in t ? [t.leaf] : [...leavesOf(t.left), ...leavesOf(t.right)];
}

function rowsOf(g: Graph, s: RelSet): number {
  const m = members(s);
  let r = m.reduce((acc, i) => acc * g.rows[i]!, 1);
  for (const i of m) for (const j of m) if (i < j) r *= g.sel[i]![j]!;
  return r;
}

/** C_out (the sum of intermediate result sizes) plus an asymmetric term, so orientation matters. */
function costOf(g: Graph, t: Tree): number {
  if ("leaf" in t) return 0;
  const ls = leavesOf(t.left).reduce((s, i) => s | (2 ** i), 0);
  const rs = leavesOf(t.right).reduce((s, i) => s | (2 ** i), 0);
  return costOf(g, t.left) + costOf(g, t.right) + rowsOf(g, ls | rs) + 0.5 * rowsOf(g, rs);
}

function spaceOf(g: Graph, ordered?: { keeps: (t: Tree) => boolean }): JoinSpace<Tree> {
  return {
    size: g.rows.length,
    leaf: (i) => ({ leaf: i }),
    join: (left, _ls, right, _rs, keep) => (keep && ordered && !ordered.keeps(left) ? undefined : { left, right }),
    cost: (t) => costOf(g, t),
    connected: (a, b) => members(a).some((i) => members(b).some((j) => g.sel[Math.min(i, j)]![Math.max(i, j)]! < 1)),
  };
}

/** Every join tree over the set (bushy, both orientations): the naive reference. */
function allTrees(s: RelSet): Tree[] {
  const m = members(s);
  if (m.length === 1) return [{ leaf: m[0]! }];
  const out: Tree[] = [];
  for (let left = (s - 1) & s; left > 0; left = (left - 1) & s) {
    for (const l of allTrees(left)) for (const r of allTrees(s ^ left)) out.push({ left: l, right: r });
  }
  return out;
}

const graphArb = (maxRelations: number) =>
  fc.integer({ min: 1, max: maxRelations }).chain((n) =>
    fc.record({
      rows: fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: n, maxLength: n }),
      sel: fc.array(fc.array(fc.oneof(fc.constant(1), fc.double({ min: 1e-5, max: 1, noNaN: true })), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
    }),
  );

describe("join enumeration", () => {
  it("DP with cross products finds the cheapest of all join trees", () => {
    fc.assert(
      fc.property(graphArb(5), (g) => {
        const space = spaceOf(g);
        const best = dynamicProgramming(space, { crossProducts: true })!;
        const naive = Math.min(...allTrees(2 ** g.rows.length - 1).map((t) => costOf(g, t)));
        expect(costOf(g, best)).toBeLessThanOrEqual(naive * (1 + 1e-9));
        expect(leavesOf(best).sort()).toEqual(g.rows.map((_, i) => i));
      }),
      { numRuns: 150 },
    );
  });

  it("DP is never worse than FROM order (nor, with cross products, than greedy), and every plan joins each relation once", () => {
    fc.assert(
      fc.property(graphArb(8), (g) => {
        const space = spaceOf(g);
        const all = g.rows.map((_, i) => i);
        const dp = dynamicProgramming(space)!;
        const inOrder = fromOrder(space)!;
        const greedyPlan = greedy(space)!;
        expect(leavesOf(inOrder)).toEqual(all);
        expect(leavesOf(dp).sort()).toEqual(all);
        expect(leavesOf(greedyPlan).sort()).toEqual(all);
        expect(costOf(g, dp)).toBeLessThanOrEqual(costOf(g, inOrder) * (1 + 1e-9));
        expect(costOf(g, dynamicProgramming(space, { crossProducts: true })!)).toBeLessThanOrEqual(costOf(g, greedyPlan) * (1 + 1e-9));
      }),
      { numRuns: 100 },
    );
  });

  it("with a first relation, keeps it leftmost through every join", () => {
    fc.assert(
      fc.property(
        graphArb(7).chain((g) => fc.tuple(fc.constant(g), fc.integer({ min: 0, max: g.rows.length - 1 }))),
        fc.boolean(),
        ([g, first], useGreedy) => {
          const leftmost = (t: Tree): number => ("leaf" in t ? t.leaf : leftmost(t.left));
          const space = spaceOf(g, { keeps: (t) => leftmost(t) === first });
          const plan = useGreedy ? greedy(space, { first }) : bestJoinOrder(space, { first });
          expect(plan).toBeDefined();
          expect(leftmost(plan!)).toBe(first);
          expect(leavesOf(plan!).sort()).toEqual(g.rows.map((_, i) => i));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("is deterministic and prefers FROM order among equally cheap plans", () => {
    const g: Graph = { rows: [10, 10, 10], sel: [[1, 1, 1], [1, 1, 1], [1, 1, 1]] };
    const flat: JoinSpace<Tree> = { ...spaceOf(g), cost: () => 1 };
    expect(dynamicProgramming(flat)).toEqual({ left: { left: { leaf: 0 }, right: { leaf: 1 } }, right: { leaf: 2 } });
    expect(dynamicProgramming(spaceOf(g))).toEqual(dynamicProgramming(spaceOf(g)));
  });

  it("joins only connected sides (and FROM-order steps) unless asked for cross products", () => {
    fc.assert(
      fc.property(graphArb(7), (g) => {
        const space = spaceOf(g);
        const joined: [RelSet, RelSet][] = [];
        const watching: JoinSpace<Tree> = { ...space, join: (l, ls, r, rs, o) => (joined.push([ls, rs]), space.join(l, ls, r, rs, o)) };
        expect(dynamicProgramming(watching)).toBeDefined();
        for (const [l, r] of joined) expect(space.connected(l, r) || l === r - 1).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("never costs more than FROM order even when a subset's cheapest plan is not the one the rest wants", () => {
    // Joining the last relation to a left side that starts with relation 0 costs nothing more than
    // its inputs (as a merge join over relation 0's order would): the cheapest plan of a subset is
    // then not always part of the cheapest plan of the whole, which DP over subsets assumes.
    const leftmost = (t: Tree): number => ("leaf" in t ? t.leaf : leftmost(t.left));
    const orderCost = (g: Graph, t: Tree): number => {
      if ("leaf" in t) return 0;
      const own = costOf(g, t) - costOf(g, t.left) - costOf(g, t.right);
      const merges = leftmost(t.left) === 0 && leavesOf(t.right).includes(g.rows.length - 1);
      return orderCost(g, t.left) + orderCost(g, t.right) + (merges ? 0 : own);
    };
    fc.assert(
      fc.property(graphArb(8), (g) => {
        const space: JoinSpace<Tree> = { ...spaceOf(g), cost: (t) => orderCost(g, t) };
        const plan = bestJoinOrder(space)!;
        expect(leavesOf(plan).sort()).toEqual(g.rows.map((_, i) => i));
        expect(orderCost(g, plan)).toBeLessThanOrEqual(orderCost(g, fromOrder(space)!) * (1 + 1e-9));
      }),
      { numRuns: 100 },
    );
  });

  it("goes greedy past eight relations, and past DP_MAX_JOINS joins", () => {
    const clique: Graph = { rows: Array.from({ length: 8 }, (_, i) => 10 + i), sel: Array.from({ length: 8 }, () => Array.from({ length: 8 }, () => 0.5)) };
    let joins = 0;
    const counting: JoinSpace<Tree> = { ...spaceOf(clique), join: (l, ls, r, rs, o) => (joins++, spaceOf(clique).join(l, ls, r, rs, o)) };
    expect(leavesOf(bestJoinOrder(counting)!).sort()).toEqual(clique.rows.map((_, i) => i));
    expect(joins).toBeLessThanOrEqual(DP_MAX_JOINS + 8 * 8 * 2);
    const n = 12;
    const g: Graph = { rows: Array.from({ length: n }, (_, i) => 10 + i), sel: Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (j === i + 1 ? 0.1 : 1))) };
    const plan = bestJoinOrder(spaceOf(g))!;
    expect(leavesOf(plan).sort((a, b) => a - b)).toEqual(g.rows.map((_, i) => i));
  });
});

// ---- the planner's join regions --------------------------------------------------------------

interface Relation {
  readonly rows: number;
  /** Distinct values of columns a and b (column 1, id, is the primary key). */
  readonly distinct: readonly [number, number];
  readonly indexOnA: boolean;
}

interface Query {
  readonly relations: readonly Relation[];
  /** Equality conditions between columns of two relations: [i, column of i, j, column of j]. */
  readonly joins: readonly (readonly [number, number, number, number])[];
  /** A range filter on column b of some relations. */
  readonly filters: readonly (readonly [number, number])[];
}

const COLUMNS = ["id", "a", "b"];

function tableOf(i: number): Table {
  return {
    kind: "table",
    id: 20_000 + i,
    name: `t${i}`,
    columns: COLUMNS.map((name, c) => ({ id: c + 1, name, type: INT4, notNull: c === 0 })),
    primaryKey: [1],
    primaryKeyDirections: ["asc"],
    checks: [],
    nextColumnId: 4,
    version: 1,
  };
}

function statsOf(q: Query): StatsSource {
  const byId = new Map<number, TableStats>();
  q.relations.forEach((r, i) => {
    const column = (distinct: number): ColumnStats => ({ type: INT4, distinct, nullFraction: 0, mostCommon: [], histogram: [0, 250, 500, 750, 1000] });
    byId.set(20_000 + i, { rowCount: r.rows, version: 1, columns: new Map([[1, column(r.rows)], [2, column(Math.min(r.rows, r.distinct[0]))], [3, column(Math.min(r.rows, r.distinct[1]))]]) });
  });
  return { tableStats: (t) => byId.get(t.id) };
}

function indexesOf(q: Query): (tableId: number) => Index[] {
  return (tableId) => {
    const i = tableId - 20_000;
    if (!q.relations[i]?.indexOnA) return [];
    return [{ kind: "index", id: 30_000 + i, name: `t${i}_a`, tableId, columns: [{ columnId: 2, direction: "asc" }], unique: false, method: "btree", options: {}, constraint: false }];
  };
}

/** The query as the analyzer builds it: scans joined left-deep in FROM order, every condition in a WHERE on top. */
function logicalOf(q: Query): LogicalPlan {
  const scans = q.relations.map((_, i): LogicalPlan => {
    const t = tableOf(i);
    return { kind: "scan", table: t, alias: t.name, columns: t.columns.map((c, k) => ({ id: i * 10 + k + 1, name: c.name, type: INT4, tableOid: t.id, columnNumber: k + 1 })) };
  });
  const column = (rel: number, c: number) => col(rel * 10 + c + 1, INT4, COLUMNS[c]);
  let plan = scans[0]!;
  for (const s of scans.slice(1)) plan = { kind: "join", type: "inner", left: plan, right: s, columns: [...plan.columns, ...s.columns] };
  const preds: ScalarExpr[] = [...q.joins.map(([i, ci, j, cj]) => op("=", column(i, ci), column(j, cj))), ...q.filters.map(([i, bound]) => op("<", column(i, 2), lit(bound, INT4)))];
  const predicate = andAll(preds);
  const filtered: LogicalPlan = predicate ? { kind: "filter", input: plan, predicate, columns: plan.columns } : plan;
  // SELECT *: the select list names the columns in FROM order.
  return { kind: "project", input: filtered, exprs: plan.columns.map((c) => col(c.id, c.type, c.name)), columns: plan.columns.map((c) => ({ ...c, id: c.id + 1000 })) };
}

function scansOf(p: PhysicalPlan): string[] {
  if (p.kind === "scan") return [p.alias];
  if (p.kind === "hash join" || p.kind === "nested loop join" || p.kind === "merge join") return [...scansOf(p.left), ...scansOf(p.right)];
  return "input" in p ? scansOf(p.input) : [];
}

const queryArb = fc.integer({ min: 2, max: 6 }).chain((n) =>
  fc.record({
    relations: fc.array(
      fc.record({
        rows: fc.integer({ min: 1, max: 200_000 }),
        distinct: fc.tuple(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 })),
        indexOnA: fc.boolean(),
      }),
      { minLength: n, maxLength: n },
    ),
    joins: fc.array(
      fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: 2 })).filter(([i, , j]) => i !== j),
      { maxLength: n + 2 },
    ),
    filters: fc.array(fc.tuple(fc.integer({ min: 0, max: n - 1 }), fc.integer({ min: 0, max: 1000 })), { maxLength: n }),
  }),
);

describe("the planner's join order", () => {
  it("costs no more than the FROM order, and reads every relation exactly once", () => {
    fc.assert(
      fc.property(queryArb, (q) => {
        const logical = logicalOf(q);
        const options = { stats: statsOf(q), indexes: indexesOf(q) };
        const reordered = planQuery(logical, options);
        const written = planQuery(logical, { ...options, reorderJoins: false });
        expect(reordered.est.cost).toBeLessThanOrEqual(written.est.cost * (1 + 1e-9));
        expect(reordered.est.rows).toBeCloseTo(written.est.rows, 6);
        const names = q.relations.map((_, i) => `t${i}`);
        expect(scansOf(reordered).sort()).toEqual(names.sort());
        expect(scansOf(written)).toEqual(q.relations.map((_, i) => `t${i}`));
        // The columns come out as the query wrote them, whatever the order inside.
        expect(reordered.columns.map((c) => c.id)).toEqual(logical.columns.map((c) => c.id));
      }),
      { numRuns: 120 },
    );
  });

  it("keeps the FROM order when only its subplans' row order makes it cheaper", () => {
    // Found by the property above: t1 ⋈ t0 is a little cheaper than t0 ⋈ t1, but only the latter
    // keeps t0's primary key order, which lets the last join (t3.id = t0.id) merge without a sort.
    const relation = (rows: number): Relation => ({ rows, distinct: [1, 1], indexOnA: false });
    const q: Query = { relations: [relation(27452), relation(27453), relation(1), relation(1)], joins: [[3, 0, 0, 0], [1, 0, 0, 1]], filters: [] };
    const logical = logicalOf(q);
    const options = { stats: statsOf(q), indexes: indexesOf(q) };
    const reordered = planQuery(logical, options);
    const written = planQuery(logical, { ...options, reorderJoins: false });
    expect(reordered.est.cost).toBeLessThanOrEqual(written.est.cost * (1 + 1e-9));
    expect(scansOf(reordered)).toEqual(["t0", "t1", "t2", "t3"]);
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(queryArb, (q) => {
        const options = { stats: statsOf(q), indexes: indexesOf(q) };
        expect(JSON.stringify(planQuery(logicalOf(q), options), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).toBe(
          JSON.stringify(planQuery(logicalOf(q), options), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v)),
        );
      }),
      { numRuns: 30 },
    );
  });
});
