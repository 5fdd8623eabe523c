import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { castValue } from "./cast.js";
import { arrayOf, INT4, TEXT, typeFromName, type SqlType } from "./sql-type.js";
import { typeArb, VALUE_KINDS } from "./testing/arbitraries.js";
import { formatText, parseText } from "./text-io.js";
import type { SqlScalar } from "./value.js";

const INT_ARRAY = arrayOf(INT4);
const TEXT_ARRAY = arrayOf(TEXT);

function errorOf(f: () => unknown): SqlStateError {
  try {
    f();
  } catch (e) {
    if (e instanceof SqlStateError) return e;
    throw e;
  }
  throw new Error("no error");
}

const FAILED = Symbol("failed");

/** parseText's value, or FAILED after checking it failed as a user error (a SQLSTATE, not XX). */
function readOrFailCleanly(text: string, t: SqlType): SqlScalar | typeof FAILED {
  try {
    return parseText(text, t);
  } catch (e) {
    expect(e).toBeInstanceOf(SqlStateError);
    expect((e as SqlStateError).sqlstate).not.toMatch(/^XX/);
    return FAILED;
  }
}

describe("array_in", () => {
  it("reads elements as PostgreSQL does", () => {
    expect(parseText("{1,2}", INT_ARRAY)).toEqual([1, 2]);
    expect(parseText(' { 1 , NULL } ', INT_ARRAY)).toEqual([1, null]);
    expect(parseText("{}", INT_ARRAY)).toEqual([]);
    expect(parseText("{  }", TEXT_ARRAY)).toEqual([]);
    expect(parseText('{a,"b c",NULL,"NULL",\\NULL,nUlL}', TEXT_ARRAY)).toEqual(["a", "b c", null, "NULL", "NULL", null]);
    expect(parseText('{a,  b  c  ,"  d  " , \\ e\\ }', TEXT_ARRAY)).toEqual(["a", "b  c", "  d  ", " e "]);
    expect(parseText('{"x}","a\\"b",""}', TEXT_ARRAY)).toEqual(["x}", 'a"b', ""]);
    expect(parseText("[1:2]={1,2}", INT_ARRAY)).toEqual([1, 2]);
    expect(parseText(" [2] = {5,6}", INT_ARRAY)).toEqual([5, 6]);
  });

  it.each([
    ["{1,2", "Unexpected end of input."],
    ["1,2", 'Array value must start with "{" or dimension information.'],
    ["", 'Array value must start with "{" or dimension information.'],
    ["{1,2}x", "Junk after closing right brace."],
    ["{1}}", "Junk after closing right brace."],
    ["{{1},2}", "Unexpected array element."],
    ["{1,{2}}", 'Unexpected "{" character.'],
    ["{,}", 'Unexpected "," character.'],
    ["{1,,2}", 'Unexpected "," character.'],
    ['{"a}', "Unexpected end of input."],
    ['{a"b}', "Unexpected array element."],
    ['{"a"b}', "Unexpected array element."],
    ['{"a":1}', "Unexpected array element."],
    ["{a\\}", "Unexpected end of input."],
    ["{{}}", 'Unexpected "}" character.'],
    ["{{1,2},{3}}", "Multidimensional arrays must have sub-arrays with matching dimensions."],
    ["[1:3]={1,2}", "Specified array dimensions do not match array contents."],
    ["[1:1]={}", "Specified array dimensions do not match array contents."],
    ["[1:2]{1,2}", 'Missing "=" after array dimensions.'],
    ["[x]={1}", '"[" must introduce explicitly-specified array dimensions.'],
    ["[1:]={1}", "Missing array dimension value."],
    ["[1:2={1,2}", 'Missing "]" after array dimensions.'],
    ["[1:1]=x", 'Array contents must start with "{".'],
  ])("%s is malformed: %s", (text, detail) => {
    const e = errorOf(() => parseText(text, INT_ARRAY));
    expect(e.sqlstate).toBe("22P02");
    expect(e.message).toBe(`malformed array literal: "${text}"`);
    expect(e.detail).toBe(detail);
  });

  it("checks a literal's shape before refusing what Alopex arrays cannot hold", () => {
    expect(errorOf(() => parseText("{{1,2},{3,4}}", INT_ARRAY)).sqlstate).toBe("0A000");
    expect(errorOf(() => parseText("[1:2][1:1]={{1},{2}}", INT_ARRAY)).sqlstate).toBe("0A000");
    expect(errorOf(() => parseText("[0:1]={1,2}", INT_ARRAY)).sqlstate).toBe("0A000");
    expect(errorOf(() => parseText("[2:1]={1}", INT_ARRAY)).sqlstate).toBe("2202E");
    const deep = errorOf(() => parseText("{{{{{{{1}}}}}}}", INT_ARRAY));
    expect([deep.sqlstate, deep.message]).toEqual(["54000", "number of array dimensions (7) exceeds the maximum allowed (6)"]);
  });

  it("quotes on output only what array_in would misread", () => {
    const out = (v: string[]) => formatText(v, TEXT_ARRAY);
    expect(out(["a", "", "NULL", "null", "x y", 'q"q', "b\\s", "{", "a,b"])).toBe('{a,"","NULL","null","x y","q\\"q","b\\\\s","{","a,b"}');
    // Only ASCII white space is special to array_in.
    expect(out(["a\u00a0b"])).toBe("{a\u00a0b}");
  });
});

