/**
 * Plans shared through the engine's statement cache stay right when the catalog changes under
 * them, and every reuse still takes the table locks analysis would (so concurrent DDL waits).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { makeTempDir, removeTempDir } from "../../storage/testing/temp-dir.js";
import { TxnStore } from "../../txn/txn-store.js";
import { SqlEngine } from "../engine.js";
import { ESTIMATE_CHECK_INTERVAL_MS } from "../optimizer/estimate-drift.js";
import type { SqlValue } from "../types/index.js";

let dir: string;
let store: TxnStore;
let engine: SqlEngine;

beforeEach(async () => {
  dir = makeTempDir("alopex-plan-reuse-");
  store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
  engine = new SqlEngine(store);
  await run("CREATE TABLE t (id int PRIMARY KEY, v text)");
  await run("INSERT INTO t VALUES (1, 'one'), (2, 'two')");
});

afterEach(async () => {
  await store.close();
  removeTempDir(dir);
});

/** One statement in a session of its own, as Database.sql runs it. */
async function run(sql: string, params: unknown[] = []) {
  const s = engine.session();
  try {
    return await s.run(sql, params);
  } finally {
    await s.close();
  }
}

async function failure(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return sqlstateOf(e) ?? String(e);
  }
  return "no error";
}

const SELECT = "SELECT v FROM t WHERE id = $1";

