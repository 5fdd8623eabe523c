import { describe, expect, test } from "vitest";
import { parseSltFile, SltParseError } from "./parser.js";
import type { SltQueryRecord, SltRecord, SltStatementRecord } from "./types.js";

const parse = (text: string): SltRecord[] => parseSltFile(text, "t.test");

function only<K extends SltRecord["kind"]>(text: string, kind: K): Extract<SltRecord, { kind: K }> {
  const records = parse(text);
  expect(records).toHaveLength(1);
  expect(records[0]!.kind).toBe(kind);
  return records[0] as Extract<SltRecord, { kind: K }>;
}

function parseError(text: string): SltParseError {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(SltParseError);
    return e as SltParseError;
  }
  throw new Error("expected a parse error");
}

describe("statement records", () => {
  test("ok, with multi-line SQL and line numbers", () => {
    const r = only("\n# a comment\nstatement ok\nCREATE TABLE t (\n  a int\n)\n\n", "statement");
    expect(r).toMatchObject({ line: 3, endLine: 6, sql: "CREATE TABLE t (\n  a int\n)", expect: { kind: "ok" }, conditions: [] });
  });

  test("count", () => {
    expect(only("statement count 3\nDELETE FROM t", "statement").expect).toEqual({ kind: "count", count: 3 });
  });

  test("error without pattern accepts any error", () => {
    expect(only("statement error\nSELECT x", "statement").expect).toEqual({ kind: "error", error: { kind: "any" } });
  });

  test("error with a SQLSTATE", () => {
    expect(only("statement error 42P01\nSELECT * FROM nope", "statement").expect).toEqual({
      kind: "error",
      error: { kind: "sqlstate", sqlstate: "42P01" },
    });
  });

  test("error with a regex keeps its inner spaces", () => {
    const r = only("statement error relation   \"nope\" does not (exist|be)\nSELECT * FROM nope", "statement");
    const e = r.expect.kind === "error" ? r.expect.error : undefined;
    expect(e?.kind).toBe("message");
    expect(e?.kind === "message" && e.message.source).toBe('relation   "nope" does not (exist|be)');
  });

  test("a five-character upper-case token is a SQLSTATE, not a regex; parentheses make it a regex", () => {
    expect((only("statement error ABCDE\nx", "statement") as SltStatementRecord).expect).toEqual({
      kind: "error",
      error: { kind: "sqlstate", sqlstate: "ABCDE" },
    });
    const r = only("statement error (ABCDE)\nx", "statement");
    expect(r.expect.kind === "error" && r.expect.error.kind).toBe("message");
    // Lower case is never a SQLSTATE.
    const lower = only("statement error abcde\nx", "statement");
    expect(lower.expect.kind === "error" && lower.expect.error.kind).toBe("message");
  });

  test("pgcode with and without a message regex", () => {
    expect(only("statement error pgcode 23505\nx", "statement").expect).toEqual({ kind: "error", error: { kind: "sqlstate", sqlstate: "23505" } });
    const r = only("statement error pgcode 23505 duplicate key .* \"t_pkey\"\nx", "statement");
    const e = r.expect.kind === "error" ? r.expect.error : undefined;
    expect(e?.kind === "sqlstate" && e.sqlstate).toBe("23505");
    expect(e?.kind === "sqlstate" && e.message?.source).toBe('duplicate key .* "t_pkey"');
  });
});

describe("query records", () => {
  test("header defaults, separator and one value per line", () => {
    const r = only("query T\nSELECT 'a'\n----\na\n", "query");
    expect(r).toMatchObject({ types: "T", sort: "nosort", sql: "SELECT 'a'", separatorLine: 3, endLine: 4, line: 1 });
    expect(r.label).toBeUndefined();
    expect(r.expected).toEqual({ kind: "values", values: ["a"], layout: "value" });
  });

  test("sort mode and label", () => {
    const r = only("query IT rowsort my-label\nSELECT 1, 'x'\n----\n1 x", "query");
    expect(r).toMatchObject({ types: "IT", sort: "rowsort", label: "my-label" });
    const v = only("query I valuesort\nSELECT 1\n----\n1", "query");
    expect(v.sort).toBe("valuesort");
  });

  test("rows on lines when every line has one token per column, split on spaces or tabs", () => {
    const r = only("query ITB\nSELECT\n----\n1 a t\n2\tb  f\n", "query");
    expect(r.expected).toEqual({ kind: "values", values: ["1", "a", "t", "2", "b", "f"], layout: "row" });
  });

  test("one value per line when a line's token count differs from the column count", () => {
    const r = only("query IT\nSELECT\n----\n1\nhello world\n", "query");
    expect(r.expected).toEqual({ kind: "values", values: ["1", "hello world"], layout: "value" });
  });

  test("a single column takes whole lines, spaces included, and '#' is a value inside results", () => {
    const r = only("query T\nSELECT\n----\na b  c\n# not a comment\n", "query");
    expect(r.expected).toEqual({ kind: "values", values: ["a b  c", "# not a comment"], layout: "value" });
  });

  test("hash results, singular and plural", () => {
    const r = only("query II\nSELECT\n----\n6 values hashing to dd8c6a395b5dd36c56d23275028f526c", "query");
    expect(r.expected).toEqual({ kind: "hash", count: 6, hash: "dd8c6a395b5dd36c56d23275028f526c" });
    const one = only("query I\nSELECT\n----\n1 value hashing to b026324c6904b2a9cb4b88d6d61c81d1", "query");
    expect(one.expected).toEqual({ kind: "hash", count: 1, hash: "b026324c6904b2a9cb4b88d6d61c81d1" });
  });

  test("without a separator zero rows are expected; an empty block too", () => {
    const r = only("query I\nSELECT 1 WHERE false\n", "query");
    expect(r.separatorLine).toBeUndefined();
    expect(r.expected).toEqual({ kind: "values", values: [], layout: "value" });
    expect(r.endLine).toBe(2);
    const e = only("query I\nSELECT 1 WHERE false\n----\n", "query");
    expect(e).toMatchObject({ separatorLine: 3, endLine: 3, expected: { kind: "values", values: [] } });
  });

  test("query error", () => {
    const r = only("query error 22012\nSELECT 1/0", "query-error");
    expect(r).toMatchObject({ sql: "SELECT 1/0", error: { kind: "sqlstate", sqlstate: "22012" } });
    const m = only("query error division by zero\nSELECT 1/0", "query-error");
    expect(m.error.kind).toBe("message");
  });
});

