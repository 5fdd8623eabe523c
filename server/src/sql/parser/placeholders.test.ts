import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Registry } from "./context.js";
import { parseExpr, parseOne } from "./testing.js";

/**
 * The text given to the library carries placeholder calls, identifiers and types, all named
 * with a prefix that occurs nowhere in the SQL. A user's own identifier, function or string
 * spelled like a placeholder must come back as written, never as a vector operator.
 */

/** Every placeholder spelling the default prefix could produce. */
const PLACEHOLDER_KINDS = ["op", "vec", "num", "id", "fr", "vt", "q"];

describe("placeholder prefix", () => {
  it("is one that the SQL does not contain, in any case", () => {
    expect(new Registry("select 1").prefix).toBe("_av0_");
    expect(new Registry("select _AV0_op0(a)").prefix).toBe("_av1_");
    expect(new Registry("select '_av0_' || \"_Av1_\" || _av2_x").prefix).toBe("_av3_");
  });
});

describe("user text that looks like a placeholder", () => {
  it("keeps calls, identifiers, types and strings as written", () => {
    const sql =
      "SELECT _av0_op0(a, b), _av0_vec0(), \"_av0_id0\", '_av0_num0()', _av0_q0, a <-> b " +
      "FROM _av0_vt0 WHERE c <=> [1,2] < 1 ORDER BY _av0_fr0(1)";
    expect(parseOne(sql)).toEqual({
      type: "select",
      columns: [
        { expr: { type: "call", function: { name: "_av0_op0" }, args: [{ type: "ref", name: "a" }, { type: "ref", name: "b" }] } },
        { expr: { type: "call", function: { name: "_av0_vec0" }, args: [] } },
        { expr: { type: "ref", name: "_av0_id0" } },
        { expr: { type: "string", value: "_av0_num0()" } },
        { expr: { type: "ref", name: "_av0_q0" } },
        { expr: { type: "binary", op: "<->", left: { type: "ref", name: "a" }, right: { type: "ref", name: "b" } } },
      ],
      from: [{ type: "table", name: { name: "_av0_vt0" } }],
      where: {
        type: "binary",
        op: "<",
        left: { type: "binary", op: "<=>", left: { type: "ref", name: "c" }, right: { type: "vector literal", values: [1, 2] } },
        right: { type: "integer", value: 1 },
      },
      orderBy: [{ by: { type: "call", function: { name: "_av0_fr0" }, args: [{ type: "integer", value: 1 }] } }],
    });
  });

  it("keeps a stub-like subquery and a type named like a placeholder", () => {
    expect(parseOne("SELECT x FROM t WHERE x IN (SELECT _av0_q0)")).toMatchObject({
      where: { op: "IN", right: { type: "select", columns: [{ expr: { type: "ref", name: "_av0_q0" } }] } },
    });
    expect(parseOne("CREATE TABLE t (a _av0_vt0(3), b vector(3, l2))")).toMatchObject({
      columns: [{ dataType: { name: "_av0_vt0", config: [3] } }, { dataType: { name: "vector", config: [3], metric: "l2" } }],
    });
  });

  it("never turns a user's call into an operator (property)", () => {
    const name = fc
      .tuple(fc.nat({ max: 3 }), fc.constantFrom(...PLACEHOLDER_KINDS), fc.nat({ max: 30 }), fc.boolean())
      .map(([n, kind, i, upper]) => {
        const s = `_av${n}_${kind}${i}`;
        return upper ? s.toUpperCase() : s;
      });
    const op = fc.constantFrom("<->", "<=>", "<#>", "||");
    fc.assert(
      fc.property(fc.array(fc.tuple(name, op), { minLength: 1, maxLength: 5 }), (parts) => {
        // name1(1) op name2(2) op ...: every call must survive, every operator must be a binary node.
        const sql = parts.map(([n, o], i) => `${n}(${i}) ${o} `).join("") + "x";
        const calls: string[] = [];
        const ops: string[] = [];
        const walk = (node: unknown): void => {
          if (typeof node !== "object" || node === null) return;
          const n = node as { type?: string; op?: string; function?: { name: string } };
          if (n.type === "call" && n.function) calls.push(n.function.name);
          if (n.type === "binary" && n.op) ops.push(n.op);
          Object.values(node).forEach(walk);
        };
        walk(parseExpr(sql));
        expect(calls.sort()).toEqual(parts.map(([n]) => n.toLowerCase()).sort());
        expect(ops.sort()).toEqual(parts.map(([, o]) => o).sort());
      }),
      { numRuns: 300 },
    );
  });
});
