/**
 * Table-driven cases per function and operator, written as text in and text out (parsed and
 * printed by the type system's I/O), plus what the golden file cannot cover: the evaluation
 * context, volatility, vectors (pgvector is not in the reference server) and the regex translation.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { formatText, parseText, type SqlType, type SqlValue, typeFromName, NULL_TYPE, TEXT, VECTOR, INT4, UUID, DATE, TIMESTAMPTZ, FLOAT8 } from "../types/index.js";
import { type EvalContext, lookupFunction, lookupOperator, quoteIdent, quoteLiteral } from "./index.js";

type Arg = [string, string | null];

function typeOf(name: string): SqlType {
  return name === "null" ? NULL_TYPE : typeFromName(name);
}

function evaluate(kind: "fn" | "op", name: string, args: readonly Arg[], ctx?: EvalContext): string | null {
  const types = args.map(([t]) => typeOf(t));
  const values: SqlValue[] = args.map(([t, v], i) => (v === null || t === "null" ? null : parseText(v, types[i]!)));
  const r = kind === "fn" ? lookupFunction(name, types) : args.length === 1 ? lookupOperator(name, undefined, types[0]!) : lookupOperator(name, types[0], types[1]!);
  const out = r.fn(values, ctx);
  return out === null ? null : formatText(out, r.returnType);
}

function outcome(kind: "fn" | "op", name: string, args: readonly Arg[]): string | null {
  try {
    return evaluate(kind, name, args);
  } catch (e) {
    return `ERROR ${sqlstateOf(e)}`;
  }
}

describe("functions", () => {
  it.each<[string, Arg[], string | null]>([
    // NULL in, NULL out for strict functions.
    ["abs", [["int4", null]], null],
    ["substr", [["text", "abc"], ["int4", null]], null],
    ["lower", [["null", null]], null],
    // ...but not for concat, concat_ws and format.
    ["concat", [["text", "a"], ["null", null], ["int4", "1"]], "a1"],
    ["concat_ws", [["text", "-"], ["text", "a"], ["null", null], ["text", "b"]], "a-b"],
    ["format", [["text", "[%s]"], ["null", null]], "[]"],
    ["abs", [["int4", "-2147483648"]], "ERROR 22003"],
    ["abs", [["int8", "-9223372036854775808"]], "ERROR 22003"],
    ["mod", [["int4", "-7"], ["int4", "2"]], "-1"],
    ["mod", [["int4", "7"], ["int4", "0"]], "ERROR 22012"],
    ["round", [["numeric", "2.5"]], "3"],
    ["round", [["float8", "2.5"]], "2"],
    ["round", [["numeric", "1234.5678"], ["int4", "-2"]], "1200"],
    ["trunc", [["numeric", "-1.99"], ["int4", "1"]], "-1.9"],
    ["sqrt", [["numeric", "2"]], "1.414213562373095"],
    ["sqrt", [["float8", "-1"]], "ERROR 2201F"],
    ["ln", [["float8", "0"]], "ERROR 2201E"],
    ["log", [["float8", "100"]], "2"],
    ["exp", [["float8", "1000"]], "ERROR 22003"],
    ["power", [["float8", "0"], ["float8", "-1"]], "ERROR 2201F"],
    ["ln", [["numeric", "2"]], "0.6931471805599453"],
    ["power", [["numeric", "2.0"], ["numeric", "3"]], "8.0000000000000000"],
    ["log", [["numeric", "1"], ["numeric", "5"]], "ERROR 22012"],
    ["length", [["text", "é漢字😀"]], "4"],
    ["octet_length", [["text", "é漢字😀"]], "12"],
    ["length", [["char(5)", "ab"]], "2"],
    ["upper", [["text", "straße"]], "STRAßE"],
    ["initcap", [["text", "hello wORLD"]], "Hello World"],
    ["substring", [["text", "hello"], ["int4", "0"], ["int4", "3"]], "he"],
    ["substring", [["text", "😀bc"], ["int4", "2"]], "bc"],
    ["substring", [["text", "hello"], ["int4", "1"], ["int4", "-1"]], "ERROR 22011"],
    ["position", [["text", "a😀b"], ["text", "b"]], "3"],
    ["btrim", [["text", "xyhixy"], ["text", "yx"]], "hi"],
    ["lpad", [["text", "hi"], ["int4", "5"], ["text", "ab"]], "abahi"],
    ["rpad", [["text", "hello"], ["int4", "2"]], "he"],
    ["left", [["text", "hello"], ["int4", "-2"]], "hel"],
    ["right", [["text", "hello"], ["int4", "-2"]], "llo"],
    ["repeat", [["text", "ab"], ["int4", "-1"]], ""],
    ["repeat", [["text", "ab"], ["int4", "2000000000"]], "ERROR 54000"],
    ["reverse", [["text", "a😀b"]], "b😀a"],
    ["split_part", [["text", "a,b,c"], ["text", ","], ["int4", "-1"]], "c"],
    ["split_part", [["text", "a,b,c"], ["text", ","], ["int4", "0"]], "ERROR 22023"],
    ["replace", [["text", "aXbX"], ["text", "X"], ["text", "--"]], "a--b--"],
    ["starts_with", [["text", "alopex"], ["text", "alo"]], "t"],
    ["md5", [["text", "abc"]], "900150983cd24fb0d6963f7d28e17f72"],
    ["to_hex", [["int4", "-1"]], "ffffffff"],
    ["ascii", [["text", "😀"]], "128512"],
    ["chr", [["int4", "0"]], "ERROR 54000"],
    ["format", [["text", "%I.%I = %L"], ["text", "Tbl"], ["text", "col"], ["text", "it's"]], '"Tbl".col = \'it\'\'s\''],
    ["format", [["text", "%s %s"], ["text", "a"]], "ERROR 22023"],
    ["date_part", [["text", "dow"], ["timestamp", "2024-02-29 10:00:00"]], "4"],
    ["extract", [["text", "second"], ["timestamp", "2024-02-29 10:00:05.25"]], "5.250000"],
    ["extract", [["text", "epoch"], ["date", "1970-01-02"]], "86400"],
    ["extract", [["text", "hour"], ["date", "2024-01-01"]], "ERROR 0A000"],
    ["date_part", [["text", "year"], ["timestamp", "infinity"]], "Infinity"],
    ["date_part", [["text", "month"], ["timestamp", "infinity"]], null],
    ["date_trunc", [["text", "week"], ["timestamp", "2024-02-29 10:00:00"]], "2024-02-26 00:00:00"],
    ["date_trunc", [["text", "quarter"], ["timestamptz", "2024-05-29 10:00:00+00"]], "2024-04-01 00:00:00+00"],
    ["date_trunc", [["text", "fortnight"], ["timestamp", "2024-02-29 10:00:00"]], "ERROR 22023"],
    ["make_date", [["int4", "-44"], ["int4", "3"], ["int4", "15"]], "0044-03-15 BC"],
    ["make_date", [["int4", "2023"], ["int4", "2"], ["int4", "29"]], "ERROR 22008"],
    ["json_build_object", [["unknown", "a"], ["int4", "1"], ["unknown", "b"], ["null", null]], '{"a" : 1, "b" : null}'],
    ["json_build_object", [["unknown", "a"]], "ERROR 22023"],
    ["jsonb_build_object", [["unknown", "b"], ["int4", "1"], ["unknown", "a"], ["bool", "t"]], '{"a": true, "b": 1}'],
    ["nosuch", [["int4", "1"]], "ERROR 42883"],
  ])("%s(%j) = %j", (name, args, expected) => {
    expect(outcome("fn", name, args)).toBe(expected);
  });
});

describe("operators", () => {
  it.each<[string, Arg[], string | null]>([
    ["+", [["int4", "2147483647"], ["int4", "1"]], "ERROR 22003"],
    ["-", [["int8", "-9223372036854775808"], ["int8", "1"]], "ERROR 22003"],
    ["*", [["int2", "200"], ["int2", "200"]], "ERROR 22003"],
    ["/", [["int4", "-7"], ["int4", "2"]], "-3"],
    ["/", [["int4", "-2147483648"], ["int4", "-1"]], "ERROR 22003"],
    ["%", [["int4", "-7"], ["int4", "3"]], "-1"],
    ["%", [["int4", "7"], ["int4", "-3"]], "1"],
    ["%", [["int4", "-2147483648"], ["int4", "-1"]], "0"],
    ["/", [["int8", "1"], ["int8", "0"]], "ERROR 22012"],
    ["/", [["float8", "1"], ["float8", "0"]], "ERROR 22012"],
    ["/", [["numeric", "1"], ["numeric", "0"]], "ERROR 22012"],
    ["/", [["numeric", "1"], ["numeric", "3"]], "0.33333333333333333333"],
    ["/", [["numeric", "2"], ["numeric", "3"]], "0.66666666666666666667"],
    ["*", [["float8", "1e200"], ["float8", "1e200"]], "ERROR 22003"],
    ["+", [["float8", "Infinity"], ["float8", "1"]], "Infinity"],
    ["*", [["numeric", "1.5"], ["numeric", "0.25"]], "0.375"],
    ["+", [["numeric", "1.50"], ["numeric", "1"]], "2.50"],
    ["^", [["int4", "2"], ["int4", "10"]], "1024"],
    ["-", [["int4", "-2147483648"]], "ERROR 22003"],
    ["@", [["float8", "-2.5"]], "2.5"],
    ["=", [["int4", "1"], ["numeric", "1.0"]], "t"],
    ["<", [["text", "a"], ["text", "b"]], "t"],
    ["=", [["float8", "NaN"], ["float8", "NaN"]], "t"],
    ["<>", [["int4", "1"], ["null", null]], null],
    ["||", [["text", "a"], ["int4", "1"]], "a1"],
    ["||", [["text", "a"], ["bool", "t"]], "atrue"],
    ["||", [["text", "a"], ["null", null]], null],
    ["LIKE", [["text", "hello"], ["text", "h%o"]], "t"],
    ["NOT LIKE", [["text", "hello"], ["text", "h_o"]], "t"],
    ["ILIKE", [["text", "HeLLo"], ["text", "hello"]], "t"],
    ["LIKE", [["text", "50%"], ["text", "50\\%"]], "t"],
    ["LIKE", [["text", "hx"], ["text", "h\\"]], "ERROR 22025"],
    // Matching stops before reaching the dangling escape, so PostgreSQL does not complain.
    ["LIKE", [["text", "h"], ["text", "h\\"]], "f"],
    ["~", [["text", "abc123"], ["text", "^[[:alpha:]]+[[:digit:]]+$"]], "t"],
    ["~*", [["text", "ABC"], ["text", "^abc$"]], "t"],
    ["!~", [["text", "abc"], ["text", "\\mbc"]], "t"],
    ["~", [["text", "a"], ["text", "("]], "ERROR 2201B"],
    ["->>", [["jsonb", '{"a": {"b": 1}}'], ["unknown", "a"]], '{"b": 1}'],
    ["->", [["jsonb", "[1, 2, 3]"], ["int4", "-1"]], "3"],
    ["#>>", [["jsonb", '{"a": [{"b": "x"}]}'], ["text", "{a,0,b}"]], "x"],
    ["+", [["date", "2024-02-28"], ["int4", "2"]], "2024-03-01"],
    ["-", [["date", "2024-03-01"], ["date", "2024-02-01"]], "29"],
    ["<->", [["vector", "[0,0]"], ["vector", "[3,4]"]], "5"],
    ["<#>", [["vector", "[1,2]"], ["vector", "[3,4]"]], "-11"],
    ["<=>", [["vector", "[1,0]"], ["vector", "[0,1]"]], "1"],
    ["<->", [["vector", "[1,2]"], ["vector", "[1,2,3]"]], "ERROR 22000"],
    ["+", [["vector", "[1,2]"], ["vector", "[0.5,-2]"]], "[1.5,0]"],
    ["*", [["vector", "[1,2]"], ["vector", "[3,4]"]], "[3,8]"],
    ["*", [["vector", "[3e38]"], ["vector", "[10]"]], "ERROR 22003"],
    ["->>", [["json", '{"a": [1,  2], "a": "last"}'], ["unknown", "a"]], "last"],
    ["->", [["json", '{"a": [1,  2]}'], ["text", "a"]], "[1,  2]"],
  ])("%s %j = %j", (op, args, expected) => {
    expect(outcome("op", op, args)).toBe(expected);
  });
});

describe("vector functions", () => {
  it.each<[string, Arg[], string | null]>([
    ["vector_dims", [["vector", "[1,2,3]"]], "3"],
    ["vector_norm", [["vector", "[3,4]"]], "5"],
    ["l2_distance", [["vector", "[0,0]"], ["vector", "[3,4]"]], "5"],
    ["inner_product", [["vector", "[1,2]"], ["vector", "[3,4]"]], "11"],
    ["cosine_similarity", [["vector", "[1,0]"], ["vector", "[1,0]"]], "1"],
    ["cosine_distance", [["vector", "[1,0]"], ["vector", "[-1,0]"]], "2"],
    ["vector_distance", [["vector", "[1,2]"], ["vector", "[3,4]"], ["text", "inner"]], "-11"],
    ["vector_similarity", [["vector", "[0,0]"], ["vector", "[3,4]"], ["unknown", "l2"]], "0.16666666666666666"],
    ["vector_distance", [["vector", "[1]"], ["vector", "[1]"], ["text", "manhattan"]], "ERROR 22023"],
    ["vector_norm", [["vector", null]], null],
  ])("%s(%j) = %j", (name, args, expected) => {
    expect(outcome("fn", name, args)).toBe(expected);
  });
});

describe("evaluation context and volatility", () => {
  const ctx: EvalContext = { now: Date.UTC(2024, 1, 29, 13, 45, 56) * 1000 + 789, random: () => 0.25 };

  it("now() and friends read the context's clock", () => {
    for (const name of ["now", "current_timestamp", "statement_timestamp", "transaction_timestamp"]) {
      const r = lookupFunction(name, []);
      expect(r.returnType).toEqual(TIMESTAMPTZ);
      expect(r.volatile).toBeUndefined();
      expect(formatText(r.fn([], ctx)!, r.returnType)).toBe("2024-02-29 13:45:56.000789+00");
    }
    const d = lookupFunction("current_date", []);
    expect(d.returnType).toEqual(DATE);
    expect(formatText(d.fn([], ctx)!, DATE)).toBe("2024-02-29");
  });

  it("random() is volatile and uses the context's source", () => {
    const r = lookupFunction("random", []);
    expect(r.volatile).toBe(true);
    expect(r.returnType).toEqual(FLOAT8);
    expect(r.fn([], ctx)).toBe(0.25);
    const v = r.fn([]) as number;
    expect(v >= 0 && v < 1).toBe(true);
  });

  it("gen_random_uuid() is volatile and canonical", () => {
    const r = lookupFunction("gen_random_uuid", []);
    expect(r.volatile).toBe(true);
    expect(r.returnType).toEqual(UUID);
    const a = r.fn([]) as string;
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(r.fn([])).not.toBe(a);
  });

  it("strictness is reported", () => {
    expect(lookupFunction("abs", [INT4]).strict).toBe(true);
    expect(lookupFunction("concat", [TEXT]).strict).toBe(false);
    expect(lookupOperator("<->", VECTOR, VECTOR).strict).toBe(true);
  });
});

describe("quoting helpers", () => {
  it.each([
    ["abc", "abc"],
    ["Abc", '"Abc"'],
    ["select", '"select"'],
    ['a"b', '"a""b"'],
    ["_x1", "_x1"],
  ])("quoteIdent(%j) = %j", (x, q) => expect(quoteIdent(x)).toBe(q));

  it("quoteLiteral doubles quotes and switches to E'' for backslashes", () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral("a\\b")).toBe("E'a\\\\b'");
  });
});

describe("integer arithmetic against a BigInt reference", () => {
  const INT4_RANGE = { min: -2147483648, max: 2147483647 };

  it("int4 + - * / % agree with exact arithmetic, erroring exactly on overflow", () => {
    const ops: [string, (a: bigint, b: bigint) => bigint | undefined][] = [
      ["+", (a, b) => a + b],
      ["-", (a, b) => a - b],
      ["*", (a, b) => a * b],
      ["/", (a, b) => (b === 0n ? undefined : a / b)],
      ["%", (a, b) => (b === 0n ? undefined : a % b)],
    ];
    const int = fc.oneof(fc.integer(INT4_RANGE), fc.constantFrom(0, 1, -1, INT4_RANGE.min, INT4_RANGE.max));
    fc.assert(
      fc.property(int, int, fc.integer({ min: 0, max: ops.length - 1 }), (a, b, k) => {
        const [op, ref] = ops[k]!;
        const want = ref(BigInt(a), BigInt(b));
        const got = outcome("op", op, [
          ["int4", String(a)],
          ["int4", String(b)],
        ]);
        if (want === undefined) return got === "ERROR 22012";
        const fits = want >= BigInt(INT4_RANGE.min) && want <= BigInt(INT4_RANGE.max);
        return got === (fits ? String(want) : "ERROR 22003");
      }),
      { numRuns: 2000 },
    );
  });
});