describe("directives, conditions and layout", () => {
  test("skipif and onlyif attach to the next record, comments between are skipped", () => {
    const r = only("skipif mysql\n# why\nonlyif alopex\nstatement ok\nSELECT 1", "statement");
    expect(r.conditions).toEqual([
      { kind: "skipif", engine: "mysql", line: 1 },
      { kind: "onlyif", engine: "alopex", line: 3 },
    ]);
    expect(r.line).toBe(4);
  });

  test("hash-threshold and halt, conditional halt, directive followed directly by a record", () => {
    const records = parse("hash-threshold 8\nstatement ok\nSELECT 1\n\nonlyif alopex\nhalt\n\nhalt\n");
    expect(records.map((r) => r.kind)).toEqual(["hash-threshold", "statement", "halt", "halt"]);
    expect(records[0]).toMatchObject({ threshold: 8, line: 1 });
    expect(records[2]).toMatchObject({ line: 6, conditions: [{ kind: "onlyif", engine: "alopex" }] });
    expect(records[3]).toMatchObject({ line: 8, conditions: [] });
  });

  test("CRLF line ends, whitespace-only separator lines and a missing final newline", () => {
    const records = parse("statement ok\r\nSELECT 1\r\n   \r\nquery I\r\nSELECT 2\r\n----\r\n2");
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({ sql: "SELECT 1" });
    expect((records[1] as SltQueryRecord).expected).toEqual({ kind: "values", values: ["2"], layout: "value" });
  });

  test("an empty file or one with only comments has no records", () => {
    expect(parse("")).toEqual([]);
    expect(parse("# nothing\n\n  # indented\n")).toEqual([]);
  });
});

describe("malformed files name file:line", () => {
  const cases: [string, string, number, RegExp][] = [
    ["unknown record", "statement ok\nSELECT 1\n\nselect 1\n", 4, /unknown or unsupported record type "select"/],
    ["unsupported directive", "mode cockroach\n", 1, /unsupported record type "mode"/],
    ["loop", "\nloop i 1 3\n", 2, /unsupported record type "loop"/],
    ["statement without SQL", "statement ok\n\n", 1, /without SQL/],
    ["bad statement mode", "statement okay\nSELECT 1", 1, /expected "statement ok"/],
    ["statement ok with extra words", "statement ok now\nSELECT 1", 1, /expected "statement ok"/],
    ["count without number", "statement count\nSELECT 1", 1, /statement count N/],
    ["statement with results", "statement ok\nSELECT 1\n----\n1", 3, /no result section/],
    ["query error with results", "query error\nSELECT 1\n----\n1", 3, /no result section/],
    ["query without types", "query\nSELECT 1", 1, /type string/],
    ["lower-case types", "query rowsort\nSELECT 1", 1, /upper-case letters/],
    ["unknown sort mode", "query I sorted\nSELECT 1", 1, /unknown sort mode "sorted"/],
    ["too many header words", "query I nosort label extra\nSELECT 1", 1, /unexpected "extra"/],
    ["query without SQL", "query I\n----\n1", 1, /without SQL/],
    ["hash-threshold without number", "hash-threshold many\n", 1, /non-negative integer/],
    ["halt with argument", "halt now\n", 1, /no arguments/],
    ["skipif without engine", "skipif\nstatement ok\nSELECT 1", 1, /one engine name/],
    ["condition without record", "\n\nskipif mysql\n\nstatement ok\nSELECT 1", 3, /followed by a record/],
    ["condition at end of file", "onlyif alopex", 1, /followed by a record/],
    ["invalid regex", "statement error (unclosed\nSELECT 1", 1, /invalid error regex/],
    ["bad pgcode", "query error pgcode 42p01\nSELECT 1", 1, /pgcode needs a SQLSTATE/],
  ];
  test.each(cases)("%s", (_name, text, line, message) => {
    const e = parseError(text);
    expect(e.line).toBe(line);
    expect(e.file).toBe("t.test");
    expect(e.message).toMatch(new RegExp(`^t\\.test:${line}: `));
    expect(e.message).toMatch(message);
  });
});
