/**
 * Views across what an slt file cannot show: a restart, prepared statements planned before a
 * view changed, and the DETAIL / HINT / NOTICE lines of dependency errors and CASCADE.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqlStateError } from "../../common/sqlstate-error.js";
import { makeTempDir, removeTempDir } from "../../storage/testing/temp-dir.js";
import { TxnStore } from "../../txn/txn-store.js";
import { SqlEngine } from "../engine.js";
import type { SqlValue } from "../types/index.js";
import type { SqlSession } from "./api.js";

let dir: string;
let store: TxnStore;
let engine: SqlEngine;

async function open(): Promise<void> {
  store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
  engine = new SqlEngine(store);
}

beforeEach(async () => {
  dir = makeTempDir("alopex-views-");
  await open();
  await run("CREATE TABLE t (a int PRIMARY KEY, b text)");
  await run("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')");
});

afterEach(async () => {
  await store.close();
  removeTempDir(dir);
});

async function run(sql: string, params: SqlValue[] = []): Promise<(readonly SqlValue[])[]> {
  const s = engine.session();
  try {
    return [...(await s.run(sql, params)).rows];
  } finally {
    await s.close();
  }
}

async function rowsOf(s: SqlSession, p: Awaited<ReturnType<SqlSession["prepare"]>>, params: SqlValue[] = []): Promise<(readonly SqlValue[])[]> {
  const r = await s.execute(p, params);
  try {
    const out: (readonly SqlValue[])[] = [];
    for (;;) {
      const b = await r.fetch();
      out.push(...b.rows);
      if (b.done) return out;
    }
  } finally {
    await r.close();
  }
}

async function error(p: Promise<unknown>): Promise<SqlStateError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof SqlStateError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("views", () => {
  it("survive a restart, with their columns and dependencies", async () => {
    await run("CREATE VIEW v (k, label) AS SELECT a, b FROM t WHERE a > 1");
    await run("CREATE VIEW w AS SELECT count(*) AS n FROM v");
    await run("CREATE VIEW star AS SELECT * FROM t");
    await store.close();
    await open();
    expect(await run("SELECT k, label FROM v ORDER BY k")).toEqual([
      [2, "two"],
      [3, "three"],
    ]);
    expect(await run("SELECT n FROM w")).toEqual([[2n]]);
    expect((await error(run("DROP TABLE t"))).sqlstate).toBe("2BP01");
    expect((await error(run("DROP VIEW v"))).sqlstate).toBe("2BP01");
    await run("ALTER TABLE t ADD COLUMN c int");
    await store.close();
    await open();
    // `*` was expanded at CREATE VIEW, before c existed.
    expect(await run("SELECT * FROM star WHERE a = 1")).toEqual([[1, "one"]]);
    expect(await run("SELECT relkind FROM pg_class WHERE relname = 'w'")).toEqual([["v"]]);
  });

  it("created in a transaction that rolls back leave nothing, even after a restart", async () => {
    const s = engine.session();
    await s.run("BEGIN");
    await s.run("CREATE VIEW gone AS SELECT a FROM t");
    await s.run("ROLLBACK");
    await s.close();
    await store.close();
    await open();
    expect((await error(run("SELECT * FROM gone"))).sqlstate).toBe("42P01");
    // Nothing depends on t either.
    await run("DROP TABLE t");
  });

  it("are invisible to other sessions until committed", async () => {
    const a = engine.session();
    await a.run("BEGIN");
    await a.run("CREATE VIEW pending AS SELECT a FROM t");
    expect((await error(run("SELECT * FROM pending"))).sqlstate).toBe("42P01");
    await a.run("COMMIT");
    await a.close();
    expect(await run("SELECT count(*) FROM pending")).toEqual([[3n]]);
  });
});

describe("savepoints", () => {
  it("DDL rolled back to a savepoint still leaves later DDL visible to others after commit", async () => {
    await run("CREATE VIEW v AS SELECT a FROM t WHERE a = 1");
    expect(await run("SELECT count(*) FROM v")).toEqual([[1n]]);
    const s = engine.session();
    await s.run("BEGIN");
    await s.run("SAVEPOINT p");
    await s.run("CREATE VIEW other AS SELECT 1 AS one");
    await s.run("ROLLBACK TO SAVEPOINT p");
    expect(await error(s.run("SELECT * FROM other"))).toMatchObject({ sqlstate: "42P01" });
    await s.run("ROLLBACK TO SAVEPOINT p");
    await s.run("CREATE OR REPLACE VIEW v AS SELECT a FROM t");
    await s.run("COMMIT");
    await s.close();
    expect(await run("SELECT count(*) FROM v")).toEqual([[3n]]);
  });
});

describe("view locks", () => {
  it("make DROP VIEW and CREATE OR REPLACE VIEW wait for transactions that read the view", async () => {
    await run("CREATE VIEW v AS SELECT a FROM t");
    const reader = engine.session();
    await reader.run("BEGIN");
    expect((await reader.run("SELECT count(*) FROM v")).rows).toEqual([[3n]]);
    let dropped = false;
    const drop = run("DROP VIEW v").then(() => (dropped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(dropped).toBe(false);
    // The reader still sees its view, again through the cached plan.
    expect((await reader.run("SELECT count(*) FROM v")).rows).toEqual([[3n]]);
    await reader.run("COMMIT");
    await drop;
    expect(dropped).toBe(true);
    await reader.close();
    expect((await error(run("SELECT count(*) FROM v"))).sqlstate).toBe("42P01");
  });
});

describe("prepared statements over a view", () => {
  it("see a view replaced after they were prepared", async () => {
    await run("CREATE VIEW v AS SELECT a, b FROM t WHERE a > 1");
    const s = engine.session();
    try {
      const p = await s.prepare("SELECT a, b FROM v WHERE a < $1 ORDER BY a");
      expect(await rowsOf(s, p, [10])).toEqual([
        [2, "two"],
        [3, "three"],
      ]);
      await run("CREATE OR REPLACE VIEW v AS SELECT a, upper(b) AS b FROM t WHERE a < 3");
      expect(await rowsOf(s, p, [10])).toEqual([
        [1, "ONE"],
        [2, "TWO"],
      ]);
      await run("DROP VIEW v");
      expect((await error(rowsOf(s, p, [10]))).sqlstate).toBe("42P01");
      // A table of the same name takes the view's place.
      await run("CREATE TABLE v (b text, a int)");
      await run("INSERT INTO v VALUES ('table', 1)");
      expect(await rowsOf(s, p, [10])).toEqual([[1, "table"]]);
    } finally {
      await s.close();
    }
  });

  it("fail as PostgreSQL's do when the view's columns change under them", async () => {
    await run("CREATE VIEW v AS SELECT a FROM t");
    const s = engine.session();
    try {
      const p = await s.prepare("SELECT * FROM v ORDER BY a");
      expect(await rowsOf(s, p)).toEqual([[1], [2], [3]]);
      await run("CREATE OR REPLACE VIEW v AS SELECT a, b FROM t");
      expect(await error(rowsOf(s, p))).toMatchObject({ sqlstate: "0A000", message: "cached plan must not change result type" });
    } finally {
      await s.close();
    }
    // run() keeps no statement a client could have described: it plans again.
    expect(await run("SELECT * FROM v WHERE a = 1")).toEqual([[1, "one"]]);
  });

  it("through run()'s cache follow CREATE OR REPLACE VIEW", async () => {
    await run("CREATE VIEW v AS SELECT a FROM t WHERE a = 1");
    const q = "SELECT count(*) FROM v";
    expect(await run(q)).toEqual([[1n]]);
    expect(await run(q)).toEqual([[1n]]);
    await run("CREATE OR REPLACE VIEW v AS SELECT a FROM t WHERE a >= 1");
    expect(await run(q)).toEqual([[3n]]);
  });
});

describe("dependency messages", () => {
  it("list the dependent views in DETAIL, as PostgreSQL does", async () => {
    await run("CREATE VIEW v AS SELECT a, b FROM t");
    await run("CREATE VIEW w AS SELECT a FROM v");
    await run("CREATE VIEW s AS SELECT b FROM t");
    expect(await error(run("DROP TABLE t"))).toMatchObject({
      sqlstate: "2BP01",
      message: "cannot drop table t because other objects depend on it",
      detail: "view v depends on table t\nview w depends on view v\nview s depends on table t",
      hint: "Use DROP ... CASCADE to drop the dependent objects too.",
    });
    expect(await error(run("ALTER TABLE t DROP COLUMN a"))).toMatchObject({
      sqlstate: "2BP01",
      message: "cannot drop column a of table t because other objects depend on it",
      detail: "view v depends on column a of table t\nview w depends on view v",
    });
    expect(await error(run("ALTER TABLE t ALTER COLUMN b TYPE varchar(10)"))).toMatchObject({
      sqlstate: "0A000",
      message: "cannot alter type of a column used by a view or rule",
      detail: 'rule _RETURN on view v depends on column "b"',
    });
    expect(await error(run("DROP TABLE v"))).toMatchObject({ sqlstate: "42809", message: '"v" is not a table', hint: "Use DROP VIEW to remove a view." });
    expect(await error(run("DROP VIEW t"))).toMatchObject({ sqlstate: "42809", message: '"t" is not a view', hint: "Use DROP TABLE to remove a table." });
  });

  it("give CASCADE's notices", async () => {
    await run("CREATE VIEW v AS SELECT a, b FROM t");
    await run("CREATE VIEW w AS SELECT a FROM v");
    const s = engine.session();
    try {
      await s.run("DROP VIEW w CASCADE");
      expect(s.takeNotices()).toEqual([]);
      await s.run("CREATE VIEW w AS SELECT a FROM v");
      await s.run("DROP TABLE t CASCADE");
      expect(s.takeNotices()).toEqual([
        { severity: "NOTICE", sqlstate: "00000", message: "drop cascades to 2 other objects", detail: "drop cascades to view v\ndrop cascades to view w" },
      ]);
      await s.run("CREATE TABLE t (a int)");
      await s.run("CREATE VIEW v AS SELECT a FROM t");
      await s.run("ALTER TABLE t DROP COLUMN a CASCADE");
      expect(s.takeNotices()).toEqual([{ severity: "NOTICE", sqlstate: "00000", message: "drop cascades to view v" }]);
    } finally {
      await s.close();
    }
  });

  it("say why a view cannot be written through", async () => {
    await run("CREATE VIEW g AS SELECT b, count(*) FROM t GROUP BY b");
    expect(await error(run("DELETE FROM g"))).toMatchObject({
      sqlstate: "55000",
      message: 'cannot delete from view "g"',
      detail: "Views containing GROUP BY are not automatically updatable.",
      hint: "To enable deleting from the view, provide an INSTEAD OF DELETE trigger or an unconditional ON DELETE DO INSTEAD rule.",
    });
    await run("CREATE VIEW total AS SELECT sum(a) AS s FROM t");
    expect(await error(run("UPDATE total SET s = 0"))).toMatchObject({ sqlstate: "55000", detail: "Views that return aggregate functions are not automatically updatable." });
    await run("CREATE VIEW ranked AS SELECT a, rank() OVER (ORDER BY b) FROM t");
    expect(await error(run("INSERT INTO ranked VALUES (9, 1)"))).toMatchObject({ sqlstate: "55000", detail: "Views that return window functions are not automatically updatable." });
    await run("CREATE VIEW both_tables AS SELECT x.a FROM t x, t y");
    expect(await error(run("INSERT INTO both_tables VALUES (9)"))).toMatchObject({
      sqlstate: "55000",
      detail: "Views that do not select from a single table or view are not automatically updatable.",
    });
  });

  it("refuse COPY and CREATE INDEX on a view as PostgreSQL does", async () => {
    await run("CREATE VIEW v AS SELECT a FROM t");
    expect(await error(run("COPY v TO STDOUT"))).toMatchObject({ sqlstate: "42809", message: 'cannot copy from view "v"', hint: "Try the COPY (SELECT ...) TO variant." });
    expect(await error(run("COPY v FROM STDIN"))).toMatchObject({ sqlstate: "42809", message: 'cannot copy to view "v"' });
    expect(await error(run("CREATE INDEX ON v (a)"))).toMatchObject({ sqlstate: "42809", message: 'cannot create index on relation "v"', detail: "This operation is not supported for views." });
  });
});
