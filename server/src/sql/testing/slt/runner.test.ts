import { describe, expect, test } from "vitest";
import { KvEngine, rows, ScriptedEngine, sqlError, type Scripted } from "./fake-engine.js";
import { parseSltFile } from "./parser.js";
import { formatSltFailure, formatSltReport, runSlt } from "./runner.js";
import type { SltEngine, SltFailureKind, SltRecordStatus, SltReport, SltRunOptions } from "./types.js";

function run(text: string, engine: SltEngine | Record<string, Scripted>, opts?: SltRunOptions): Promise<SltReport> {
  const e = "execute" in engine && typeof engine.execute === "function" ? (engine as SltEngine) : new ScriptedEngine(engine as Record<string, Scripted>);
  return runSlt(parseSltFile(text, "r.test"), e, opts);
}

async function failureKinds(text: string, script: Record<string, Scripted>): Promise<SltFailureKind[]> {
  return (await run(text, script)).failures.map((f) => f.kind);
}

const one = (v: string | null) => rows(["x"], [[v]]);

describe("passing records", () => {
  test("statements, queries and errors of every form", async () => {
    const report = await run(
      `
statement ok
CREATE TABLE t (a int)

statement count 2
INSERT INTO t VALUES (1), (2)

statement count 2
SELECT 2 rows

statement error
SELECT * FROM nope

statement error 42P01
SELECT * FROM nope

statement error relation "nope" does not
SELECT * FROM nope

statement error pgcode 42P01 "nope"
SELECT * FROM nope

query error 22012
SELECT 1/0

query ITRB
SELECT 1, 'a b', 1.5, true
----
1
a b
1.500
t

query IT
SELECT pairs
----
1 NULL
2 (empty)

query I
SELECT nothing
`,
      {
        "CREATE TABLE t (a int)": { kind: "ok" },
        "INSERT INTO t VALUES (1), (2)": { kind: "ok", rowCount: 2 },
        "SELECT 2 rows": rows(["a"], [["1"], ["2"]]),
        "SELECT * FROM nope": sqlError("42P01", 'relation "nope" does not exist'),
        "SELECT 1/0": sqlError("22012", "division by zero"),
        "SELECT 1, 'a b', 1.5, true": rows(["i", "t", "r", "b"], [["1", "a b", "1.5", "t"]]),
        "SELECT pairs": rows(["i", "t"], [["1", null], ["2", ""]]),
        "SELECT nothing": rows(["x"], []),
      },
    );
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ file: "r.test", passed: 11, failed: 0, skipped: 0, halted: false });
  });
});

