/** When input counts as grouped for sort aggregation (the EXPLAIN golden file shows the plans). */
import { describe, expect, it } from "vitest";
import type { ColumnId, ScalarExpr } from "../plan/expr.js";
import { INT4 } from "../types/index.js";
import { groupedBy } from "./algorithms.js";
import type { Ordering } from "./ordering.js";

const col = (id: ColumnId): ScalarExpr => ({ kind: "column", id, type: INT4, name: `c${id}` });
const order = (ids: ColumnId[], constants: ColumnId[] = []): Ordering => ({ keys: ids.map((id, i) => ({ id, desc: i % 2 === 1, nullsFirst: false })), constants: new Set(constants) });

describe("groupedBy", () => {
  it.each([
    { name: "the order is the grouping", order: order([1]), groupBy: [1], unique: [], grouped: true },
    { name: "in another order and direction", order: order([2, 1, 3]), groupBy: [1, 2], unique: [], grouped: true },
    { name: "a longer order starting with the group columns", order: order([1, 2, 3]), groupBy: [1], unique: [], grouped: true },
    { name: "a group column after another column", order: order([2, 1]), groupBy: [1], unique: [], grouped: false },
    { name: "only a prefix of the group columns", order: order([1]), groupBy: [1, 2], unique: [], grouped: false },
    { name: "a prefix that is a unique key", order: order([1]), groupBy: [1, 2, 3], unique: [[1]], grouped: true },
    { name: "a unique key not yet covered", order: order([1, 4]), groupBy: [1, 2], unique: [[1, 4]], grouped: false },
    { name: "a constant column in front", order: order([5, 1], [5]), groupBy: [1], unique: [], grouped: true },
    { name: "a constant group column", order: order([1], [2]), groupBy: [1, 2], unique: [], grouped: true },
    { name: "no order", order: order([]), groupBy: [1], unique: [], grouped: false },
    { name: "no GROUP BY (one group: hash aggregation's plain Aggregate)", order: order([1]), groupBy: [], unique: [], grouped: false },
  ])("$name", ({ order: o, groupBy, unique, grouped }) => {
    expect(groupedBy(o, groupBy.map(col), unique)).toBe(grouped);
  });

  it("needs plain columns", () => {
    const expr: ScalarExpr = { kind: "cast", input: col(1), type: { kind: "int8" }, explicit: true };
    expect(groupedBy(order([1]), [expr])).toBe(false);
  });
});
