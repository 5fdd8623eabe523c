/**
 * Arrays (one dimension) and OIDs with their alias types: text and binary forms, casts and
 * comparisons. Expected values are PostgreSQL 15's.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { decodeBinary, encodeBinary } from "./binary-io.js";
import { castValue } from "./cast.js";
import { compareValues, equalValues, hashKey } from "./compare.js";
import { arrayOf, formatType, INT2VECTOR, INT4, OID, REGCLASS, type SqlType, TEXT, typeFromName, typeFromOid, typeOid } from "./sql-type.js";
import { scalarArb, typeArb, VALUE_KINDS } from "./testing/arbitraries.js";
import { formatText, parseText } from "./text-io.js";
import type { SqlArray } from "./value.js";

const INT4_ARRAY = arrayOf(INT4);
const TEXT_ARRAY = arrayOf(TEXT);

function errorOf(f: () => unknown): { state: string | undefined; message: string; detail?: string } {
  try {
    f();
  } catch (e) {
    return { state: sqlstateOf(e), message: (e as Error).message, ...((e as { detail?: string }).detail !== undefined && { detail: (e as { detail?: string }).detail }) };
  }
  throw new Error("expected an error");
}

describe("array text form", () => {
  it("prints and reads elements as PostgreSQL does", () => {
    expect(formatText(parseText("{1,2,NULL}", INT4_ARRAY), INT4_ARRAY)).toBe("{1,2,NULL}");
    expect(formatText(["a b", "", "NULL", 'x"y', "c\\d", "{}"], TEXT_ARRAY)).toBe('{"a b","","NULL","x\\"y","c\\\\d","{}"}');
    expect(parseText('{ a , "b c" }', TEXT_ARRAY)).toEqual(["a", "b c"]);
    expect(parseText("[1:2]={7,8}", INT4_ARRAY)).toEqual([7, 8]);
    expect(parseText("{}", INT4_ARRAY)).toEqual([]);
    expect(parseText('{"NULL",null}', TEXT_ARRAY)).toEqual(["NULL", null]);
  });

  it("rejects malformed literals with PostgreSQL's messages", () => {
    expect(errorOf(() => parseText("{1,2", INT4_ARRAY))).toEqual({ state: "22P02", message: 'malformed array literal: "{1,2"', detail: "Unexpected end of input." });
    expect(errorOf(() => parseText("1,2", INT4_ARRAY))).toEqual({ state: "22P02", message: 'malformed array literal: "1,2"', detail: 'Array value must start with "{" or dimension information.' });
    expect(errorOf(() => parseText("{1,2}x", INT4_ARRAY))).toEqual({ state: "22P02", message: 'malformed array literal: "{1,2}x"', detail: "Junk after closing right brace." });
    expect(errorOf(() => parseText("{{1},{2}}", INT4_ARRAY)).state).toBe("0A000");
    expect(errorOf(() => parseText("{1,x}", INT4_ARRAY)).message).toBe('invalid input syntax for type integer: "x"');
  });

  it("round-trips any array through text and binary", () => {
    const arrayType = typeArb(VALUE_KINDS.filter((k) => k !== "vector" && k !== "json")).map((element): SqlType => arrayOf(element));
    fc.assert(
      fc.property(arrayType.chain((t) => scalarArb(t).map((v) => ({ t, v }))), ({ t, v }) => {
        const text = formatText(v, t);
        expect(equalValues(parseText(text, t), v, t)).toBe(true);
        expect(equalValues(decodeBinary(encodeBinary(v, t), t), v, t)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("prints int2vector space-separated and subscripts it from 0", () => {
    expect(formatText(parseText("1 2 3", INT2VECTOR), INT2VECTOR)).toBe("1 2 3");
    expect(typeOid(INT2VECTOR)).toBe(22);
    expect(formatType(INT2VECTOR)).toBe("int2vector");
  });
});

describe("array casts and comparison", () => {
  it("casts element by element", () => {
    expect(castValue([1, 2], INT4_ARRAY, TEXT_ARRAY, "explicit")).toEqual(["1", "2"]);
    expect(castValue("{1,2}", { kind: "unknown" }, INT4_ARRAY, "implicit")).toEqual([1, 2]);
    expect(castValue([1, null], INT4_ARRAY, TEXT, "assignment")).toBe("{1,NULL}");
  });

  it("orders element by element, then by length, NULL elements last", () => {
    expect(compareValues([1, 2], [1, 3], INT4_ARRAY)).toBe(-1);
    expect(compareValues([1], [1, 0], INT4_ARRAY)).toBe(-1);
    expect(compareValues([1, null], [1, 5], INT4_ARRAY)).toBe(1);
    expect(equalValues([null], [null], INT4_ARRAY)).toBe(true);
    expect(hashKey([[1, 2]], [INT4_ARRAY])).toBe(hashKey([[1, 2]], [INT4_ARRAY]));
    expect(hashKey([[1, 2]], [INT4_ARRAY])).not.toBe(hashKey([[1, 2, null] as SqlArray], [INT4_ARRAY]));
  });

  it("knows PostgreSQL's array type OIDs", () => {
    expect(typeOid(arrayOf(TEXT))).toBe(1009);
    expect(typeOid(arrayOf(OID))).toBe(1028);
    expect(typeFromOid(1007)).toEqual(INT4_ARRAY);
    expect(typeFromName("int4[]".replace("[]", ""))).toEqual(INT4);
    expect(formatType(arrayOf(typeFromName("varchar(3)")))).toBe("character varying(3)[]");
  });
});

describe("oid and its alias types", () => {
  it("reads OIDs as unsigned 32-bit numbers, wrapping negatives", () => {
    expect(parseText("-1", OID)).toBe(4294967295);
    expect(parseText("4294967295", OID)).toBe(4294967295);
    expect(errorOf(() => parseText("4294967296", OID))).toEqual({ state: "22003", message: 'value "4294967296" is out of range for type oid' });
    expect(errorOf(() => parseText("x", OID))).toEqual({ state: "22P02", message: 'invalid input syntax for type oid: "x"' });
    expect(castValue(-1, INT4, OID, "implicit")).toBe(4294967295);
    expect(castValue(4294967295, OID, INT4, "assignment")).toBe(-1);
    expect(castValue(4294967295, OID, { kind: "int8" }, "assignment")).toBe(4294967295n);
  });

  it("reports the alias types by their own OIDs and names", () => {
    expect(typeOid(REGCLASS)).toBe(2205);
    expect(typeFromOid(2206)).toEqual({ kind: "oid", reg: "regtype" });
    expect(typeFromName("regnamespace")).toEqual({ kind: "oid", reg: "regnamespace" });
    expect(formatType(REGCLASS)).toBe("regclass");
    expect(castValue(16384, OID, REGCLASS, "implicit")).toBe(16384);
    expect(errorOf(() => parseText("pg_class", REGCLASS)).state).toBe("0A000");
    expect(decodeBinary(encodeBinary(4294967295, OID), OID)).toBe(4294967295);
  });
});
