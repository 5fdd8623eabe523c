import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { KvEngine, ScriptedEngine } from "./fake-engine.js";
import { parseSltFile } from "./parser.js";
import { REWRITE_ENV, runSlt, runSltFile, sltCompletion } from "./runner.js";

const draft = `# drafts: results missing or stale
statement ok
SET a one

statement ok
SET b two words

statement ok
SET e 

query TT
KEYS
----
wrong

query T
GET a

query TT rowsort
KEYS
----
b
two words
a
one
e
(empty)

query T
GET b
----
1 values hashing to 00000000000000000000000000000000

hash-threshold 3

query TT
KEYS

query II
KEYS
----
stays

query T
GET nope
----
stays too
`;

const completed = `# drafts: results missing or stale
statement ok
SET a one

statement ok
SET b two words

statement ok
SET e 

query TT
KEYS
----
a
one
b
two words
e
(empty)

query T
GET a
----
one

query TT rowsort
KEYS
----
b
two words
a
one
e
(empty)

query T
GET b
----
two words

hash-threshold 3

query TT
KEYS
----
6 values hashing to 82d607750a7ce705729e159765feb7ed

query II
KEYS
----
stays

query T
GET nope
----
stays too
`;

describe("rewrite mode", () => {
  test("replaces stale or missing results, keeps passing records and what it cannot fix", async () => {
    const done = await sltCompletion(draft, "d.test", new KvEngine());
    expect(done.text).toBe(completed);
    expect(done.rewritten).toBe(4);
    expect(done.report.failures.map((f) => f.kind)).toEqual(["wrong-result", "wrong-result", "wrong-hash", "wrong-result", "bad-value", "unexpected-error"]);
  });

  test("round trip: the rewritten file passes, except what rewriting cannot fix", async () => {
    const done = await sltCompletion(draft, "d.test", new KvEngine());
    const again = await runSlt(parseSltFile(done.text, "d.test"), new KvEngine());
    expect(again.failures.map((f) => [f.kind, f.line])).toEqual([
      ["bad-value", 48],
      ["unexpected-error", 53],
    ]);
    // Rewriting a rewritten file changes nothing.
    expect((await sltCompletion(done.text, "d.test", new KvEngine())).text).toBe(done.text);
  });

  test("rows on lines, a value per line or a hash, whichever reads back exactly", async () => {
    const rows = (data: (string | null)[][]) => ({ kind: "rows" as const, columns: ["a", "b"], rows: data });
    const engine = new ScriptedEngine({
      A: rows([["1", "x"], ["2", null]]),
      B: rows([["a b", "c d"]]),
      C: rows([["1", "trailing "]]),
      D: rows([["1", "x y"]]),
    });
    const text = "query IT\nA\n\nquery TT\nB\n\nquery IT\nC\n\nquery IT\nD\n----\n";
    const done = await sltCompletion(text, "w.test", engine);
    expect(done.text).toBe(
      "query IT\nA\n----\n1 x\n2 NULL\n\nquery TT\nB\n----\n2 values hashing to 5fea136803bbcf0e1acb97e641bd6ffb\n\n" +
        "query IT\nC\n----\n2 values hashing to adee0d3f807efac4cc16e3875ebf0703\n\nquery IT\nD\n----\n1\nx y\n",
    );
    expect((await runSlt(parseSltFile(done.text, "w.test"), engine)).failures).toEqual([]);
  });

  test("keeps CRLF line ends", async () => {
    const done = await sltCompletion("statement ok\r\nSET a x\r\n\r\nquery T\r\nGET a\r\n", "c.test", new KvEngine());
    expect(done.text).toBe("statement ok\r\nSET a x\r\n\r\nquery T\r\nGET a\r\n----\r\nx\r\n");
  });
});

describe("runSltFile", () => {
  let dir: string | undefined;
  const saved = process.env[REWRITE_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[REWRITE_ENV];
    else process.env[REWRITE_ENV] = saved;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(`runs on a fresh engine, closes it, and with ${REWRITE_ENV}=1 rewrites the file first`, async () => {
    dir = mkdtempSync(join(tmpdir(), "alopex-slt-"));
    const path = join(dir, "f.test");
    writeFileSync(path, draft);
    let made = 0;
    const engines: KvEngine[] = [];
    const closed: number[] = [];
    const make = async () => {
      const e = new KvEngine();
      const n = made++;
      engines.push(e);
      return Object.assign(e, { close: async () => void closed.push(n) });
    };

    delete process.env[REWRITE_ENV];
    const before = await runSltFile(path, make);
    expect(before).toMatchObject({ file: path, failed: 6 });
    expect(before.failures[0]!.file).toBe(path);
    expect(readFileSync(path, "utf8")).toBe(draft);

    process.env[REWRITE_ENV] = "1";
    const after = await runSltFile(path, make);
    expect(readFileSync(path, "utf8")).toBe(completed);
    expect(after.failures.map((f) => f.kind)).toEqual(["bad-value", "unexpected-error"]);
    expect(made).toBe(3);
    expect(closed).toEqual([0, 1, 2]);
  });
});