describe("each failure kind", () => {
  test("wrong rows, with a diff naming file:line and the SQL", async () => {
    const report = await run("\n\nquery IT\nSELECT t\n----\n1 a\n2 b\n3 c\n", { "SELECT t": rows(["i", "t"], [["1", "a"], ["2", "x"], ["3", "c"]]) });
    expect(report.failures).toHaveLength(1);
    const f = report.failures[0]!;
    expect(f).toMatchObject({ kind: "wrong-result", file: "r.test", line: 3, sql: "SELECT t" });
    expect(f.details).toBe("  1 a\n- 2 b\n+ 2 x\n  3 c");
    const text = formatSltFailure(f);
    expect(text).toContain("r.test:3: expected 3 rows, got 3 rows, results differ");
    expect(text).toContain("    SELECT t");
    expect(text).toContain("    - 2 b\n    + 2 x");
  });

  test("missing and extra rows", async () => {
    const missing = await run("query I\nSELECT\n----\n1\n2", { SELECT: one("1") });
    expect(missing.failures[0]).toMatchObject({ kind: "wrong-result", summary: expect.stringContaining("expected 2 rows, got 1 row") });
    const extra = await run("query I\nSELECT", { SELECT: one("1") });
    expect(extra.failures[0]!.details).toBe("+ 1");
  });

  test("a value block that is not whole rows says so", async () => {
    const r = await run("query II\nSELECT\n----\n1\n2\n3", { SELECT: rows(["a", "b"], [["1", "2"]]) });
    expect(r.failures[0]!.summary).toContain("not a multiple of 2 columns");
  });

  test("wrong column count", async () => {
    const r = await run("query II\nSELECT 1\n----\n1 1", { "SELECT 1": one("1") });
    expect(r.failures[0]).toMatchObject({ kind: "wrong-column-count", summary: 'expected 2 columns (types "II"), got 1 (x)' });
    const ragged = await run("query II\nSELECT\n----\n1 1", { SELECT: rows(["a", "b"], [["1"]]) });
    expect(ragged.failures[0]).toMatchObject({ kind: "wrong-column-count", summary: "row 1 has 1 values for 2 columns" });
  });

  test("a value not of its type letter's form", async () => {
    const r = await run("query I\nSELECT\n----\n1.5", { SELECT: one("1.5") });
    expect(r.failures[0]).toMatchObject({ kind: "bad-value", summary: 'row 1, column 1 (x, type I): "1.5" is not an integer' });
  });

  test("a query that returns no result set", async () => {
    expect(await failureKinds("query I\nINSERT\n----\n1", { INSERT: { kind: "ok", rowCount: 1 } })).toEqual(["no-result-set"]);
  });

  test("unexpected errors, for statements and queries, with and without a SQLSTATE", async () => {
    const r = await run("statement ok\nA\n\nquery I\nB\n----\n1\n\nstatement ok\nC", {
      A: sqlError("42601", "syntax error"),
      B: sqlError("22012", "division by zero"),
      C: new TypeError("x is undefined"),
    });
    expect(r.failures.map((f) => [f.kind, f.summary])).toEqual([
      ["unexpected-error", "statement failed: ERROR 42601: syntax error"],
      ["unexpected-error", "query failed: ERROR 22012: division by zero"],
      ["unexpected-error", "statement failed: error without SQLSTATE (an engine bug): x is undefined"],
    ]);
  });

  test("expected error not raised", async () => {
    const r = await run("statement error 42P01\nA\n\nquery error\nB", { A: { kind: "ok" }, B: one("1") });
    expect(r.failures.map((f) => [f.kind, f.summary])).toEqual([
      ["missing-error", "expected SQLSTATE 42P01, but the statement succeeded"],
      ["missing-error", "expected an error, but the statement succeeded"],
    ]);
  });

  test("wrong SQLSTATE, wrong message, and errors that never satisfy a loose expectation", async () => {
    const r = await run(
      [
        "statement error 42P01\nA",
        "statement error pgcode 42P01 column\nA",
        "query error does not exist\nB",
        "statement error\nC",
        "statement error .*\nD",
        "statement error XX000\nD",
      ].join("\n\n"),
      {
        A: sqlError("42703", 'column "z" does not exist'),
        B: sqlError("22012", "division by zero"),
        C: new Error("bug"),
        D: sqlError("XX000", "internal error"),
      },
    );
    expect(r.failures.map((f) => [f.kind, f.line, f.summary])).toEqual([
      ["wrong-error", 1, 'expected SQLSTATE 42P01, got ERROR 42703: column "z" does not exist'],
      ["wrong-error", 4, 'expected SQLSTATE 42P01 with a message matching /column/, got ERROR 42703: column "z" does not exist'],
      ["wrong-error", 7, "expected an error matching /does not exist/, got ERROR 22012: division by zero"],
      ["wrong-error", 10, "expected an error, got error without SQLSTATE (an engine bug): bug"],
      ["wrong-error", 13, "expected an error matching /.*/, got ERROR XX000: internal error"],
    ]);
    expect(r.passed).toBe(1);
  });

  test("statement count", async () => {
    const r = await run("statement count 2\nA\n\nstatement count 1\nB\n\nstatement count 0\nC", {
      A: { kind: "ok", rowCount: 3 },
      B: { kind: "ok" },
      C: rows(["x"], [["1"]]),
    });
    expect(r.failures.map((f) => f.summary)).toEqual([
      "expected row count 2, got 3",
      "expected row count 1, got none (the engine reported no count)",
      "expected row count 0, got 1",
    ]);
  });

  test("failures do not stop the file", async () => {
    const r = await run("statement ok\nA\n\nstatement ok\nB\n\nstatement ok\nC", { A: new Error("x"), B: { kind: "ok" }, C: new Error("y") });
    expect(r).toMatchObject({ passed: 1, failed: 2 });
    expect(formatSltReport(r)).toMatch(/^r\.test: 1 passed, 2 failed, 0 skipped\n\nr\.test:1: .*\n[\s\S]*\n\nr\.test:7: /);
  });
});

