/**
 * The json/jsonb functions' pure logic, called through the registry on text in and text out, and
 * properties that hold for any document: containment is reflexive and agrees with concatenation,
 * setting a path then reading it gives the value set, deleting a key removes it.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { formatText, type Jsonb, parseText, type SqlType, type SqlValue, typeFromName } from "../types/index.js";
import { lookupFunction, lookupOperator } from "./index.js";
import { jsonbEach, jsonEach, jsonMembers, jsonObjectKeys, jsonbPretty, rowToJson } from "./json.js";

const TEXT_ARRAY = "text[]";

function typeOf(name: string): SqlType {
  return name === TEXT_ARRAY ? { kind: "array", element: { kind: "text" } } : typeFromName(name);
}

function call(kind: "fn" | "op", name: string, ...args: [string, string | null][]): string | null {
  const types = args.map(([t]) => typeOf(t));
  const values: SqlValue[] = args.map(([, v], i) => (v === null ? null : parseText(v, types[i]!)));
  const r = kind === "fn" ? lookupFunction(name, types) : lookupOperator(name, types[0], types[1]!);
  const out = r.fn(values);
  return out === null ? null : formatText(out, r.returnType);
}

function failure(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return `${sqlstateOf(e)} ${(e as Error).message}`;
  }
  return undefined;
}

const jb = (v: string): [string, string] => ["jsonb", v];
const path = (v: string): [string, string] => [TEXT_ARRAY, v];

describe("jsonb_set and jsonb_insert", () => {
  it.each([
    ['{"a":[1,2]}', "{a,0}", "9", '{"a": [9, 2]}'],
    ["[1,2]", "{-5}", "0", "[0, 1, 2]"],
    ["[1,2]", "{9}", "0", "[1, 2, 0]"],
    ["[1,2]", "{-1}", "0", "[1, 0]"],
    ["[]", "{3}", "1", "[1]"],
    ['{"a":{"b":1}}', "{a,c}", '"x"', '{"a": {"b": 1, "c": "x"}}'],
    ['{"a":{"b":1}}', "{x,c}", '"x"', '{"a": {"b": 1}}'],
    ['{"a":1}', "{a,b}", "2", '{"a": 1}'],
    ["[1]", "{}", "3", "[1]"],
  ])("jsonb_set(%s, %s, %s) = %s", (doc, p, v, want) => {
    expect(call("fn", "jsonb_set", jb(doc), path(p), jb(v))).toBe(want);
  });

  it("creates nothing when told not to", () => {
    expect(call("fn", "jsonb_set", jb("[1,2]"), path("{9}"), jb("0"), ["bool", "f"])).toBe("[1, 2]");
    expect(call("fn", "jsonb_set", jb("{}"), path("{a}"), jb("0"), ["bool", "f"])).toBe("{}");
  });

  it("inserts before or after an array position, never over an object key", () => {
    expect(call("fn", "jsonb_insert", jb("[1,2]"), path("{1}"), jb("0"))).toBe("[1, 0, 2]");
    expect(call("fn", "jsonb_insert", jb("[1,2]"), path("{1}"), jb("0"), ["bool", "t"])).toBe("[1, 2, 0]");
    expect(call("fn", "jsonb_insert", jb("[1,2]"), path("{-5}"), jb("0"), ["bool", "t"])).toBe("[0, 1, 2]");
    expect(failure(() => call("fn", "jsonb_insert", jb('{"a":1}'), path("{a}"), jb("3")))).toBe("22023 cannot replace existing key");
  });

  it("reports PostgreSQL's errors", () => {
    expect(failure(() => call("fn", "jsonb_set", jb('{"a":[1]}'), path("{a,x}"), jb("1")))).toBe('22P02 path element at position 2 is not an integer: "x"');
    expect(failure(() => call("fn", "jsonb_set", jb('{"a":[1]}'), path("{a,1.5}"), jb("1")))).toBe('22P02 path element at position 2 is not an integer: "1.5"');
    expect(failure(() => call("fn", "jsonb_set", jb("{}"), path("{NULL}"), jb("1")))).toBe("22004 path element at position 1 is null");
    expect(failure(() => call("fn", "jsonb_set", jb("1"), path("{a}"), jb("1")))).toBe("22023 cannot set path in scalar");
  });
});

describe("operators", () => {
  it.each([
    ["[1,[2,3]]", "[[3]]", true],
    ["1", "[1]", false],
    ["[1]", "1", true],
    ['{"a":{"b":1,"c":2}}', '{"a":{"b":1}}', true],
    ['{"a":1}', '{"a":1.0}', true],
    ['[{"a":1}]', '{"a":1}', false],
    ['{"a":[1]}', '{"a":1}', false],
    ["[1,2]", "[]", true],
    ["{}", "{}", true],
    ['"a"', '"a"', true],
  ])("%s @> %s is %s", (a, b, want) => {
    expect(call("op", "@>", jb(a), jb(b))).toBe(want ? "t" : "f");
    expect(call("op", "<@", jb(b), jb(a))).toBe(want ? "t" : "f");
  });

  it("tests key existence at the top level only", () => {
    expect(call("op", "?", jb('"a"'), ["text", "a"])).toBe("t");
    expect(call("op", "?", jb('[["a"]]'), ["text", "a"])).toBe("f");
    expect(call("op", "?|", jb('{"a":1}'), path("{b,a}"))).toBe("t");
    expect(call("op", "?&", jb('{"a":1}'), path("{b,a}"))).toBe("f");
    expect(call("op", "?&", jb('{"a":1}'), path("{}"))).toBe("t");
  });

  it("concatenates and deletes as PostgreSQL does", () => {
    expect(call("op", "||", jb('{"a":1}'), jb("2"))).toBe('[{"a": 1}, 2]');
    expect(call("op", "||", jb('{"a":1,"b":2}'), jb('{"b":3}'))).toBe('{"a": 1, "b": 3}');
    expect(call("op", "-", jb('[1,"a","b"]'), ["text", "a"])).toBe('[1, "b"]');
    expect(call("op", "-", jb("[1,2,3]"), ["int4", "-1"])).toBe("[1, 2]");
    expect(call("op", "-", jb('{"a":1,"b":2}'), path("{a,x}"))).toBe('{"b": 2}');
    expect(failure(() => call("op", "-", jb("{}"), ["int4", "1"]))).toBe("22023 cannot delete from object using integer index");
    expect(failure(() => call("op", "-", jb("1"), ["text", "a"]))).toBe("22023 cannot delete from scalar");
    expect(call("op", "#-", jb('{"a":[1,2]}'), path("{a,0}"))).toBe('{"a": [2]}');
  });
});

describe("json text readers", () => {
  it("keep each member's text as written, duplicates included", () => {
    const m = jsonMembers(' { "a" : [1,  2] , "a":"x", "b\\u0041" : null } ');
    expect(m).toEqual({ kind: "object", keys: ["a", "a", "bA"], values: ["[1,  2]", '"x"', "null"] });
    expect(jsonMembers(" [ ] ")).toEqual({ kind: "array", keys: [], values: [] });
    expect(jsonMembers(' "x" ').kind).toBe("scalar");
    expect(jsonEach('{"a": "x\\n", "b": null}', true)).toEqual([
      ["a", "x\n"],
      ["b", null],
    ]);
    expect(jsonObjectKeys('{"b":1,"a":2,"b":3}')).toEqual(["b", "a", "b"]);
  });

  it("strips nulls and prints without white space, as json_strip_nulls does", () => {
    expect(call("fn", "json_strip_nulls", ["json", '{"a": 1, "b": null, "c": [1, null, {"d" : null}]}'])).toBe('{"a":1,"c":[1,null,{}]}');
  });

  it("pretty prints jsonb with four-space indentation", () => {
    const doc = parseText('{"a":[1,{"b":null}],"c":{},"d":[]}', { kind: "jsonb" }) as Jsonb;
    expect(jsonbPretty(doc)).toBe('{\n    "a": [\n        1,\n        {\n            "b": null\n        }\n    ],\n    "c": {\n    },\n    "d": [\n    ]\n}');
    expect(jsonbEach(doc, true, "jsonb_each_text").map((r) => r[0])).toEqual(["a", "c", "d"]);
  });
});

describe("rowToJson", () => {
  it("writes fields without spaces, each value as to_json would, and breaks lines when pretty", () => {
    const types = [typeFromName("int4"), typeFromName("text"), typeFromName("json")];
    expect(rowToJson([1, 'a"b', '{"x" : 1}'], ["id", "B c", "j"], types, false)).toBe('{"id":1,"B c":"a\\"b","j":{"x" : 1}}');
    expect(rowToJson([null, null, null], ["id", "b", "j"], types, true)).toBe('{"id":null,\n "b":null,\n "j":null}');
    expect(rowToJson([], [], [], true)).toBe("{}");
  });
});

/** Small jsonb documents: scalars, arrays and objects over a few keys. */
const docArb: fc.Arbitrary<string> = fc.letrec<{ doc: string }>((tie) => ({
  doc: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("null", "true", "1", "2.50", '"a"', '"b"'),
    fc.array(tie("doc"), { maxLength: 3 }).map((xs) => `[${xs.join(",")}]`),
    fc.dictionary(fc.constantFrom("a", "b", "c"), tie("doc"), { maxKeys: 3 }).map((o) => `{${Object.entries(o).map(([k, v]) => `"${k}":${v}`).join(",")}}`),
  ),
})).doc;

describe("properties", () => {
  it("a document contains itself and what it was concatenated with, when both are arrays", () => {
    fc.assert(
      fc.property(docArb, docArb, (a, b) => {
        expect(call("op", "@>", jb(a), jb(a))).toBe("t");
        const both = call("op", "||", jb(`[${a}]`), jb(`[${b}]`))!;
        expect(call("op", "@>", jb(both), jb(`[${b}]`))).toBe("t");
      }),
      { numRuns: 300 },
    );
  });

  it("jsonb_set then #> reads back what was set; - removes the key", () => {
    fc.assert(
      fc.property(docArb, fc.constantFrom("a", "b", "c"), docArb, (inner, key, value) => {
        const doc = `{"${key}":${inner}}`;
        const set = call("fn", "jsonb_set", jb(doc), path(`{${key}}`), jb(value))!;
        expect(call("op", "->", jb(set), ["text", key])).toBe(formatText(parseText(value, { kind: "jsonb" }), { kind: "jsonb" }));
        expect(call("op", "?", jb(call("op", "-", jb(set), ["text", key])!), ["text", key])).toBe("f");
      }),
      { numRuns: 300 },
    );
  });
});