/** A text made mostly of the characters that matter to array_in, so that the structure varies. */
const arrayishText = fc.string({ unit: fc.constantFrom("{", "}", ",", '"', "\\", " ", "[", "]", ":", "=", "1", "-", "a", "N", "U", "L", "\t", "é"), maxLength: 24 });

describe("random input", () => {
  const types: SqlType[] = [INT_ARRAY, TEXT_ARRAY, arrayOf(typeFromName("numeric", [3, 1])), typeFromName("int2vector")];

  it("either reads or fails with a SQLSTATE other than XX000, and what it reads prints and reads back", () => {
    fc.assert(
      fc.property(fc.oneof(arrayishText, fc.string({ maxLength: 24 })), fc.constantFrom(...types), (text, t) => {
        const v = readOrFailCleanly(text, t);
        if (v === FAILED) return;
        const printed = formatText(v, t);
        expect(parseText(printed, t)).toEqual(v);
      }),
      { numRuns: 3000 },
    );
  });

  it("arrays of every element type read any literal or fail with a SQLSTATE, and print back what they read", () => {
    const literal = fc.oneof(
      arrayishText,
      // Literals of elements the element types might accept, so that reading gets past the braces.
      fc.array(fc.constantFrom("1", "-2.5", "t", "NaN", "2020-01-02", "2020-01-02 03:04:05+02", "1 day", '"a b"', "\\x01", "{}", "[1,2]", "NULL", '"{\\"a\\": 1}"', "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), { maxLength: 3 }).map((xs) => `{${xs.join(",")}}`),
    );
    fc.assert(
      fc.property(literal, typeArb(VALUE_KINDS.filter((k) => k !== "vector" && k !== "oid")), (text, element) => {
        const t = arrayOf(element);
        const v = readOrFailCleanly(text, t);
        if (v === FAILED) return;
        expect(formatText(parseText(formatText(v, t), t), t)).toBe(formatText(v, t));
      }),
      { numRuns: 2000 },
    );
  });

  it("casts from text to int[] and text[] fail only with SQLSTATEs", () => {
    fc.assert(
      fc.property(arrayishText, fc.constantFrom(INT_ARRAY, TEXT_ARRAY), (text, t) => {
        try {
          castValue(text, TEXT, t, "explicit");
        } catch (e) {
          expect(e).toBeInstanceOf(SqlStateError);
          expect((e as SqlStateError).sqlstate).not.toMatch(/^XX/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
