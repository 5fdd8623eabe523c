import { describe, expect, it } from "vitest";
import { BPCHAR, DATE, FLOAT8, INT2, INT4, INT8, JSONB, NULL_TYPE, NUMERIC, type SqlType, TEXT, TIMESTAMP, TIMESTAMPTZ, UNKNOWN, VARCHAR, formatType, Numeric } from "../types/index.js";
import { FunctionLookupError, lookupFunction, lookupOperator, substringArgs } from "./index.js";
import { fn } from "./common.js";
import { Registry } from "./registry.js";

const sig = (r: { paramTypes: readonly SqlType[]; returnType: SqlType }) => `${r.paramTypes.map(formatType).join(",")} -> ${formatType(r.returnType)}`;

describe("function resolution", () => {
  it.each([
    ["exact match", "abs", [INT8], "bigint -> bigint"],
    ["implicit cast int2 → int4 (most exact matches)", "mod", [INT2, INT4], "integer,integer -> integer"],
    ["implicit cast int4 → numeric", "round", [INT4, INT4], "numeric,integer -> numeric"],
    ["preferred type float8 over numeric", "sqrt", [INT4], "double precision -> double precision"],
    ["varchar prefers text over bpchar", "length", [VARCHAR], "text -> integer"],
    ["bpchar has its own length", "length", [BPCHAR], "bpchar -> integer"],
    ["unknown resolves to the string category", "length", [UNKNOWN], "text -> integer"],
    ["unknown with a known argument of one type", "substr", [TEXT, UNKNOWN], "text,integer -> text"],
    ["date → timestamptz (preferred) for date_part", "date_part", [TEXT, DATE], "text,timestamp with time zone -> double precision"],
    ["timestamp exact for date_trunc", "date_trunc", [UNKNOWN, TIMESTAMP], "text,timestamp without time zone -> timestamp without time zone"],
    ["variadic any keeps argument types", "concat", [INT4, NULL_TYPE, JSONB], "integer,unknown,jsonb -> text"],
    ["case-insensitive names", "LOWER", [TEXT], "text -> text"],
  ])("%s", (_label, name, types, expected) => {
    expect(sig(lookupFunction(name as string, types as SqlType[]))).toBe(expected);
  });

  it("42883 with PostgreSQL's message and hint", () => {
    const e = (() => {
      try {
        lookupFunction("foo", [INT4]);
      } catch (x) {
        return x;
      }
    })() as FunctionLookupError;
    expect(e).toBeInstanceOf(FunctionLookupError);
    expect(e.sqlstate).toBe("42883");
    expect(e.message).toBe("function foo(integer) does not exist");
    expect(e.hint).toBe("No function matches the given name and argument types. You might need to add explicit type casts.");
    expect(() => lookupFunction("length", [INT4])).toThrow("function length(integer) does not exist");
    expect(() => lookupFunction("substring", [TEXT, INT8])).toThrow("function substring(text, bigint) does not exist");
    expect(() => lookupFunction("concat", [])).toThrow("function concat() does not exist");
  });

  it("42725 when ambiguous", () => {
    expect(() => lookupFunction("mod", [UNKNOWN, UNKNOWN])).toThrow(expect.objectContaining({ sqlstate: "42725", message: "function mod(unknown, unknown) is not unique" }));
    // float8 is the numeric category's preferred type, so abs('1') is not ambiguous.
    expect(formatType(lookupFunction("abs", [UNKNOWN]).returnType)).toBe("double precision");
    expect(() => lookupOperator("+", UNKNOWN, UNKNOWN)).toThrow(expect.objectContaining({ sqlstate: "42725", message: "operator is not unique: unknown + unknown" }));
  });

  it("a registry of its own: exact beats implicit, preferred breaks ties, otherwise ambiguous", () => {
    const r = new Registry().add([
      fn("f", ["int8"], "int8", () => "int8"),
      fn("f", ["numeric"], "numeric", () => "numeric"),
      fn("g", ["float8"], "float8", () => "float8"),
      fn("g", ["numeric"], "numeric", () => "numeric"),
    ]);
    const amb = () => new Error("ambiguous");
    expect(r.resolve("f", [INT8], amb)?.fn([1n])).toBe("int8");
    expect(r.resolve("f", [NUMERIC], amb)?.fn([Numeric.ZERO])).toBe("numeric");
    // int4 → int8 and int4 → numeric both exist; neither is preferred.
    expect(() => r.resolve("f", [INT4], amb)).toThrow("ambiguous");
    expect(r.resolve("g", [INT4], amb)?.fn([1])).toBe("float8");
    expect(r.resolve("g", [TEXT], amb)).toBeUndefined();
  });

  it("converts arguments to the chosen parameter types before calling", () => {
    const add = lookupOperator("+", INT4, NUMERIC);
    expect(formatType(add.returnType)).toBe("numeric");
    expect(String(add.fn([2, Numeric.of("0.5")]))).toBe("2.5");
    const cat = lookupOperator("||", UNKNOWN, INT4);
    expect(cat.fn(["a", 1])).toBe("a1");
  });
});

