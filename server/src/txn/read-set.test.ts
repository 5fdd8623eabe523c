import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keySuccessor, ReadSet, type ReadRange } from "./read-set.js";

const key = fc.string({ unit: fc.constantFrom("a", "b", "c", "\u0000", "\u00ff"), maxLength: 4 });
const op = fc.oneof(
  key.map((k) => ({ kind: "key" as const, k })),
  fc.tuple(key, fc.option(key, { nil: undefined })).map(([s, e]) => ({ kind: "range" as const, r: { start: s, end: e } as ReadRange })),
);

describe("ReadSet", () => {
  it("covers exactly the keys and ranges read while within budget", () => {
    const rs = new ReadSet();
    rs.addKey("b");
    rs.addRange({ start: "d", end: "f" });
    rs.addRange({ start: "x", end: undefined });
    expect(["a", "b", "c", "d", "e", "f", "x", "zz"].filter((k) => rs.covers(k))).toEqual(["b", "d", "e", "x", "zz"]);
    expect(rs.coarsened).toBe(false);
  });

  it("coarsening past the budget only ever covers more, never less", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.integer({ min: 0, max: 600 }), fc.array(key, { maxLength: 30 }), (ops, budget, probes) => {
        const exact = new ReadSet();
        const bounded = new ReadSet(budget);
        for (const o of ops) {
          if (o.kind === "key") {
            exact.addKey(o.k);
            bounded.addKey(o.k);
          } else {
            exact.addRange(o.r);
            bounded.addRange(o.r);
          }
        }
        const all = [...probes, ...ops.map((o) => (o.kind === "key" ? o.k : o.r.start)), ...ops.map((o) => (o.kind === "key" ? keySuccessor(o.k) : (o.r.end ?? "zz")))];
        for (const k of all) if (exact.covers(k)) expect(bounded.covers(k), `key ${JSON.stringify(k)}`).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it("folds into one range once over budget and keeps widening it", () => {
    const rs = new ReadSet(60);
    rs.addKey("m");
    rs.addKey("n");
    expect(rs.coarsened).toBe(true);
    expect(rs.covers("m") && rs.covers("n")).toBe(true);
    rs.addKey("a");
    rs.addRange({ start: "y", end: undefined });
    expect(rs.covers("a") && rs.covers("q") && rs.covers("zzz")).toBe(true);
    expect(rs.ranges).toHaveLength(1);
  });
});
