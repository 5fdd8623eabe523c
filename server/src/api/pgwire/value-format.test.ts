import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { equalValues, INT4, INT8, type SqlScalar, type SqlType, type SqlValue, TEXT } from "../../sql/types/index.js";
import { typedScalarArb } from "../../sql/types/testing/arbitraries.js";
import { decodeParams, encodeValue, resultFormats, rowFields } from "./value-format.js";

/** json has no equality operator: its values are the same when their text is. */
function same(a: SqlValue, b: SqlScalar, t: SqlType): boolean {
  return a !== null && (t.kind === "json" ? a === b : equalValues(a, b, t));
}

describe("values on the wire", () => {
  it("a value's text form decodes back to the same value", () => {
    fc.assert(
      fc.property(typedScalarArb(), ({ t, v }) => {
        const bytes = encodeValue(v, t, 0)!;
        const [back] = decodeParams([bytes], [0], [t], "");
        expect(same(back!, v, t)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("a value's binary form decodes back to the same value", () => {
    fc.assert(
      fc.property(typedScalarArb(), ({ t, v }) => {
        const bytes = encodeValue(v, t, 1)!;
        const [back] = decodeParams([bytes], [1], [t], "");
        expect(same(back!, v, t)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps NULL as NULL in both formats", () => {
    expect(encodeValue(null, INT4, 0)).toBeNull();
    expect(encodeValue(null, INT4, 1)).toBeNull();
    expect(decodeParams([null, null], [0, 1], [INT4, TEXT], "")).toEqual([null, null]);
  });
});

describe("format codes", () => {
  const cases: { codes: number[]; columns: number; expected: number[] | string }[] = [
    { codes: [], columns: 3, expected: [0, 0, 0] },
    { codes: [1], columns: 3, expected: [1, 1, 1] },
    { codes: [0, 1], columns: 2, expected: [0, 1] },
    { codes: [], columns: 0, expected: [] },
    { codes: [1], columns: 0, expected: [] },
    { codes: [0, 1], columns: 3, expected: "bind message has 2 result formats but query has 3 columns" },
    { codes: [2], columns: 1, expected: "unsupported format code: 2" },
  ];
  it.each(cases)("result formats $codes for $columns columns", ({ codes, columns, expected }) => {
    if (typeof expected === "string") expect(() => resultFormats(codes, columns)).toThrow(expected);
    else expect(resultFormats(codes, columns)).toEqual(expected);
  });

  const paramCases: { name: string; params: (Buffer | null)[]; formats: number[]; types: SqlType[]; error: string; sqlstate: string }[] = [
    { name: "too few values", params: [], formats: [], types: [INT4], error: 'bind message supplies 0 parameters, but prepared statement "s" requires 1', sqlstate: "08P01" },
    { name: "format count mismatch", params: [null, null], formats: [0, 0, 0], types: [INT4, INT4], error: "bind message has 3 parameter formats but 2 parameters", sqlstate: "08P01" },
    { name: "unknown format", params: [Buffer.from("1")], formats: [7], types: [INT4], error: "unsupported format code: 7", sqlstate: "22023" },
    { name: "bad text", params: [Buffer.from("1x")], formats: [0], types: [INT4], error: 'invalid input syntax for type integer: "1x"', sqlstate: "22P02" },
    { name: "bad UTF-8", params: [Buffer.from([0xff])], formats: [0], types: [TEXT], error: 'invalid byte sequence for encoding "UTF8": 0xff', sqlstate: "22021" },
    { name: "binary too long", params: [Buffer.alloc(9)], formats: [1], types: [INT8], error: "incorrect binary data format in bind parameter 1", sqlstate: "22P03" },
  ];
  it.each(paramCases)("parameters: $name", ({ params, formats, types, error, sqlstate }) => {
    expect(() => decodeParams(params, formats, types, "s")).toThrow(expect.objectContaining({ message: error, sqlstate }));
  });
});

describe("RowDescription fields", () => {
  it("carry the type's OID, length and modifier", () => {
    const fields = rowFields(
      [
        { name: "a", type: { kind: "varchar", length: 10 }, tableOid: 1, columnNumber: 2 },
        { name: "b", type: { kind: "numeric", precision: 10, scale: 2 }, tableOid: 0, columnNumber: 0 },
        { name: "c", type: { kind: "timestamptz", precision: 3 }, tableOid: 0, columnNumber: 0 },
      ],
      [1, 0, 0],
    );
    expect(fields).toEqual([
      { name: "a", tableOid: 1, columnNumber: 2, typeOid: 1043, typeLength: -1, typeModifier: 14, format: 1 },
      { name: "b", tableOid: 0, columnNumber: 0, typeOid: 1700, typeLength: -1, typeModifier: 655366, format: 0 },
      { name: "c", tableOid: 0, columnNumber: 0, typeOid: 1184, typeLength: 8, typeModifier: 3, format: 0 },
    ]);
  });
});