describe("sort modes", () => {
  const data = rows(["i", "t"], [["3", "c"], ["1", "z"], ["2", "a"]]);

  test("nosort compares in order", async () => {
    expect(await failureKinds("query IT nosort\nS\n----\n3 c\n1 z\n2 a", { S: data })).toEqual([]);
    expect(await failureKinds("query IT\nS\n----\n1 z\n2 a\n3 c", { S: data })).toEqual(["wrong-result"]);
  });

  test("rowsort sorts both sides as rows", async () => {
    expect(await failureKinds("query IT rowsort\nS\n----\n1 z\n2 a\n3 c", { S: data })).toEqual([]);
    expect(await failureKinds("query IT rowsort\nS\n----\n2 a\n3 c\n1 z", { S: data })).toEqual([]);
    // Rows stay whole: pairing 1 with a is a different result.
    expect(await failureKinds("query IT rowsort\nS\n----\n1 a\n2 z\n3 c", { S: data })).toEqual(["wrong-result"]);
  });

  test("valuesort sorts every value on both sides", async () => {
    expect(await failureKinds("query IT valuesort\nS\n----\n1\n2\n3\na\nc\nz", { S: data })).toEqual([]);
    expect(await failureKinds("query IT valuesort\nS\n----\n1 a\n2 z\n3 c", { S: data })).toEqual([]);
  });
});

describe("hashing", () => {
  const values = rows(["a"], [["a"], ["b"]]);

  test("a hash block compares count and md5 of the sorted values", async () => {
    expect(await failureKinds("query T\nS\n----\n2 values hashing to dd8c6a395b5dd36c56d23275028f526c", { S: values })).toEqual([]);
    const reversed = rows(["a"], [["b"], ["a"]]);
    expect(await failureKinds("query T rowsort\nS\n----\n2 values hashing to dd8c6a395b5dd36c56d23275028f526c", { S: reversed })).toEqual([]);
    const r = await run("query T\nS\n----\n2 values hashing to dd8c6a395b5dd36c56d23275028f526c", { S: reversed });
    expect(r.failures[0]).toMatchObject({ kind: "wrong-hash", details: "+ b\n+ a" });
    expect(r.failures[0]!.summary).toMatch(/^expected 2 values hashing to dd8c.*, got 2 values hashing to [0-9a-f]{32}$/);
  });

  test("above the threshold, a value list still compares by value (the threshold shapes what rewriting writes)", async () => {
    expect(await failureKinds("hash-threshold 1\n\nquery T\nS\n----\na\nb", { S: values })).toEqual([]);
    expect(await failureKinds("hash-threshold 1\n\nquery T\nS\n----\na\nc", { S: values })).toEqual(["wrong-result"]);
  });

  test("a wrong count with the right-looking hash fails", async () => {
    expect(await failureKinds("query T\nS\n----\n3 values hashing to dd8c6a395b5dd36c56d23275028f526c", { S: values })).toEqual(["wrong-hash"]);
  });

  test("queries with the same label must agree", async () => {
    const r = await run("query T nosort L\nA\n----\na\nb\n\nquery T nosort L\nB\n\nquery T nosort L\nC\n----\na\nc\n\nquery T nosort M\nC\n----\na\nc", {
      A: values,
      B: rows(["a"], []),
      C: rows(["a"], [["a"], ["c"]]),
    });
    // B and C pass their own result checks; only the label ties them to A.
    expect(r.failures.map((f) => [f.kind, f.line])).toEqual([
      ["label-mismatch", 7],
      ["label-mismatch", 10],
    ]);
    expect(r.failures[0]!.summary).toBe('result differs from the query labelled "L" at r.test:1');
  });
});

