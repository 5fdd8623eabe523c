import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TxnStore } from "../../txn/txn-store.js";
import { SqlEngine } from "../engine.js";
import type { Session } from "../session/session.js";
import type { Table } from "../catalog/index.js";
import { DEFAULT_ROW_COUNT, NO_STATS, tableRowCount, type StatsSource } from "./stats.js";

async function run(session: Session, sql: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of session.query(sql)) {
    for (;;) {
      const b = await r.fetch();
      for (const row of b.rows) out.push(String(row[0]));
      if (b.done) break;
    }
  }
  return out;
}

describe("row estimates of unanalysed tables from storage", () => {
  let dir: string;
  let store: TxnStore;
  let session: Session;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "alopex-store-stats-"));
    store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
    session = new SqlEngine(store).session();
    await run(session, "CREATE TABLE big (id int PRIMARY KEY, k int, pad text)");
    await run(session, "CREATE TABLE small (id int PRIMARY KEY, k int)");
    await run(session, "INSERT INTO big SELECT i, i % 100, repeat('x', 20) FROM generate_series(1, 5000) AS s(i)");
    await run(session, "INSERT INTO small SELECT i, i FROM generate_series(1, 50) AS s(i)");
  });
  afterAll(async () => {
    await session.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The rows= estimate of the scan of `table` in EXPLAIN's output. */
  function scanRows(plan: readonly string[], table: string): number {
    const line = plan.find((l) => l.includes(`Seq Scan on ${table}`));
    const m = line && /rows=(\d+)/.exec(line);
    if (!m) throw new Error(`no scan of ${table} in\n${plan.join("\n")}`);
    return Number(m[1]);
  }

  /** The table the hash join builds its hash table over (the line under "Hash  ("). */
  function hashedTable(plan: readonly string[]): string {
    const at = plan.findIndex((l) => l.trim().startsWith("->  Hash  ("));
    const m = at >= 0 && /Seq Scan on (\w+)/.exec(plan[at + 1] ?? "");
    if (!m) throw new Error(`no hash join in\n${plan.join("\n")}`);
    return m[1]!;
  }

  it("EXPLAIN shows an unanalysed table's size, from its memtable and then from its SSTables", async () => {
    const fromMemtable = scanRows(await run(session, "EXPLAIN SELECT * FROM big"), "big");
    expect(fromMemtable).toBeGreaterThan(2500);
    expect(fromMemtable).toBeLessThan(10_000);
    await store.engine.flush();
    const fromTables = scanRows(await run(session, "EXPLAIN SELECT * FROM big"), "big");
    expect(fromTables).toBeGreaterThan(2500);
    expect(fromTables).toBeLessThan(10_000);
    // A table smaller than the default keeps it (see tableRowCount).
    expect(scanRows(await run(session, "EXPLAIN SELECT * FROM small"), "small")).toBe(1000);
  });

  it("changes the join order the 1000-row default gives", async () => {
    const sql = "EXPLAIN SELECT * FROM small s JOIN big b ON s.k = b.k";
    const defaults = new SqlEngine(store, { stats: NO_STATS }).session();
    try {
      // Both tables at 1000 rows: the query's order stands and big is hashed.
      expect(hashedTable(await run(defaults, sql))).toBe("big");
    } finally {
      await defaults.close();
    }
    expect(hashedTable(await run(session, sql))).toBe("small");
  });

  it("gives way to ANALYZE's statistics", async () => {
    await run(session, "ANALYZE big");
    expect(scanRows(await run(session, "EXPLAIN SELECT * FROM big"), "big")).toBe(5000);
  });
});

describe("tableRowCount", () => {
  const table = { id: 7 } as Table;
  const source = (analysed: number | undefined, estimated: number | undefined): StatsSource => ({
    tableStats: () => (analysed === undefined ? undefined : { rowCount: analysed, columns: new Map(), version: 1 }),
    approximateRows: () => estimated,
  });

  it("takes ANALYZE's count first, then the storage estimate (at least the default), then the default", () => {
    expect(tableRowCount(source(7, 50_000), table)).toBe(7);
    expect(tableRowCount(source(0, 50_000), table)).toBe(1);
    expect(tableRowCount(source(undefined, 50_000.4), table)).toBe(50_000);
    expect(tableRowCount(source(undefined, 12), table)).toBe(DEFAULT_ROW_COUNT);
    expect(tableRowCount(source(undefined, undefined), table)).toBe(DEFAULT_ROW_COUNT);
    expect(tableRowCount(NO_STATS, table)).toBe(DEFAULT_ROW_COUNT);
  });
});
