import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TxnStore } from "../../txn/txn-store.js";
import { Catalog } from "../catalog/index.js";
import { SqlEngine } from "../engine.js";
import type { Session } from "../session/session.js";
import { gatherTableStats } from "./analyze.js";
import { decodeTableStats, loadTableStats } from "./stats-store.js";
import type { TableStats } from "./stats.js";

describe("ANALYZE", () => {
  let dir: string;
  let store: TxnStore;
  let engine: SqlEngine;
  let session: Session;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "alopex-analyze-"));
    store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
    engine = new SqlEngine(store);
    session = engine.session();
    await session.run("CREATE TABLE t (id int PRIMARY KEY, k int, s text)");
    await session.run("CREATE INDEX t_k ON t (k)");
    await session.run("INSERT INTO t WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 2000) SELECT i, i % 25, CASE WHEN i % 4 = 0 THEN NULL ELSE 's' || (i % 3) END FROM r");
  });

  afterEach(async () => {
    await session.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The statistics a new transaction reads for table t. */
  async function statsOfT(): Promise<TableStats | undefined> {
    const tx = await store.begin({ isolation: "snapshot", readOnly: true });
    try {
      const catalog = Catalog.of(tx, { store, cache: engine.catalogCache });
      const t = (await catalog.getTable("t"))!;
      return (await loadTableStats(catalog, [t.id])).get(t.id);
    } finally {
      await tx.rollback();
    }
  }

  it("stores the row count and per-column statistics in the catalog", async () => {
    expect(await statsOfT()).toBeUndefined();
    expect((await session.run("ANALYZE t")).commandTag).toBe("ANALYZE");
    const s = (await statsOfT())!;
    expect(s.rowCount).toBe(2000);
    const [id, k, text] = [s.columns.get(1)!, s.columns.get(2)!, s.columns.get(3)!];
    expect(id.distinct).toBe(2000);
    expect(id.nullFraction).toBe(0);
    expect(id.histogram.length).toBe(101);
    expect(k.distinct).toBe(25);
    expect(k.mostCommon.length).toBe(25);
    expect(k.mostCommon.reduce((sum, m) => sum + m.frequency, 0)).toBeCloseTo(1, 12);
    expect(text.nullFraction).toBeCloseTo(0.25, 12);
    expect(text.mostCommon.map((m) => m.value).sort()).toEqual(["s0", "s1", "s2"]);
  });

  it("samples a bounded number of rows but counts them all, the same way every time", async () => {
    const tx = await store.begin({ isolation: "snapshot", readOnly: true });
    try {
      const t = (await Catalog.of(tx).getTable("t"))!;
      const a = await gatherTableStats(tx, t, { sampleRows: 200 });
      const b = await gatherTableStats(tx, t, { sampleRows: 200 });
      expect(a.rowCount).toBe(2000);
      // Every sampled id is different: the column looks unique, so all 2000 rows count.
      expect(a.columns.get(1)!.distinct).toBe(2000);
      expect(a.columns.get(2)!.distinct).toBe(25);
      expect(a.columns.get(3)!.nullFraction).toBeGreaterThan(0.1);
      expect(a.columns.get(3)!.nullFraction).toBeLessThan(0.4);
      expect(JSON.stringify([...b.columns])).toBe(JSON.stringify([...a.columns]));
    } finally {
      await tx.rollback();
    }
  });

  it("is transactional: rolled back, nothing is stored", async () => {
    await session.run("BEGIN");
    await session.run("ANALYZE");
    await session.run("ROLLBACK");
    expect(await statsOfT()).toBeUndefined();
  });

  it("makes cached plans of the tables plan again", async () => {
    const explain = "EXPLAIN SELECT id FROM t WHERE k = 3";
    const before = (await session.run(explain)).rows.map((r) => r[0]);
    // Unanalysed: the storage estimate of t's 2000 rows times the default equality selectivity (0.5%).
    const rowsBefore = Number(/rows=(\d+)\)/.exec(String(before[0]))?.[1]);
    expect(rowsBefore).toBeGreaterThanOrEqual(8);
    expect(rowsBefore).toBeLessThanOrEqual(15);
    await session.run("ANALYZE t");
    const after = (await session.run(explain)).rows.map((r) => r[0]);
    expect(after[0]).toMatch(/rows=80\)/);
  });

  it("warns about names that are not tables and fails on missing ones", async () => {
    await session.run("ANALYZE t_k");
    expect(session.takeNotices()).toEqual([{ severity: "WARNING", sqlstate: "01000", message: 'skipping "t_k" --- cannot analyze non-tables or special system tables' }]);
    await expect(session.run("ANALYZE nosuch")).rejects.toMatchObject({ sqlstate: "42P01", message: 'relation "nosuch" does not exist' });
    await expect(session.run("ANALYZE other.t")).rejects.toMatchObject({ sqlstate: "42P01" });
  });

  it("refuses a read-only transaction", async () => {
    await session.run("BEGIN READ ONLY");
    await expect(session.run("ANALYZE t")).rejects.toMatchObject({ sqlstate: "25006" });
    await session.run("ROLLBACK");
  });

  it("statistics go with their table", async () => {
    await session.run("ANALYZE t");
    const tx = await store.begin({ isolation: "snapshot", readOnly: true });
    const id = (await Catalog.of(tx).getTable("t"))!.id;
    await tx.rollback();
    await session.run("DROP TABLE t");
    const after = await store.begin({ isolation: "snapshot", readOnly: true });
    try {
      expect(await Catalog.of(after).tableStatistics(id, decodeTableStats)).toBeUndefined();
    } finally {
      await after.rollback();
    }
  });
});
