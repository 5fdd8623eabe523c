/**
 * Row locks between sessions: SELECT ... FOR UPDATE/SHARE waits for a writer and, at Read
 * Committed, returns the row as that writer left it (PostgreSQL's EvalPlanQual), as UPDATE and
 * DELETE do; NOWAIT fails at once and SKIP LOCKED leaves locked rows out.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { makeTempDir, removeTempDir } from "../../storage/testing/temp-dir.js";
import { TxnStore } from "../../txn/txn-store.js";
import { SqlEngine } from "../engine.js";
import type { Session } from "./session.js";

let dir: string;
let store: TxnStore;
let engine: SqlEngine;
let sessions: Session[];

beforeEach(async () => {
  dir = makeTempDir("alopex-row-locks-");
  store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
  engine = new SqlEngine(store);
  sessions = [];
  const s = session();
  await s.run("CREATE TABLE t (id int PRIMARY KEY, v text, n int)");
  await s.run("CREATE INDEX t_n ON t (n)");
  await s.run("INSERT INTO t VALUES (1, 'one', 10), (2, 'two', 20), (3, 'three', 30)");
});

afterEach(async () => {
  for (const s of sessions) await s.close();
  await store.close();
  removeTempDir(dir);
});

function session(): Session {
  const s = engine.session();
  sessions.push(s);
  return s;
}

async function rows(s: Session, sql: string): Promise<unknown[][]> {
  return (await s.run(sql)).rows.map((r) => [...r]);
}

async function failure(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return sqlstateOf(e);
  }
}

/** Whether `p` is still waiting after other work had its turns. */
async function waiting(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setTimeout(r, 20));
  return !done;
}

/** A writer holds row locks from `change` until it commits; then the locking SELECT finishes. */
async function lockAfter(change: string[], select: string, isolation = "read committed"): Promise<unknown[][] | string> {
  const writer = session();
  const reader = session();
  await writer.run("BEGIN");
  for (const sql of change) await writer.run(sql);
  await reader.run(`BEGIN ISOLATION LEVEL ${isolation}`);
  const result = rows(reader, select);
  expect(await waiting(result)).toBe(true);
  await writer.run("COMMIT");
  try {
    return await result;
  } catch (e) {
    return sqlstateOf(e) ?? String(e);
  } finally {
    await reader.run("ROLLBACK");
  }
}

describe("Read Committed: a locked row is returned as it is after the wait", () => {
  const cases: { name: string; change: string[]; select: string; want: unknown[][] | string }[] = [
    { name: "updated: the new version", change: ["UPDATE t SET v = 'uno' WHERE id = 1"], select: "SELECT id, v FROM t WHERE id = 1 FOR UPDATE", want: [[1, "uno"]] },
    { name: "deleted: left out", change: ["DELETE FROM t WHERE id = 2"], select: "SELECT id FROM t WHERE id <= 2 ORDER BY id FOR UPDATE", want: [[1]] },
    { name: "no longer passing the filter: left out", change: ["UPDATE t SET v = 'x' WHERE id = 1"], select: "SELECT id FROM t WHERE v = 'one' FOR UPDATE", want: [] },
    { name: "still passing the filter: the new version", change: ["UPDATE t SET v = 'one', n = 11 WHERE id = 1"], select: "SELECT id, n FROM t WHERE v = 'one' FOR SHARE", want: [[1, 11]] },
    { name: "whole table, one row changed and one deleted", change: ["UPDATE t SET n = n + 1 WHERE id = 3", "DELETE FROM t WHERE id = 1"], select: "SELECT id, n FROM t ORDER BY id FOR UPDATE", want: [[2, 20], [3, 31]] },
    { name: "index scan, index column changed: 40001", change: ["UPDATE t SET n = 25 WHERE id = 2"], select: "SELECT id FROM t WHERE n = 20 FOR UPDATE", want: "40001" },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect(await lockAfter(c.change, c.select)).toEqual(c.want);
    });
  }

  it("UPDATE computes from the version it waited for (no lost update)", async () => {
    const writer = session();
    const other = session();
    await writer.run("BEGIN");
    await writer.run("UPDATE t SET n = n + 1 WHERE id = 1");
    await other.run("BEGIN ISOLATION LEVEL READ COMMITTED");
    const update = other.run("UPDATE t SET n = n + 100 WHERE id = 1");
    expect(await waiting(update)).toBe(true);
    await writer.run("COMMIT");
    await update;
    await other.run("COMMIT");
    expect(await rows(session(), "SELECT n FROM t WHERE id = 1")).toEqual([[111]]);
  });
});

