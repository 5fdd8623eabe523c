import { describe, expect, it } from "vitest";
import { compareValues, equalValues, hashKey } from "./compare.js";
import { typeFromName } from "./sql-type.js";
import { golden } from "./testing/golden.js";
import { parseText } from "./text-io.js";

const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);
/** Map's key equality (SameValueZero). */
const sameKey = (a: unknown, b: unknown) => new Map([[a, 1]]).has(b);

describe("compareValues orders as PostgreSQL 15's ORDER BY", () => {
  for (const c of golden("order")) {
    it(`${c.type}: ${c.values.length} values`, () => {
      const t = typeFromName(c.type);
      const vs = c.values.map((s) => parseText(s, t));
      const wrong: string[] = [];
      for (let i = 0; i < vs.length; i++) {
        for (let j = 0; j < vs.length; j++) {
          const want = sign(c.ranks[i]! - c.ranks[j]!);
          const got = compareValues(vs[i]!, vs[j]!, t);
          if (got !== want) wrong.push(`${c.values[i]} vs ${c.values[j]}: got ${got}, want ${want}`);
          // Hash keys and equality follow the order's ties exactly.
          if (sameKey(hashKey([vs[i]!], [t]), hashKey([vs[j]!], [t])) !== (want === 0)) wrong.push(`hash ${c.values[i]} vs ${c.values[j]}`);
          if (equalValues(vs[i]!, vs[j]!, t) !== (want === 0)) wrong.push(`equal ${c.values[i]} vs ${c.values[j]}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe("compareValues", () => {
  const t = (name: string) => typeFromName(name);

  it("orders vectors as pgvector: elements first, then the shorter one", () => {
    const v = (s: string) => parseText(s, t("vector"));
    expect(compareValues(v("[1,2]"), v("[1,3]"), t("vector"))).toBe(-1);
    expect(compareValues(v("[1,2]"), v("[1,2,0]"), t("vector"))).toBe(-1);
    expect(compareValues(v("[2]"), v("[1,5,5]"), t("vector"))).toBe(1);
    expect(compareValues(v("[-0]"), v("[0]"), t("vector"))).toBe(0);
    expect(hashKey([v("[-0,1]")], [t("vector")])).toBe(hashKey([v("[0,1]")], [t("vector")]));
  });

  it("refuses json, which has no comparison operators", () => {
    expect(() => compareValues("{}", "{}", t("json"))).toThrow(expect.objectContaining({ sqlstate: "42883" }));
    expect(() => hashKey(["{}"], [t("json")])).toThrow(expect.objectContaining({ sqlstate: "42883" }));
  });
});

describe("hashKey", () => {
  const t = (name: string) => typeFromName(name);

  it("gives int2, int4 and int8 values one form", () => {
    expect(hashKey([1], [t("int4")])).toBe(hashKey([1n], [t("int8")]));
    expect(hashKey([7, 1], [t("int2"), t("int4")])).toBe(hashKey([7n, 1n], [t("int8"), t("int8")]));
    expect(hashKey([2n ** 62n], [t("int8")])).toBe(hashKey([2n ** 62n], [t("int8")]));
  });

  it("equates -0 with 0 and NaN with NaN, as grouping does", () => {
    expect(hashKey([-0], [t("float8")])).toBe(hashKey([0], [t("float8")]));
    expect(Object.is(hashKey([NaN], [t("float8")]), hashKey([NaN], [t("float8")]))).toBe(true);
    expect(hashKey([NaN, "a"], [t("float8"), t("text")])).toBe(hashKey([-NaN, "a"], [t("float8"), t("text")]));
  });

  it("keeps NULL apart from every value and equal to NULL", () => {
    const types = [t("text")];
    expect(hashKey([null], types)).not.toBe(hashKey([""], types));
    expect(hashKey([null], [t("int4")])).not.toBe(hashKey([0], [t("int4")]));
    expect(hashKey([null], [t("int8")])).not.toBe(hashKey([0n], [t("int8")]));
    expect(hashKey([null], [t("int8")])).not.toBe(hashKey([2n ** 62n], [t("int8")]));
    expect(hashKey([null, "a"], [t("text"), t("text")])).toBe(hashKey([null, "a"], [t("text"), t("text")]));
    expect(hashKey([null, "a"], [t("text"), t("text")])).not.toBe(hashKey(["", "a"], [t("text"), t("text")]));
  });

  it("cannot be confused by separators inside strings", () => {
    const types = [t("text"), t("text")];
    expect(hashKey(["a", "bc"], types)).not.toBe(hashKey(["ab", "c"], types));
    expect(hashKey(["s1:a", ""], types)).not.toBe(hashKey(["", "s1:a"], types));
  });

  it("ignores numeric display scale and char padding", () => {
    const num = (s: string) => parseText(s, t("numeric"));
    expect(hashKey([num("1.50")], [t("numeric")])).toBe(hashKey([num("1.5")], [t("numeric")]));
    expect(hashKey([num("100")], [t("numeric")])).toBe(hashKey([num("1e2")], [t("numeric")]));
    expect(hashKey(["ab  "], [t("char(4)")])).toBe(hashKey(["ab"], [t("char(2)")]));
    const jb = (s: string) => parseText(s, t("jsonb"));
    expect(hashKey([jb('{"a": 1.0, "b": [2]}')], [t("jsonb")])).toBe(hashKey([jb('{"b": [2.00], "a": 1}')], [t("jsonb")]));
  });
});
