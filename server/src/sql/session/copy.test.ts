/**
 * COPY through the session's stream, as the wire protocol drives it: text, CSV and binary in
 * both directions, data split at any byte, PostgreSQL's errors and CONTEXT lines, defaults and
 * constraints, transactions, and reading as the data arrives.
 */
import fc from "fast-check";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TxnStore } from "../../txn/txn-store.js";
import { SqlEngine } from "../engine.js";
import type { CopyStream, StatementResult } from "./api.js";
import type { Session } from "./session.js";

let dir: string;
let store: TxnStore;
let engine: SqlEngine;
let session: Session;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "alopex-copy-"));
  store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
  engine = new SqlEngine(store);
});

afterAll(async () => {
  await session?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  await session?.close();
  session = engine.session({ user: "alopex" });
  await session.run("DROP TABLE IF EXISTS t");
  await session.run("CREATE TABLE t (a int PRIMARY KEY, b text, c numeric CHECK (c >= 0), d text DEFAULT 'dflt', e serial)");
});

async function one(sql: string): Promise<StatementResult> {
  const it = session.query(sql)[Symbol.asyncIterator]();
  const r = await it.next();
  return r.value as StatementResult;
}

async function* chunked(data: Uint8Array | string, cuts: readonly number[] = []): AsyncGenerator<Uint8Array> {
  const bytes = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
  let at = 0;
  for (const cut of [...cuts].sort((x, y) => x - y)) {
    if (cut <= at || cut >= bytes.length) continue;
    yield bytes.subarray(at, cut);
    at = cut;
  }
  if (at < bytes.length) yield bytes.subarray(at);
}

/** COPY ... FROM STDIN fed `data`: the tag, or the error. */
async function copyIn(sql: string, data: Uint8Array | string, cuts: readonly number[] = []): Promise<{ tag?: string; error?: Record<string, unknown> }> {
  let result: StatementResult | undefined;
  try {
    result = await one(sql);
    const copy = result.copy as Extract<CopyStream, { direction: "in" }>;
    await copy.receive(chunked(data, cuts));
    await result.close();
    return { tag: result.commandTag };
  } catch (e) {
    await result?.close();
    const x = e as { sqlstate?: string; message?: string; detail?: string; context?: string };
    return { error: { sqlstate: x.sqlstate, message: x.message, ...(x.detail !== undefined && { detail: x.detail }), ...(x.context !== undefined && { context: x.context }) } };
  }
}

async function copyOut(sql: string): Promise<{ tag: string; data: Buffer; format: string }> {
  const result = await one(sql);
  const copy = result.copy as Extract<CopyStream, { direction: "out" }>;
  const parts: Uint8Array[] = [];
  for await (const c of copy.send()) parts.push(c);
  await result.close();
  return { tag: result.commandTag, data: Buffer.concat(parts), format: copy.format };
}

async function rows(): Promise<unknown[][]> {
  return (await session.run("SELECT a, b, c::text, d, e FROM t ORDER BY a")).rows.map((r) => [...r]);
}