describe("snapshot levels: a row changed after the snapshot cannot be locked", () => {
  for (const isolation of ["repeatable read", "serializable"]) {
    it(isolation, async () => {
      expect(await lockAfter(["UPDATE t SET v = 'uno' WHERE id = 1"], "SELECT id, v FROM t WHERE id = 1 FOR UPDATE", isolation)).toBe("40001");
    });
  }
});

describe("NOWAIT and SKIP LOCKED", () => {
  it("NOWAIT fails at once with 55P03 when another transaction holds the row", async () => {
    const holder = session();
    const s = session();
    await holder.run("BEGIN");
    await holder.run("SELECT * FROM t WHERE id = 2 FOR UPDATE");
    await s.run("BEGIN");
    expect(await failure(s.run("SELECT * FROM t WHERE id = 2 FOR UPDATE NOWAIT"))).toBe("55P03");
    expect(await failure(s.run("SELECT 1"))).toBe("25P02");
    await s.run("ROLLBACK");
    // FOR SHARE NOWAIT against a share lock is granted; against a written row it is not.
    await s.run("BEGIN");
    await holder.run("UPDATE t SET v = 'x' WHERE id = 3");
    expect(await rows(s, "SELECT id FROM t WHERE id = 1 FOR SHARE NOWAIT")).toEqual([[1]]);
    expect(await failure(s.run("SELECT id FROM t WHERE id = 3 FOR SHARE NOWAIT"))).toBe("55P03");
    await s.run("ROLLBACK");
    await holder.run("COMMIT");
  });

  it("SKIP LOCKED leaves out rows others hold, and two workers take different queue items", async () => {
    const a = session();
    const b = session();
    await a.run("BEGIN");
    expect(await rows(a, "SELECT id FROM t ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED")).toEqual([[1]]);
    await b.run("BEGIN");
    expect(await rows(b, "SELECT id FROM t ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED")).toEqual([[2]]);
    const c = session();
    await c.run("BEGIN");
    expect(await rows(c, "SELECT id FROM t ORDER BY id FOR UPDATE SKIP LOCKED")).toEqual([[3]]);
    for (const s of [a, b, c]) await s.run("COMMIT");
  });

  it("a locking clause locks the rows of subqueries and views in FROM, not of WITH queries", async () => {
    await session().run("CREATE VIEW v3 AS SELECT * FROM t WHERE id = 3");
    const holder = session();
    const s = session();
    await holder.run("BEGIN");
    expect(await rows(holder, "SELECT id FROM (SELECT * FROM t WHERE id = 1) s FOR UPDATE")).toEqual([[1]]);
    expect(await rows(holder, "WITH w AS (SELECT * FROM t WHERE id = 2) SELECT id FROM w FOR UPDATE")).toEqual([[2]]);
    expect(await rows(holder, "SELECT id FROM v3 FOR UPDATE")).toEqual([[3]]);
    await s.run("BEGIN");
    expect(await failure(s.run("SELECT * FROM t WHERE id = 1 FOR UPDATE NOWAIT"))).toBe("55P03");
    await s.run("ROLLBACK");
    await s.run("BEGIN");
    expect(await rows(s, "SELECT id FROM t WHERE id = 2 FOR UPDATE NOWAIT")).toEqual([[2]]);
    expect(await failure(s.run("SELECT id FROM t WHERE id = 3 FOR UPDATE NOWAIT"))).toBe("55P03");
    await s.run("ROLLBACK");
    await holder.run("ROLLBACK");
  });

  it("EXPLAIN shows the lock and its wait policy", async () => {
    const plan = (await rows(session(), "EXPLAIN SELECT * FROM t WHERE id = 1 FOR UPDATE SKIP LOCKED")).map((r) => r[0]).join("\n");
    expect(plan).toContain("Lock: FOR UPDATE SKIP LOCKED");
  });
});