describe("operator resolution", () => {
  it.each([
    ["int4 + unknown takes the literal as int4", "+", INT4, UNKNOWN, "integer,integer -> integer"],
    ["int4 + int8", "+", INT4, INT8, "bigint,bigint -> bigint"],
    ["int2 * int2 stays smallint", "*", INT2, INT2, "smallint,smallint -> smallint"],
    ["int4 ^ int4 is float8", "^", INT4, INT4, "double precision,double precision -> double precision"],
    ["!= is <>", "!=", INT4, INT4, "integer,integer -> boolean"],
    ["LIKE in words", "not like", TEXT, UNKNOWN, "text,text -> boolean"],
    ["bpchar LIKE keeps padding", "LIKE", BPCHAR, TEXT, "bpchar,text -> boolean"],
    ["text || int4 via anynonarray", "||", TEXT, INT4, "text,integer -> text"],
    ["unknown || unknown is text", "||", UNKNOWN, UNKNOWN, "text,text -> text"],
    ["jsonb -> unknown picks the text key", "->", JSONB, UNKNOWN, "jsonb,text -> jsonb"],
    ["date - date is integer", "-", DATE, DATE, "date,date -> integer"],
    ["timestamp = timestamptz compares as timestamptz", "=", TIMESTAMP, TIMESTAMPTZ, "timestamp with time zone,timestamp with time zone -> boolean"],
    ["float8 = numeric compares as float8", "=", FLOAT8, NUMERIC, "double precision,double precision -> boolean"],
  ])("%s", (_label, op, l, r, expected) => {
    expect(sig(lookupOperator(op as string, l as SqlType, r as SqlType))).toBe(expected);
  });

  it("prefix operators", () => {
    expect(sig(lookupOperator("-", undefined, INT8))).toBe("bigint -> bigint");
    expect(sig(lookupOperator("@", undefined, NUMERIC))).toBe("numeric -> numeric");
    expect(() => lookupOperator("-", undefined, TEXT)).toThrow(expect.objectContaining({ sqlstate: "42883", message: "operator does not exist: - text" }));
  });

  it("missing operator: 42883 with the operator hint", () => {
    try {
      lookupOperator("||", INT4, INT4);
      expect.unreachable();
    } catch (e) {
      expect((e as FunctionLookupError).message).toBe("operator does not exist: integer || integer");
      expect((e as FunctionLookupError).hint).toBe("No operator matches the given name and argument types. You might need to add explicit type casts.");
    }
  });
});

describe("substringArgs", () => {
  it("maps FROM/FOR onto the positional forms", () => {
    expect(substringArgs("x", "2", "3", "1")).toEqual(["x", "2", "3"]);
    expect(substringArgs("x", "2", undefined, "1")).toEqual(["x", "2"]);
    expect(substringArgs("x", undefined, "3", "1")).toEqual(["x", "1", "3"]);
  });
});
