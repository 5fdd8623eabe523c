/**
 * Vector search through SQL against exact search: recall of `ORDER BY v <-> $1 LIMIT 10` over
 * an hnsw index, updates and deletes, flush, compaction and reopening, filtered queries, and
 * the kv entries the index keeps (built by CREATE INDEX, written by DML, purged after DROP).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Database } from "../../api/embedded.js";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { l2Distance } from "../../vector/distance.js";
import { clusteredVectors, seededRandom } from "../../vector/testing/datasets.js";
import { Catalog, indexSpan, purgeDroppedData } from "../catalog/index.js";

const DIMS = 24;
const ROWS = 3000;
const K = 10;
/** Small memtables, so the data spreads over memtables and several tables before any compaction. */
const OPTIONS = { storage: { wal_sync: "none" as const, memtable_size: 128 * 1024 } };

let dir: string;
let db: Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "alopex-vector-sql-"));
  db = await Database.open(dir, OPTIONS);
});

afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const vectors = clusteredVectors({ count: ROWS, dims: DIMS, clusters: 30, spread: 0.3, seed: 7 });
const queries = clusteredVectors({ count: 20, dims: DIMS, clusters: 30, spread: 0.3, seed: 7 + 1 }).map((q, i) => (i % 2 ? q : vectors[i * 97]!.map((x) => x + 0.01)));

/** Rows as (id, vector, c) with c = id % 10, inserted in multi-row statements. */
async function load(table: string, rows: ReadonlyMap<number, Float32Array>): Promise<void> {
  const entries = [...rows];
  for (let at = 0; at < entries.length; at += 250) {
    const batch = entries.slice(at, at + 250);
    const params: unknown[] = [];
    const tuples = batch.map(([id, v], i) => {
      params.push(id, v, id % 10);
      return `($${3 * i + 1}, $${3 * i + 2}, $${3 * i + 3})`;
    });
    await db.sql(`INSERT INTO ${table} VALUES ${tuples.join(", ")}`, params);
  }
}

function exactTopK(rows: ReadonlyMap<number, Float32Array>, q: Float32Array, k: number, pass: (id: number) => boolean = () => true): number[] {
  return [...rows]
    .filter(([id]) => pass(id))
    .map(([id, v]) => ({ id, d: l2Distance(v, q) }))
    .sort((a, b) => a.d - b.d || a.id - b.id)
    .slice(0, k)
    .map((x) => x.id);
}

/** ef_search for the recall checks: pgvector's default 40 gives about 0.95 on this data, 80 more. */
const EF_SEARCH = 80;

async function search(q: Float32Array, where = "", k = K): Promise<number[]> {
  const s = db.session();
  try {
    await s.run(`SET hnsw.ef_search = ${EF_SEARCH}`);
    const { rows } = await s.run(`SELECT id FROM t ${where} ORDER BY v <-> $1 LIMIT ${k}`, [q]);
    return rows.map((r) => Number(r[0]));
  } finally {
    await s.close();
  }
}

async function recallAt10(rows: ReadonlyMap<number, Float32Array>): Promise<number> {
  let found = 0;
  for (const q of queries) {
    const truth = new Set(exactTopK(rows, q, K));
    found += (await search(q)).filter((id) => truth.has(id)).length;
  }
  return found / (queries.length * K);
}

async function plan(sql: string): Promise<string> {
  return (await db.sql(`EXPLAIN ${sql}`, [queries[0]!])).rows.map((r) => r[0]).join("\n");
}

const allRows = () => new Map(vectors.map((v, i) => [i, v] as const));

