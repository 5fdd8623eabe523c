import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { canCast, castValue, commonType } from "./cast.js";
import { SqlTypeError } from "./errors.js";
import { formatType, type SqlType, typeFromName } from "./sql-type.js";
import { golden } from "./testing/golden.js";
import { formatText, parseText } from "./text-io.js";

/** Golden type spellings: "unknown" is an untyped literal and "null" a bare NULL. */
function typeOf(name: string): SqlType {
  return name === "null" ? { kind: "null" } : typeFromName(name);
}

function outcome(f: () => string): { out: string } | { err: string; msg: string } {
  try {
    return { out: f() };
  } catch (e) {
    if (!(e instanceof SqlTypeError) && sqlstateOf(e) === undefined) throw e;
    return { err: sqlstateOf(e)!, msg: (e as Error).message };
  }
}

describe("canCast matches pg_cast and PostgreSQL's I/O conversion rules", () => {
  const cases = golden("castable");
  it(`${cases.length} (from, to, context) triples`, () => {
    const wrong = cases
      .filter((c) => canCast(typeOf(c.from), typeOf(c.to), c.ctx) !== (c.err === undefined))
      .map((c) => `${c.from} -> ${c.to} (${c.ctx}): PostgreSQL ${c.err === undefined ? "allows" : `refuses (${c.err})`}`);
    expect(wrong).toEqual([]);
  });
});

describe("castValue converts as PostgreSQL 15 does", () => {
  const cases = golden("cast");
  const groups = new Map<string, typeof cases>();
  for (const c of cases) groups.set(`${c.from} (${c.ctx})`, [...(groups.get(`${c.from} (${c.ctx})`) ?? []), c]);
  for (const [name, list] of groups) {
    it(`from ${name}: ${list.length} casts`, () => {
      const wrong = [];
      for (const c of list) {
        const from = typeOf(c.from);
        const to = typeOf(c.to);
        // The golden query writes 'in'::from, itself an explicit cast of a literal.
        const got = outcome(() => {
          const v = castValue(c.in, { kind: "unknown" }, from, "explicit");
          const r = castValue(v, from, to, c.ctx);
          return r === null ? "<NULL>" : formatText(r, to);
        });
        const want = c.err === undefined ? { out: c.out! } : { err: c.err, msg: c.msg! };
        // Where the cast does not exist PostgreSQL words the error by construct; the code suffices.
        const comparable = "err" in want && (want.err === "42846" || want.err === "42804") && "err" in got ? { err: got.err, msg: want.msg } : got;
        if (JSON.stringify(comparable) !== JSON.stringify(want)) wrong.push({ in: c.in, to: c.to, got, want });
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe("commonType follows select_common_type", () => {
  const cases = golden("common");
  it(`${cases.length} UNION type lists`, () => {
    const wrong = [];
    for (const c of cases) {
      // Other errors come from evaluating the golden query's literal ('1') as the resolved type.
      if (c.err !== undefined && c.err !== "42804" && c.err !== "42846") continue;
      const got = outcome(() => formatType(commonType(c.types.map(typeOf), "UNION")));
      const want = c.err === undefined ? { out: c.out! } : { err: c.err, msg: c.msg! };
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ types: c.types, got, want });
    }
    expect(wrong).toEqual([]);
  });
});

describe("cast rules", () => {
  const t = (name: string) => typeFromName(name);
  it.each([
    ["int4", "int8", "implicit", true],
    ["int8", "int4", "implicit", false],
    ["int8", "int4", "assignment", true],
    ["text", "int4", "assignment", false],
    ["text", "int4", "explicit", true],
    ["int4", "text", "assignment", true],
    ["int4", "text", "implicit", false],
    ["date", "int4", "explicit", false],
    ["vector(3)", "vector", "implicit", true],
    ["json", "jsonb", "assignment", true],
    ["jsonb", "int4", "assignment", false],
  ] as const)("%s -> %s in %s context: %s", (from, to, ctx, ok) => {
    expect(canCast(t(from), t(to), ctx)).toBe(ok);
  });

  it("an unknown literal converts to any type through its input function", () => {
    expect(castValue("42", { kind: "unknown" }, t("int4"), "implicit")).toBe(42);
    expect(formatText(castValue("[1,2,3]", { kind: "unknown" }, t("vector(3)"), "implicit")!, t("vector"))).toBe("[1,2,3]");
    expect(() => castValue("[1,2]", { kind: "unknown" }, t("vector(3)"), "implicit")).toThrow("expected 3 dimensions, not 2");
  });

  it("rounds numeric half away from zero and floats half to even", () => {
    const num = (s: string) => parseText(s, t("numeric"));
    expect(castValue(num("2.5"), t("numeric"), t("int4"), "assignment")).toBe(3);
    expect(castValue(num("-2.5"), t("numeric"), t("int4"), "assignment")).toBe(-3);
    expect(castValue(2.5, t("float8"), t("int4"), "assignment")).toBe(2);
    expect(castValue(3.5, t("float8"), t("int4"), "assignment")).toBe(4);
    expect(castValue(-2.5, t("float8"), t("int8"), "assignment")).toBe(-2n);
  });

  it("varchar(n) errors on assignment and truncates on an explicit cast", () => {
    expect(() => castValue("abcd", t("text"), t("varchar(3)"), "assignment")).toThrow(expect.objectContaining({ sqlstate: "22001" }));
    expect(castValue("abcd", t("text"), t("varchar(3)"), "explicit")).toBe("abc");
    expect(castValue("abc  ", t("text"), t("varchar(3)"), "assignment")).toBe("abc");
  });

  it("int8 to float4 rounds once", () => {
    // 2^53 + 2^29 + 1 lies just above a float32 midpoint; rounding through a double would land on it.
    const v = 2n ** 53n + 2n ** 29n + 1n;
    expect(castValue(v, t("int8"), t("float4"), "implicit")).toBe(2 ** 53 + 2 ** 30);
  });

  it("vector dimensions are checked on casts to vector(n)", () => {
    const v = Float32Array.from([1, 2]);
    expect(castValue(v, t("vector"), t("vector(2)"), "implicit")).toBe(v);
    expect(() => castValue(v, t("vector"), t("vector(3)"), "implicit")).toThrow(expect.objectContaining({ sqlstate: "22000" }));
  });

  it("reports missing casts with PostgreSQL's codes", () => {
    expect(() => castValue(1, t("date"), t("int4"), "explicit")).toThrow(expect.objectContaining({ sqlstate: "42846", message: "cannot cast type date to integer" }));
    expect(() => castValue("1", t("text"), t("int4"), "assignment")).toThrow(expect.objectContaining({ sqlstate: "42804" }));
  });

  it("commonType names the construct in errors", () => {
    expect(() => commonType([t("int4"), t("text")], "CASE")).toThrow("CASE types integer and text cannot be matched");
    expect(commonType([{ kind: "unknown" }, { kind: "null" }])).toEqual({ kind: "text" });
    expect(formatType(commonType([t("varchar(3)"), t("varchar(3)")]))).toBe("character varying(3)");
  });
});