describe("COPY FROM STDIN", () => {
  it("reads the text format with its escapes, NULLs and defaults, however the data is split", async () => {
    const data = "1\tplain\t1.5\n2\ttab\\there\\\\ and \\N inside\t\\N\n3\t\\101\\x42\\r\\n\t0\n\\.\nignored after the end marker\n";
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: Buffer.byteLength(data) - 1 }), { maxLength: 6 }), async (cuts) => {
        await session.run("TRUNCATE t RESTART IDENTITY");
        expect(await copyIn("COPY t (a, b, c) FROM STDIN", data, cuts)).toEqual({ tag: "COPY 3" });
        expect(await rows()).toEqual([
          [1, "plain", "1.5", "dflt", 1],
          [2, "tab\there\\ and N inside", null, "dflt", 2],
          [3, "AB\r\n", "0", "dflt", 3],
        ]);
      }),
      { numRuns: 25 },
    );
  });

  it("reads CSV: quotes, doubled quotes, line breaks in quoted fields, NULL vs empty, CRLF", async () => {
    const data = 'a,b,c\r\n1,"x, ""y""",1\r\n2,,2\r\n3,"",3\r\n4,"two\r\nlines",4\r\n';
    expect(await copyIn("COPY t (a, b, c) FROM STDIN WITH (FORMAT csv, HEADER true)", data)).toEqual({ tag: "COPY 4" });
    expect((await rows()).map((r) => r[1])).toEqual(['x, "y"', null, "", "two\r\nlines"]);
  });

  it("takes DELIMITER, NULL, QUOTE, ESCAPE, FORCE_NULL and FORCE_NOT_NULL", async () => {
    const data = "1;'it\\'s';-\n2;-;'-'\n3;'';2\n";
    const sql = "COPY t (a, b, c) FROM STDIN WITH (FORMAT csv, DELIMITER ';', NULL '-', QUOTE '''', ESCAPE '\\', FORCE_NOT_NULL (b), FORCE_NULL (c))";
    expect(await copyIn(sql, data)).toEqual({ tag: "COPY 3" });
    expect((await rows()).map((r) => [r[1], r[2]])).toEqual([
      ["it's", null],
      ["-", null],
      ["", "2"],
    ]);
  });

  it("checks a HEADER MATCH line against the columns", async () => {
    expect(await copyIn("COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER match)", "a,b\n1,x\n")).toEqual({ tag: "COPY 1" });
    expect((await copyIn("COPY t (a, b) FROM STDIN WITH (FORMAT csv, HEADER match)", "a,c\n1,x\n")).error).toEqual({
      sqlstate: "22P04",
      message: 'column name mismatch in header line field 2: got "c", expected "b"',
      context: 'COPY t, line 1: "a,c"',
    });
  });

  it("names the line (and column) of bad data, as PostgreSQL does, and stores nothing", async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ["COPY t (a, b, c) FROM STDIN", "1\tx\t1\n2\tabc\n", { sqlstate: "22P04", message: 'missing data for column "c"', context: 'COPY t, line 2: "2\tabc"' }],
      ["COPY t (a, b, c) FROM STDIN", "1\tx\t1\n2\ty\t1\t9\n", { sqlstate: "22P04", message: "extra data after last expected column", context: 'COPY t, line 2: "2\ty\t1\t9"' }],
      ["COPY t (a, b, c) FROM STDIN", "1\tx\t1\nzz\ty\t1\n", { sqlstate: "22P02", message: 'invalid input syntax for type integer: "zz"', context: 'COPY t, line 2, column a: "zz"' }],
      [
        "COPY t (a, b, c) FROM STDIN",
        "1\tx\t1\n1\ty\t1\n",
        { sqlstate: "23505", message: 'duplicate key value violates unique constraint "t_pkey"', detail: "Key (a)=(1) already exists.", context: "COPY t, line 2" },
      ],
      [
        "COPY t (a, b, c) FROM STDIN",
        "1\tx\t1\n3\tq\t-1\n",
        { sqlstate: "23514", message: 'new row for relation "t" violates check constraint "t_c_check"', detail: "Failing row contains (3, q, -1, dflt, 2).", context: 'COPY t, line 2: "3\tq\t-1"' },
      ],
      ["COPY t (a, b) FROM STDIN WITH (FORMAT csv)", '5,"unterminated\n', { sqlstate: "22P04", message: "unterminated CSV quoted field", context: 'COPY t, line 1: "5,"unterminated\n"' }],
      // The first line break sets the kind: here a CR, so the LF after "return" is stray.
      ["COPY t (a, b) FROM STDIN", "1\tcarriage\rreturn\n", { sqlstate: "22P04", message: "literal newline found in data", context: "COPY t, line 2" }],
      ["COPY t (a, b) FROM STDIN", "1\tx\n2\tcarriage\rreturn\n", { sqlstate: "22P04", message: "literal carriage return found in data", context: "COPY t, line 2" }],
      ["COPY t (a, b) FROM STDIN WITH (FORMAT csv)", "1,x\r\n2,y\n", { sqlstate: "22P04", message: "unquoted newline found in data", context: "COPY t, line 2" }],
    ];
    for (const [sql, data, error] of cases) {
      await session.run("TRUNCATE t RESTART IDENTITY");
      expect(await copyIn(sql, data)).toEqual({ error });
      expect(await rows()).toEqual([]);
    }
  });

  it("rejects bad bytes and options with PostgreSQL's messages", async () => {
    expect((await copyIn("COPY t (a, b) FROM STDIN", Buffer.from([0x31, 0x09, 0xff, 0x0a]))).error).toMatchObject({ sqlstate: "22021", message: 'invalid byte sequence for encoding "UTF8": 0xff' });
    const options: [string, string, string][] = [
      ["(DELIMITER ';;')", "0A000", "COPY delimiter must be a single one-byte character"],
      ["(DELIMITER 'a')", "22023", 'COPY delimiter cannot be "a"'],
      ["(QUOTE '\"')", "0A000", "COPY quote available only in CSV mode"],
      ["(FORMAT csv, QUOTE ',')", "22023", "COPY delimiter and quote must be different"],
      ["(FORMAT binary, HEADER)", "0A000", "cannot specify HEADER in BINARY mode"],
      ["(FORMAT csv, FORCE_QUOTE (a))", "0A000", "COPY force quote only available using COPY TO"],
      ["(FORMAT csv, FORCE_NULL (z))", "42P10", 'FORCE_NULL column "z" not referenced by COPY'],
    ];
    for (const [o, sqlstate, message] of options) {
      expect((await copyIn(`COPY t (a, b) FROM STDIN WITH ${o}`, "")).error).toMatchObject({ sqlstate, message });
    }
    expect((await copyIn("COPY t (a, zz) FROM STDIN", "")).error).toMatchObject({ sqlstate: "42703", message: 'column "zz" of relation "t" does not exist' });
    expect((await copyIn("COPY nothing FROM STDIN", "")).error).toMatchObject({ sqlstate: "42P01" });
  });

  it("belongs to the transaction block it runs in", async () => {
    await session.run("BEGIN");
    expect(await copyIn("COPY t (a) FROM STDIN", "1\n2\n")).toEqual({ tag: "COPY 2" });
    expect((await session.run("SELECT count(*) FROM t")).rows).toEqual([[2n]]);
    await session.run("ROLLBACK");
    expect(await rows()).toEqual([]);
    await session.run("BEGIN");
    expect((await copyIn("COPY t (a) FROM STDIN", "1\nx\n")).error).toMatchObject({ sqlstate: "22P02" });
    expect(session.transactionStatus).toBe("E");
    await session.run("ROLLBACK");
  });

  it("reads records as they arrive: an error early on stops before the rest of the stream is read", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("1\tfirst\t1\n1\tduplicate\t1\n");
      for (let i = 0; i < 100_000; i++) {
        pulled++;
        yield Buffer.from(`${i + 10}\tmore\t1\n`);
      }
    }
    const result = await one("COPY t (a, b, c) FROM STDIN");
    const copy = result.copy as Extract<CopyStream, { direction: "in" }>;
    await expect(copy.receive(endless())).rejects.toMatchObject({ sqlstate: "23505" });
    await result.close();
    expect(pulled).toBeLessThan(3);
  });
});