describe("cached plans", () => {
  it("follow a table dropped and created again under the same name", async () => {
    expect((await run(SELECT, [1])).rows).toEqual([["one"]]);
    expect((await run(SELECT, [1])).rows).toEqual([["one"]]);
    await run("DROP TABLE t");
    expect(await failure(run(SELECT, [1]))).toBe("42P01");
    await run("CREATE TABLE t (v text, id int PRIMARY KEY)");
    await run("INSERT INTO t VALUES ('new', 1)");
    expect((await run(SELECT, [1])).rows).toEqual([["new"]]);
    expect((await run(SELECT, [1])).rows).toEqual([["new"]]);
  });

  it("see an index created after them, and rows written through it", async () => {
    const byValue = "SELECT id FROM t WHERE v = $1";
    expect((await run(byValue, ["two"])).rows).toEqual([[2]]);
    await run("CREATE UNIQUE INDEX t_v ON t (v)");
    expect(await failure(run("INSERT INTO t VALUES (3, 'two')"))).toBe("23505");
    await run("INSERT INTO t VALUES (3, 'three')");
    expect((await run(byValue, ["three"])).rows).toEqual([[3]]);
  });

  it("still lock their tables, so DDL waits for a block that used one", async () => {
    await run(SELECT, [1]);
    await run(SELECT, [1]);
    const reader = engine.session();
    await reader.run("BEGIN");
    expect((await reader.run(SELECT, [2])).rows).toEqual([["two"]]);
    const ddl = engine.session({ settings: { lock_timeout: "50ms" } });
    expect(await failure(ddl.run("DROP TABLE t"))).toBe("55P03");
    await reader.run("COMMIT");
    await ddl.run("DROP TABLE t");
    await reader.close();
    await ddl.close();
  });

  it("do not write under a schema changed after the snapshot (40001)", async () => {
    const INSERT = "INSERT INTO t (id, v) VALUES ($1, $2)";
    await run(INSERT, [10, "ten"]);
    await run(INSERT, [11, "eleven"]);
    const writer = engine.session();
    await writer.run("BEGIN ISOLATION LEVEL REPEATABLE READ");
    await writer.run(SELECT, [1]);
    await run("CREATE INDEX t_v ON t (v)");
    expect(await failure(writer.run(INSERT, [12, "twelve"]))).toBe("40001");
    await writer.run("ROLLBACK");
    await writer.close();
    await run(INSERT, [12, "twelve"]);
    expect((await run("SELECT id FROM t WHERE v = $1", ["twelve"])).rows).toEqual([[12]]);
  });

  it("under Read Committed, see what committed before each statement of a block, DDL included", async () => {
    await run(SELECT, [1]);
    await run(SELECT, [1]);
    const reader = engine.session();
    await reader.run("BEGIN ISOLATION LEVEL READ COMMITTED");
    await reader.run("SELECT 1");
    await run("DROP TABLE t");
    await run("CREATE TABLE t (v text, id int PRIMARY KEY)");
    await run("INSERT INTO t VALUES ('again', 1)");
    expect((await reader.run(SELECT, [1])).rows).toEqual([["again"]]);
    await run("UPDATE t SET v = 'changed' WHERE id = 1");
    expect((await reader.run(SELECT, [1])).rows).toEqual([["changed"]]);
    await reader.run("COMMIT");
    await reader.close();
  });

  it("are planned again after ANALYZE changes the statistics", async () => {
    const join = "SELECT count(*) FROM t a JOIN t b ON a.v = b.v";
    expect((await run(join)).rows).toEqual([[2n]]);
    await run("ANALYZE t");
    expect((await run(join)).rows).toEqual([[2n]]);
    await run("INSERT INTO t VALUES (3, 'one')");
    expect((await run(join)).rows).toEqual([[5n]]);
  });

  it("are planned again when a table's storage row estimate moves far, checked at most once a second", async () => {
    const explain = "EXPLAIN SELECT * FROM t WHERE v = 'x'";
    const before = (await run(explain)).rows;
    await run("INSERT INTO t SELECT g, 'v' FROM generate_series(3, 20000) g");
    const realNow = Date.now.bind(Date);
    let offset = 0;
    const clock = vi.spyOn(Date, "now").mockImplementation(() => realNow() + offset);
    try {
      expect((await run(explain)).rows).toEqual(before);
      offset = ESTIMATE_CHECK_INTERVAL_MS + 1;
      const after = (await run(explain)).rows;
      expect(after).not.toEqual(before);
      // The new plan was costed with what the store holds now, as a statement planned afresh is.
      expect(after[0]).toEqual((await run("EXPLAIN SELECT * FROM t WHERE v = 'y'")).rows[0]);
    } finally {
      clock.mockRestore();
    }
  });

  it("report the session that runs them, not the one that built them", async () => {
    const alice = engine.session({ user: "alice" });
    const bob = engine.session({ user: "bob" });
    expect((await alice.run("SELECT current_user")).rows).toEqual([["alice"]]);
    expect((await bob.run("SELECT current_user")).rows).toEqual([["bob"]]);
    await alice.close();
    await bob.close();
  });

  it("check the statement timeout of the session that runs them, not the one that built them", async () => {
    await run("INSERT INTO t SELECT i, 'v' || i FROM generate_series(3, 40000) i");
    const count = "SELECT count(*) FROM t WHERE v LIKE '%9%'";
    const builder = engine.session();
    let started = performance.now();
    await builder.run(count);
    const fullMs = performance.now() - started;
    await builder.close();
    const limited = engine.session({ settings: { statement_timeout: "1ms" } });
    started = performance.now();
    expect(await failure(limited.run(count))).toBe("57014");
    // Cancelled at the first batch after the timeout, not when the whole count is done.
    expect(performance.now() - started).toBeLessThan(fullMs / 3);
    await limited.close();
  });

  it("read point lookups straight (Operator.readAll) into the rows the operator protocol gives", async () => {
    await run("CREATE TABLE c (a int, b text, v text, PRIMARY KEY (a, b DESC))");
    await run("INSERT INTO c VALUES (1, 'x', 'one-x'), (1, 'y', 'one-y'), (2, 'x', NULL)");
    const cases: [string, unknown[]][] = [
      ["SELECT v FROM t WHERE id = $1", [2]],
      ["SELECT v FROM t WHERE id = $1", [99]],
      ["SELECT v FROM t WHERE id = $1", [null]],
      ["SELECT id, v FROM t WHERE id IN (2, 1, 2, 99, NULL)", []],
      ["SELECT id * 10, upper(v) FROM t WHERE id IN ($1, $2) AND v LIKE 'o%'", [1, 2]],
      ["SELECT * FROM c WHERE a = $1 AND b = $2", [1, "y"]],
      ["SELECT v, b FROM c WHERE a = $1 AND b IN ('x', 'y', 'z')", [1]],
    ];
    const viaProtocol = async (sql: string, params: unknown[]) => {
      const s = engine.session();
      const prepared = await s.prepare(sql);
      const result = await s.execute(prepared, params as SqlValue[]);
      const rows = (await result.fetch()).rows;
      await s.close();
      return rows;
    };
    for (const [sql, params] of cases) {
      await run(sql, params);
      expect((await run(sql, params)).rows, sql).toEqual(await viaProtocol(sql, params));
    }
    await run("SELECT v FROM t WHERE id = $1", [1]);
    expect(await failure(run("SELECT v FROM t WHERE id = $1", [2 ** 40]))).toBe("22003");
    await run("SELECT 1 / (id - 1) FROM t WHERE id = $1", [2]);
    expect(await failure(run("SELECT 1 / (id - 1) FROM t WHERE id = $1", [1]))).toBe("22012");
  });

  it("run a write's operator tree again in the transaction and with the targets of each execution", async () => {
    const update = "UPDATE t SET v = $2 WHERE id = $1";
    expect((await run(update, [1, "a"])).rowCount).toBe(1);
    // The same row again: the last execution's targets are forgotten.
    expect((await run(update, [1, "b"])).rowCount).toBe(1);
    // A rolled-back block's execution leaves the tree to the next transaction, which keeps its write.
    const s = engine.session();
    await s.run("BEGIN");
    expect((await s.run(update, [2, "rolled back"])).rowCount).toBe(1);
    await s.run("ROLLBACK");
    await s.close();
    expect((await run(update, [2, "c"])).rowCount).toBe(1);
    expect((await run("SELECT id, v FROM t ORDER BY id")).rows).toEqual([
      [1, "b"],
      [2, "c"],
    ]);
    // ON CONFLICT DO UPDATE may touch the row another execution touched.
    const upsert = "INSERT INTO t VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = excluded.v";
    for (const v of ["d", "e"]) expect((await run(upsert, [1, v])).rowCount).toBe(1);
    expect((await run("SELECT v FROM t WHERE id = 1")).rows).toEqual([["e"]]);
    // Executions at once each get a tree and their own count, whichever finishes first.
    const counts = await Promise.all([run(update, [1, "f"]), run(update, [99, "g"]), run(update, [2, "h"]), run("DELETE FROM t WHERE id = $1", [98])]);
    expect(counts.map((r) => r.rowCount)).toEqual([1, 0, 1, 0]);
    expect((await run("SELECT id, v FROM t ORDER BY id")).rows).toEqual([
      [1, "f"],
      [2, "h"],
    ]);
  });
});
