import { describe, expect, it } from "vitest";
import { describeCycle, WaitForGraph } from "./wait-for-graph.js";

type Edges = Record<string, readonly string[]>;

function graphOf(edges: Edges): WaitForGraph {
  const g = new WaitForGraph();
  for (const [waiter, blockers] of Object.entries(edges)) g.addEdges(waiter, blockers);
  return g;
}

/** Checks that `cycle` starts at `from` and follows edges of `edges` back to `from`. */
function expectValidCycle(edges: Edges, from: string, cycle: readonly string[]): void {
  expect(cycle[0]).toBe(from);
  expect(new Set(cycle).size).toBe(cycle.length);
  for (let i = 0; i < cycle.length; i++) {
    const a = cycle[i]!;
    const b = cycle[(i + 1) % cycle.length]!;
    expect(edges[a] ?? []).toContain(b);
  }
}

describe("WaitForGraph.findCycle", () => {
  const cases: { name: string; edges: Edges; from: string; cycle: readonly string[] | undefined }[] = [
    { name: "empty graph", edges: {}, from: "a", cycle: undefined },
    { name: "single edge", edges: { a: ["b"] }, from: "a", cycle: undefined },
    { name: "two-cycle", edges: { a: ["b"], b: ["a"] }, from: "a", cycle: ["a", "b"] },
    { name: "two-cycle from the other end", edges: { a: ["b"], b: ["a"] }, from: "b", cycle: ["b", "a"] },
    { name: "three-cycle", edges: { a: ["b"], b: ["c"], c: ["a"] }, from: "a", cycle: ["a", "b", "c"] },
    { name: "chain", edges: { a: ["b"], b: ["c"], c: ["d"] }, from: "a", cycle: undefined },
    { name: "diamond without cycle", edges: { a: ["b", "c"], b: ["d"], c: ["d"] }, from: "a", cycle: undefined },
    { name: "diamond closing back", edges: { a: ["b", "c"], b: ["d"], c: ["d"], d: ["a"] }, from: "a", cycle: ["a", "b", "d"] },
    { name: "cycle elsewhere, not through from", edges: { a: ["b"], b: ["c"], c: ["b"] }, from: "a", cycle: undefined },
    { name: "cycle reached after a dead branch", edges: { a: ["x", "b"], x: ["y"], b: ["a"] }, from: "a", cycle: ["a", "b"] },
    { name: "from has no edges but is waited for", edges: { b: ["a"], c: ["a"] }, from: "a", cycle: undefined },
    { name: "self edge ignored", edges: { a: ["a"] }, from: "a", cycle: undefined },
    {
      name: "long cycle",
      edges: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`, [`t${(i + 1) % 50}`]])),
      from: "t0",
      cycle: Array.from({ length: 50 }, (_, i) => `t${i}`),
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const g = graphOf(c.edges);
      const cycle = g.findCycle(c.from);
      if (c.cycle === undefined) {
        expect(cycle).toBeUndefined();
      } else {
        expect(cycle).toEqual(c.cycle);
        expectValidCycle(c.edges, c.from, cycle!);
      }
    });
  }

  it("does not overflow the stack on a very long chain", () => {
    const g = new WaitForGraph();
    const n = 200_000;
    for (let i = 0; i < n; i++) g.addEdges(`t${i}`, [`t${i + 1}`]);
    expect(g.findCycle("t0")).toBeUndefined();
    g.addEdges(`t${n}`, ["t0"]);
    expect(g.findCycle("t0")?.length).toBe(n + 1);
  });
});

describe("WaitForGraph edges", () => {
  it("addEdges accumulates and removeWaiter removes only outgoing edges", () => {
    const g = new WaitForGraph();
    g.addEdges("a", ["b"]);
    g.addEdges("a", ["c", "b"]);
    g.addEdges("c", ["a"]);
    expect([...g.blockersOf("a")!].sort()).toEqual(["b", "c"]);
    expect([...g.waitersOf("b")!]).toEqual(["a"]);
    expect(g.edgeCount).toBe(3);
    expect(g.findCycle("c")).toEqual(["c", "a"]);

    g.removeWaiter("a");
    expect(g.blockersOf("a")).toBeUndefined();
    expect(g.waitersOf("b")).toBeUndefined();
    expect([...g.waitersOf("a")!]).toEqual(["c"]);
    expect(g.findCycle("c")).toBeUndefined();
    expect(g.edgeCount).toBe(1);
    expect(g.waiterCount).toBe(1);

    g.removeWaiter("c");
    g.removeWaiter("missing");
    expect(g.edgeCount).toBe(0);
    expect(g.waitersOf("a")).toBeUndefined();
  });

  it("breaking a cycle by removing one waiter's edges", () => {
    const g = graphOf({ a: ["b"], b: ["c"], c: ["a"] });
    expect(g.findCycle("b")).toEqual(["b", "c", "a"]);
    g.removeWaiter("c");
    for (const t of ["a", "b", "c"]) expect(g.findCycle(t)).toBeUndefined();
  });
});

describe("describeCycle", () => {
  it.each([
    [["t1", "t2"], "transaction t1 waits for t2, t2 waits for t1"],
    [["t1", "t2", "t3"], "transaction t1 waits for t2, t2 waits for t3, t3 waits for t1"],
  ])("%j", (cycle, text) => {
    expect(describeCycle(cycle)).toBe(text);
  });
});