describe("conditions and halt", () => {
  const script = { A: { kind: "ok" }, B: new Error("must not run") } as const;

  test("skipif and onlyif match alopex and postgresql by default", async () => {
    const engine = new ScriptedEngine({ ...script });
    const text = [
      "skipif alopex\nstatement ok\nB",
      "skipif postgresql\nstatement ok\nB",
      "onlyif mysql\nstatement ok\nB",
      "skipif mysql\nstatement ok\nA",
      "onlyif alopex\nstatement ok\nA",
      "onlyif postgresql\nskipif sqlite\nstatement ok\nA",
      "onlyif alopex\nskipif postgresql\nstatement ok\nB",
    ].join("\n\n");
    const statuses: SltRecordStatus[] = [];
    const r = await runSlt(parseSltFile(text, "c.test"), engine, { onRecord: (_r, s) => statuses.push(s) });
    expect(r).toMatchObject({ passed: 3, skipped: 4, failed: 0 });
    expect(statuses).toEqual(["skipped", "skipped", "skipped", "passed", "passed", "passed", "skipped"]);
    expect(engine.executed).toEqual(["A", "A", "A"]);
  });

  test("the engine name and aliases are options", async () => {
    const r = await run("onlyif mysql\nstatement ok\nA\n\nskipif postgresql\nstatement ok\nA", { ...script }, { engineName: "mysql", engineAliases: [] });
    expect(r).toMatchObject({ passed: 2, skipped: 0 });
  });

  test("halt stops the run, a conditional halt only where it applies", async () => {
    const engine = new ScriptedEngine({ ...script });
    const r = await runSlt(
      parseSltFile("statement ok\nA\n\nonlyif mysql\nhalt\n\nstatement ok\nA\n\nhalt\n\nstatement ok\nB", "h.test"),
      engine,
    );
    expect(r).toMatchObject({ passed: 2, failed: 0, halted: true });
    expect(engine.executed).toEqual(["A", "A"]);
  });

  test("a skipped hash-threshold does not apply", async () => {
    // With the threshold the rewrite would hash; here it only matters that parsing and running accept it.
    const r = await run("onlyif mysql\nhash-threshold 1\n\nquery T\nS\n----\na\nb", { S: rows(["a"], [["a"], ["b"]]) });
    expect(r.failures).toEqual([]);
  });
});

test("a stateful engine: statements affect later queries", async () => {
  const r = await run(
    "statement count 1\nSET a one two\n\nstatement ok\nSET b NULL\n\nstatement ok\nSET c \n\nquery TT rowsort\nKEYS\n----\nc (empty)\nb NULL\na\none two\n\nstatement count 0\nDEL zz\n\nquery error 02000\nGET zz\n\nstatement error 42601\nBOGUS",
    new KvEngine(),
  );
  // Mixing layouts ("a" then "one two" on the next line) makes the whole block one value per line, so it
  // holds four values where the engine returned six.
  expect(r.failures.map((f) => f.kind)).toEqual(["wrong-result"]);
  const fixed = await run(
    "statement ok\nSET a one two\n\nstatement ok\nSET b NULL\n\nquery TT rowsort\nKEYS\n----\nb\nNULL\na\none two",
    new KvEngine(),
  );
  expect(fixed.failures).toEqual([]);
});