describe("COPY TO STDOUT", () => {
  beforeEach(async () => {
    await session.run("INSERT INTO t (a, b, c) VALUES (1, 'tab\there', 1.50), (2, NULL, 0), (3, 'a,\"b\"', NULL), (4, '', 2)");
  });

  it("writes the text format with escapes and \\N", async () => {
    const r = await copyOut("COPY t (a, b, c) TO STDOUT");
    expect(r.tag).toBe("COPY 4");
    expect(r.data.toString()).toBe('1\ttab\\there\t1.50\n2\t\\N\t0\n3\ta,"b"\t\\N\n4\t\t2\n');
  });

  it("writes CSV with a header, quoting only what needs it, and FORCE_QUOTE", async () => {
    expect((await copyOut("COPY t (a, b, c) TO STDOUT WITH (FORMAT csv, HEADER)")).data.toString()).toBe('a,b,c\n1,tab\there,1.50\n2,,0\n3,"a,""b""",\n4,"",2\n');
    expect((await copyOut("COPY (SELECT a, b FROM t WHERE a < 3 ORDER BY a) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)")).data.toString()).toBe('"1","tab\there"\n"2",\n');
  });

  it("round-trips every row through the binary format", async () => {
    const out = await copyOut("COPY t TO STDOUT WITH (FORMAT binary)");
    expect(out.format).toBe("binary");
    expect(out.data.subarray(0, 11).toString("latin1")).toBe("PGCOPY\n\xff\r\n\0");
    await session.run("CREATE TABLE t2 (a int PRIMARY KEY, b text, c numeric, d text, e int)");
    expect(await copyIn("COPY t2 FROM STDIN WITH (FORMAT binary)", out.data, [5, 19, 40])).toEqual({ tag: "COPY 4" });
    const back = await session.run("SELECT a, b, c::text, d, e FROM t2 ORDER BY a");
    expect(back.rows.map((r) => [...r])).toEqual(await rows());
    await session.run("DROP TABLE t2");
  });

  it("copies a query's result, and refuses a DML statement without RETURNING", async () => {
    expect((await copyOut("COPY (SELECT a * 10 AS x FROM t ORDER BY a DESC LIMIT 2) TO STDOUT")).data.toString()).toBe("40\n30\n");
    await expect(one("COPY (INSERT INTO t (a) VALUES (9)) TO STDOUT")).rejects.toMatchObject({ sqlstate: "0A000" });
  });
});
