import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KvTransaction } from "../../kv/kv.js";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { INT4 } from "../types/index.js";
import { CatalogCache } from "./cache.js";
import { Catalog } from "./catalog.js";
import { decodeIndexKey, DROPPED_PREFIX, encodePrimaryKey, indexSpan, prefixSpan, tableDataSpan } from "./keys.js";
import { purgeDroppedData } from "./purge.js";
import { expectSqlError, insert, T, TestStore, value } from "./testing/catalog-store.js";

let ts: TestStore;

beforeEach(async () => {
  ts = await TestStore.open();
});

afterEach(async () => {
  await ts.close();
});


async function countKeys(range: { start?: Uint8Array; end?: Uint8Array } = {}): Promise<number> {
  return ts.run(async (_cat, tx) => {
    let n = 0;
    for await (const _ of tx.scan(range)) n++;
    return n;
  });
}

/** Whether `p` is still pending after the event loop has had a few turns. */
async function isPending(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return !settled;
}

describe("transactional DDL", () => {
  it("a rolled-back CREATE TABLE leaves nothing in the store", async () => {
    const { tx, cat } = await ts.begin();
    await cat.createTable({ ...T, columns: [...T.columns, { name: "id", type: INT4, serial: true }] });
    await cat.createIndex({ table: "t", columns: ["b"] });
    expect(await cat.getTable("t")).toBeDefined();
    await tx.rollback();
    expect(await countKeys()).toBe(0);
    await ts.run(async (c) => {
      expect(await c.getTable("t")).toBeUndefined();
      expect(await c.listTables()).toEqual([]);
      expect(await c.version()).toBe(0);
    });
  });

  it("a rolled-back DROP TABLE leaves the table and its rows", async () => {
    const t = await ts.run(async (cat, tx) => {
      const t = value(await cat.createTable(T));
      await insert(tx, t, [1, "x"]);
      return t;
    });
    const { tx, cat } = await ts.begin();
    await cat.dropTable("t");
    expect(await cat.getTable("t")).toBeUndefined();
    await tx.rollback();
    await ts.run(async (c) => expect(await c.getTable("t")).toEqual(t));
    expect(await countKeys(tableDataSpan(t.id))).toBe(1);
  });

  it("a snapshot does not see a concurrent CREATE, committed or not, and still sees a table dropped after it", async () => {
    await ts.run((cat) => cat.createTable({ ...T, name: "old" }));
    const cache = new CatalogCache();
    const reader = await ts.begin({}, { cache });
    const { tx: writer, cat: w } = await ts.begin({}, { cache });
    await w.createTable(T);
    expect(await reader.cat.getTable("t")).toBeUndefined();
    await w.dropTable("old");
    await writer.commit();
    expect(await reader.cat.getTable("t")).toBeUndefined();
    expect((await reader.cat.getTable("old"))?.name).toBe("old");
    expect((await reader.cat.listTables()).map((t) => t.name)).toEqual(["old"]);
    await reader.tx.commit();
    await ts.run(async (cat) => expect((await cat.listTables()).map((t) => t.name)).toEqual(["t"]), {}, { cache });
  });

  it.each(["snapshot", "repeatable-read", "serializable"] as const)("two concurrent CREATE TABLE of one name at %s: one fails with 40001", async (isolation) => {
    const a = await ts.begin({ isolation });
    const b = await ts.begin({ isolation });
    const run = async ({ tx, cat }: { tx: KvTransaction; cat: Catalog }) => {
      await cat.createTable(T);
      await tx.commit();
    };
    const results = await Promise.allSettled([run(a), run(b)]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    const failure = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(sqlstateOf(failure.reason)).toBe("40001");
    await ts.run(async (cat) => expect((await cat.listTables()).length).toBe(1));
  });

  it("two concurrent CREATE TABLE of one name at read committed: the second waits, then fails with 42P07", async () => {
    const a = await ts.begin({ isolation: "read-committed" });
    const b = await ts.begin({ isolation: "read-committed" });
    await a.cat.createTable(T);
    const second = b.cat.createTable(T);
    expect(await isPending(second)).toBe(true);
    await a.tx.commit();
    await expectSqlError(second, { sqlstate: "42P07", message: 'relation "t" already exists' });
    await b.tx.rollback();
  });

  it("concurrent CREATE TABLEs at read committed get distinct ids", async () => {
    const txs = await Promise.all([0, 1, 2, 3].map(() => ts.begin({ isolation: "read-committed" })));
    const tables = await Promise.all(
      txs.map(async ({ tx, cat }, i) => {
        const t = value(await cat.createTable({ ...T, name: `t${i}` }));
        await tx.commit();
        return t;
      }),
    );
    expect(new Set(tables.map((t) => t.id)).size).toBe(4);
    await ts.run(async (cat) => expect((await cat.listTables()).map((t) => t.name).sort()).toEqual(["t0", "t1", "t2", "t3"]));
  });

  it("the catalog survives a reopen of the store", async () => {
    const before = await ts.run(async (cat) => {
      const t = value(await cat.createTable({ ...T, columns: [...T.columns, { name: "n", type: INT4, serial: true }] }));
      const ix = value(await cat.createIndex({ table: "t", columns: ["b"] }));
      const indexed = (await cat.getTable("t"))!;
      await cat.createSequence({ name: "s", increment: 10n });
      await cat.createRole({ name: "alice", login: true });
      expect(indexed.version).toBe(t.version + 1);
      return { t: indexed, ix, s: [await cat.nextval("s"), await cat.nextval("s")] };
    });
    await ts.reopen();
    await ts.run(async (cat) => {
      expect(await cat.getTable("t")).toEqual(before.t);
      expect(await cat.indexesOf(before.t.id)).toEqual([before.ix]);
      expect(await cat.getRole("alice")).toEqual({ name: "alice", login: true, superuser: false });
      expect(before.s).toEqual([1n, 11n]);
      expect(await cat.nextval("s")).toBe(21n);
      expect(await cat.nextval("t_n_seq")).toBe(1n);
      expect(await cat.version()).toBe(1);
    });
  });

  it("DDL in a read-only transaction fails with 25006", async () => {
    const { tx, cat } = await ts.begin({ readOnly: true });
    await expectSqlError(cat.createTable(T), { sqlstate: "25006" });
    await tx.rollback();
  });
});

describe("caching", () => {
  it("a transaction decodes a table once", async () => {
    await ts.run((cat) => cat.createTable(T));
    await ts.run(async (cat) => {
      const a = await cat.getTable("t");
      expect(await cat.getTable("t")).toBe(a);
      expect(await cat.tableById(a!.id)).toBe(a);
      expect((await cat.listTables())[0]).toBe(a);
    });
  });

  it("Catalog.of gives one catalog per transaction", async () => {
    const tx = await ts.store.begin();
    expect(Catalog.of(tx)).toBe(Catalog.of(tx));
    await tx.rollback();
  });

  it("transactions reading one catalog version share decoded entries; a DDL commit starts a new version", async () => {
    await ts.run((cat) => cat.createTable(T));
    const cache = new CatalogCache();
    const first = await ts.run((cat) => cat.getTable("t"), {}, { cache });
    const old = await ts.begin({}, { cache });
    expect(await ts.run((cat) => cat.getTable("t"), {}, { cache })).toBe(first);
    await ts.run((cat) => cat.alterTableAddColumn("t", { name: "c", type: INT4 }), {}, { cache });
    const fresh = await ts.run((cat) => cat.getTable("t"), {}, { cache });
    expect(fresh?.version).toBe(2);
    // The older snapshot still reads version 1 (and gets the cached object for it).
    expect(await old.cat.getTable("t")).toBe(first);
    await old.tx.commit();
    expect(await ts.run((cat) => cat.getTable("t"), {}, { cache })).toBe(fresh);
  });

  it("uncommitted DDL stays out of the shared cache", async () => {
    const cache = new CatalogCache();
    const { tx, cat } = await ts.begin({}, { cache });
    await cat.createTable(T);
    expect(await cat.getTable("t")).toBeDefined();
    expect(await ts.run((c) => c.getTable("t"), {}, { cache })).toBeUndefined();
    await tx.rollback();
    expect(await ts.run((c) => c.getTable("t"), {}, { cache })).toBeUndefined();
  });

  it("read committed sees DDL committed before each statement, through the shared cache", async () => {
    await ts.run((cat) => cat.createTable(T));
    const cache = new CatalogCache();
    const rc = await ts.begin({ isolation: "read-committed" }, { cache });
    expect((await rc.cat.getTable("t"))?.version).toBe(1);
    await ts.run((cat) => cat.renameTable("t", "u"), {}, { cache });
    expect((await rc.cat.getTable("t"))?.version).toBe(1);
    rc.tx.beginStatement();
    expect(await rc.cat.getTable("t")).toBeUndefined();
    expect((await rc.cat.getTable("u"))?.version).toBe(2);
    await rc.tx.commit();
  });

  it("read uncommitted forgets its entries at each statement", async () => {
    await ts.run((cat) => cat.createTable(T));
    const ru = await ts.begin({ isolation: "read-uncommitted" });
    expect((await ru.cat.getTable("t"))?.version).toBe(1);
    await ts.run((cat) => cat.renameTable("t", "u"));
    ru.cat.beginStatement();
    expect(await ru.cat.getTable("t")).toBeUndefined();
    await ru.tx.commit();
  });
});

describe("DDL and concurrent users", () => {
  it("DROP TABLE waits for a transaction using the table", async () => {
    await ts.run((cat) => cat.createTable(T));
    const user = await ts.begin();
    await user.cat.useTable("t", "intention-exclusive");
    const ddl = await ts.begin();
    const drop = ddl.cat.dropTable("t");
    expect(await isPending(drop)).toBe(true);
    await user.tx.commit();
    expect(value(await drop).name).toBe("t");
    await ddl.tx.commit();
  });

  it("a writer whose snapshot predates a DDL on its table fails with 40001 at snapshot isolation", async () => {
    await ts.run((cat) => cat.createTable(T));
    const old = await ts.begin();
    await ts.run((cat) => cat.createIndex({ table: "t", columns: ["b"] }));
    await expectSqlError(old.cat.useTable("t", "intention-exclusive"), { sqlstate: "40001" });
  });

  it("a reader at an older snapshot goes on with the old schema", async () => {
    await ts.run((cat) => cat.createTable(T));
    const old = await ts.begin();
    await ts.run((cat) => cat.createIndex({ table: "t", columns: ["b"] }));
    expect((await old.cat.useTable("t", "intention-shared")).version).toBe(1);
    await old.tx.commit();
  });

  it("a read committed writer sees the schema as of its lock", async () => {
    await ts.run((cat) => cat.createTable(T));
    const rc = await ts.begin({ isolation: "read-committed" });
    expect((await rc.cat.getTable("t"))?.version).toBe(1);
    await ts.run((cat) => cat.createIndex({ table: "t", columns: ["b"] }));
    expect((await rc.cat.useTable("t", "intention-exclusive")).version).toBe(2);
    await rc.tx.commit();
  });

  /** A writer inserts a row and holds its lock while a CREATE INDEX starts, then commits. */
  async function indexRacingAWriter(isolation: "snapshot" | "serializable" | "read-committed") {
    const t = await ts.run(async (cat) => value(await cat.createTable(T)));
    const writer = await ts.begin();
    await writer.cat.useTable("t", "intention-exclusive");
    await insert(writer.tx, t, [1, "x"]);
    const ddl = await ts.begin({ isolation });
    const create = ddl.cat.createIndex({ table: "t", columns: ["b"] });
    expect(await isPending(create)).toBe(true);
    await writer.tx.commit();
    return { t, ddl, create };
  }

  it("CREATE INDEX at snapshot isolation fails with 40001 when a row arrived after its snapshot, and succeeds on retry", async () => {
    const { t, ddl, create } = await indexRacingAWriter("snapshot");
    // The row the snapshot missed is what fails it.
    const rowKey = encodePrimaryKey(t, [1]).toString("hex");
    await expectSqlError(create, { sqlstate: "40001", message: `could not serialize access due to concurrent update of key ${rowKey}` });
    expect(ddl.tx.state).toBe("aborted");
    const ix = await ts.run(async (cat) => value(await cat.createIndex({ table: "t", columns: ["b"] })));
    const entries = await ts.run(async (_c, tx) => {
      const out: unknown[] = [];
      for await (const e of tx.scan(indexSpan(ix))) out.push(decodeIndexKey(ix, t, e.key).primaryKey);
      return out;
    });
    expect(entries).toEqual([[1]]);
  });

  it("CREATE INDEX at serializable fails at commit when a row arrived after its snapshot", async () => {
    const { ddl, create } = await indexRacingAWriter("serializable");
    await create;
    await expectSqlError(ddl.tx.commit(), { sqlstate: "40001" });
  });

  it("CREATE INDEX at read committed indexes the rows committed while it waited", async () => {
    const { ddl, create } = await indexRacingAWriter("read-committed");
    const ix = value(await create);
    await ddl.tx.commit();
    expect(await countKeys(indexSpan(ix))).toBe(1);
  });

  it("CREATE INDEX at snapshot isolation indexes its own uncommitted rows", async () => {
    await ts.run((cat) => cat.createTable(T));
    const ix = await ts.run(async (cat, tx) => {
      await insert(tx, (await cat.getTable("t"))!, [7, "own"]);
      return value(await cat.createIndex({ table: "t", columns: ["b"] }));
    });
    expect(await countKeys(indexSpan(ix))).toBe(1);
  });
});

describe("purging dropped data", () => {
  it("deletes the rows and index entries of dropped tables and indexes, in batches", async () => {
    const { t, keep } = await ts.run(async (cat, tx) => {
      const t = value(await cat.createTable(T));
      const keep = value(await cat.createTable({ ...T, name: "keep" }));
      for (let i = 0; i < 25; i++) {
        await insert(tx, t, [i, `v${i}`]);
        await insert(tx, keep, [i, `v${i}`]);
      }
      await cat.createIndex({ table: "t", columns: ["b"] });
      await cat.createIndex({ name: "k", table: "keep", columns: ["b"] });
      return { t, keep };
    });
    await ts.run(async (cat) => {
      await cat.dropTable("t");
      await cat.dropIndex("k");
    });
    expect(await purgeDroppedData(ts.store, { batchSize: 7 })).toBe(75);
    expect(await countKeys(tableDataSpan(t.id))).toBe(0);
    expect(await countKeys(tableDataSpan(keep.id))).toBe(25);
    expect(await countKeys(prefixSpan(DROPPED_PREFIX))).toBe(0);
    expect(await purgeDroppedData(ts.store)).toBe(0);
  });

  it("leaves a rolled-back drop alone", async () => {
    const t = await ts.run(async (cat, tx) => {
      const t = value(await cat.createTable(T));
      await insert(tx, t, [1, "x"]);
      return t;
    });
    const { tx, cat } = await ts.begin();
    await cat.dropTable("t");
    await tx.rollback();
    expect(await purgeDroppedData(ts.store)).toBe(0);
    expect(await countKeys(tableDataSpan(t.id))).toBe(1);
  });
});