describe("vector search in SQL", () => {
  it("finds the exact nearest rows at recall@10 >= 0.95, with the index built before or after the rows", async () => {
    const rows = allRows();
    await db.sql(`CREATE TABLE t (id int PRIMARY KEY, v vector(${DIMS}), c int)`);
    await load("t", new Map([...rows].slice(0, ROWS / 2)));
    await db.sql("CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops) WITH (m = 16, ef_construction = 64)");
    await load("t", new Map([...rows].slice(ROWS / 2)));
    expect(await plan("SELECT id FROM t ORDER BY v <-> $1 LIMIT 10")).toContain("Vector Search using t_v on t");
    expect(await recallAt10(rows)).toBeGreaterThanOrEqual(0.95);
  });

  it("drops deleted rows and moves updated ones, in the same transaction and after it", async () => {
    const rows = allRows();
    await db.sql(`CREATE TABLE t (id int PRIMARY KEY, v vector(${DIMS}), c int)`);
    await db.sql("CREATE INDEX ON t USING hnsw (v)");
    await load("t", rows);
    const q = queries[0]!;
    const nearest = exactTopK(rows, q, K);
    const far = new Float32Array(DIMS).fill(50);
    await db.sql(`DELETE FROM t WHERE id IN (${nearest.slice(0, 3).join(", ")})`);
    await db.sql("UPDATE t SET v = $1 WHERE id = $2", [far, nearest[3]]);
    await db.sql("UPDATE t SET v = NULL WHERE id = $1", [nearest[4]]);
    // A key change moves the entry: the old id must not come back.
    await db.sql("UPDATE t SET id = 100000 WHERE id = $1", [nearest[5]]);
    for (const id of nearest.slice(0, 5)) rows.delete(id);
    rows.set(nearest[3]!, far);
    rows.set(100000, rows.get(nearest[5]!)!);
    rows.delete(nearest[5]!);
    const got = await search(q);
    for (const id of nearest.slice(0, 6)) expect(got).not.toContain(id);
    expect(got).toContain(100000);
    expect(got).toEqual(exactTopK(rows, q, K));
    expect(await search(far, "", 1)).toEqual([nearest[3]]);

    const s = db.session();
    try {
      await s.run("BEGIN");
      await s.run("DELETE FROM t WHERE id = 100000");
      await s.run("INSERT INTO t VALUES (200000, $1, 0)", [q]);
      const inside = (await s.run(`SELECT id FROM t ORDER BY v <-> $1 LIMIT ${K}`, [q])).rows.map((r) => Number(r[0]));
      expect(inside[0]).toBe(200000);
      expect(inside).not.toContain(100000);
      await s.run("ROLLBACK");
    } finally {
      await s.close();
    }
    expect(await search(q)).toEqual(exactTopK(rows, q, K));
  });

  it("answers the same after flush and compaction, and after reopening the database", async () => {
    const rows = allRows();
    await db.sql(`CREATE TABLE t (id int PRIMARY KEY, v vector(${DIMS}), c int)`);
    await load("t", rows);
    await db.sql("CREATE INDEX ON t USING hnsw (v vector_l2_ops)");
    await db.sql(`DELETE FROM t WHERE id < 100`);
    for (let id = 0; id < 100; id++) rows.delete(id);
    const before = await recallAt10(rows);
    await db.compact();
    const compacted = await recallAt10(rows);
    await db.close();
    db = await Database.open(dir, OPTIONS);
    const reopened = await recallAt10(rows);
    for (const r of [before, compacted, reopened]) expect(r).toBeGreaterThanOrEqual(0.95);
    for (const q of queries.slice(0, 5)) for (const id of await search(q)) expect(id).toBeGreaterThanOrEqual(100);
  });

  it("returns k rows whenever k rows pass the filter, however selective", async () => {
    const rows = allRows();
    await db.sql(`CREATE TABLE t (id int PRIMARY KEY, v vector(${DIMS}), c int)`);
    await db.sql("CREATE INDEX ON t USING hnsw (v)");
    await load("t", rows);
    await db.sql("UPDATE t SET c = 77 WHERE id IN (5, 1500, 2999)");
    const cases: [string, (id: number) => boolean][] = [
      ["WHERE c = 3", (id) => id % 10 === 3 && ![5, 1500, 2999].includes(id)],
      ["WHERE c <> 3", (id) => id % 10 !== 3 || [5, 1500, 2999].includes(id)],
      ["WHERE c = 77", (id) => [5, 1500, 2999].includes(id)],
      ["WHERE id % 500 = 1", (id) => id % 500 === 1],
      ["WHERE c = 12345", () => false],
    ];
    for (const [where, pass] of cases) {
      for (const q of queries.slice(0, 4)) {
        const got = await search(q, where);
        const truth = exactTopK(rows, q, K, pass);
        expect(got.length, where).toBe(truth.length);
        for (const id of got) expect(pass(id), `${where}: ${id}`).toBe(true);
        const overlap = got.filter((id) => truth.includes(id)).length;
        expect(overlap, where).toBeGreaterThanOrEqual(Math.ceil(truth.length * 0.8));
      }
    }
    expect(await plan("SELECT id FROM t WHERE c > 3 ORDER BY v <-> $1 LIMIT 10")).toContain("Vector Search");
    // Without statistics `c = 3` is estimated at 0.5%: 10 / 0.005 candidates is past the bound.
    expect(await plan("SELECT id FROM t WHERE c = 3 ORDER BY v <-> $1 LIMIT 10")).not.toContain("Vector Search");
  });

  it("keeps one kv entry per non-NULL vector, and the purge of a dropped index removes them", async () => {
    await db.sql("CREATE TABLE t (id int PRIMARY KEY, v vector(3), c int)");
    await db.sql("INSERT INTO t VALUES (1, '[1,0,0]', 1), (2, NULL, 2), (3, '[0,0,1]', 3)");
    await db.sql("CREATE INDEX t_v ON t USING hnsw (v)");
    const ix = await db.transaction((tx) => Catalog.of(tx).getIndex("t_v"), { readOnly: true });
    const entries = () =>
      db.transaction(
        async (tx) => {
          let n = 0;
          for await (const _ of tx.scan(indexSpan(ix!))) n++;
          return n;
        },
        { readOnly: true },
      );
    expect(await entries()).toBe(2);
    await db.sql("INSERT INTO t VALUES (4, '[1,1,1]', 4), (5, NULL, 5)");
    await db.sql("UPDATE t SET v = '[2,2,2]' WHERE id = 2");
    await db.sql("UPDATE t SET v = NULL WHERE id = 1");
    expect(await entries()).toBe(3);
    await db.sql("DROP INDEX t_v");
    expect(await entries()).toBe(3);
    await purgeDroppedData(db.kv);
    expect(await entries()).toBe(0);
  });

  it("rejects a query vector of other dimensions (22000) and an hnsw index on a vector without dimensions", async () => {
    await db.sql("CREATE TABLE t (id int PRIMARY KEY, v vector(3), c int)");
    await db.sql("INSERT INTO t VALUES (1, '[1,0,0]', 1)");
    await db.sql("CREATE INDEX ON t USING hnsw (v)");
    const err = await db.sql("SELECT id FROM t ORDER BY v <-> $1 LIMIT 1", [Float32Array.of(1, 2)]).catch((e: unknown) => e);
    expect(sqlstateOf(err)).toBe("22000");
    expect((err as Error).message).toBe("different vector dimensions 3 and 2");
    await db.sql("CREATE TABLE u (id int PRIMARY KEY, v vector)");
    const e2 = await db.sql("CREATE INDEX ON u USING hnsw (v)").catch((e: unknown) => e);
    expect(sqlstateOf(e2)).toBe("22023");
    expect((e2 as Error).message).toBe("column does not have dimensions");
  });

  it("matches exact search on random small tables with NULLs, ties, offsets and every metric", async () => {
    const random = seededRandom(99);
    for (const [opclass, op] of [["vector_l2_ops", "<->"], ["vector_cosine_ops", "<=>"], ["vector_ip_ops", "<#>"]] as const) {
      await db.sql("DROP TABLE IF EXISTS t");
      // The cosine table has no primary key: its entries are keyed by the hidden row id.
      await db.sql(`CREATE TABLE t (id int ${op === "<=>" ? "" : "PRIMARY KEY"}, v vector(2), c int)`);
      const values: string[] = [];
      for (let id = 0; id < 40; id++) {
        const v = random() < 0.2 ? "NULL" : `'[${Math.floor(random() * 4)},${Math.floor(random() * 4)}]'`;
        values.push(`(${id}, ${v}, ${id % 3})`);
      }
      await db.sql(`INSERT INTO t VALUES ${values.join(", ")}`);
      const queriesSql = ["SELECT id, v OPQ d FROM t ORDER BY v OPQ LIMIT 5", "SELECT id FROM t WHERE c > 0 ORDER BY v OPQ LIMIT 4 OFFSET 2", "SELECT id FROM t ORDER BY v OPQ LIMIT 39", "SELECT id FROM t WHERE c <> 0 ORDER BY v OPQ LIMIT 30"].map((s) =>
        s.replaceAll("OPQ", `${op} '[1,2]'`).replace(` ${op} '[1,2]' d`, ` ${op} '[1,2]' AS d`),
      );
      const exact = await Promise.all(queriesSql.map(async (s) => (await db.sql(s)).rows));
      await db.sql(`CREATE INDEX ON t USING hnsw (v ${opclass})`);
      for (const [i, s] of queriesSql.entries()) {
        expect((await db.sql(`EXPLAIN ${s}`)).rows.map((r) => r[0]).join("\n"), s).toContain("Vector Search");
        expect((await db.sql(s)).rows, `${opclass}: ${s}`).toEqual(exact[i]);
      }
      // Another metric's operator, a descending order, a second sort key or no LIMIT cannot use the index.
      const other = op === "<->" ? "<=>" : "<->";
      for (const order of [`v ${other} '[1,2]' LIMIT 3`, `v ${op} '[1,2]' DESC LIMIT 3`, `v ${op} '[1,2]', id LIMIT 3`, `v ${op} '[1,2]'`]) {
        expect((await db.sql(`EXPLAIN SELECT id FROM t ORDER BY ${order}`)).rows.map((r) => r[0]).join("\n"), order).not.toContain("Vector Search");
      }
    }
  });
});
