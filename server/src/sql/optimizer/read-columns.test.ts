/**
 * Which columns each table scan decodes, statement by statement: SQL in, per scan alias the
 * columns read ("*": every column). Scans of subqueries are planned as the executor plans
 * them (planQuery on the plan the expression carries) and listed under their own aliases.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TxnStore } from "../../txn/txn-store.js";
import { AnalyzerContext, ParamTypes } from "../analyzer/context.js";
import { analyzeStatement } from "../analyzer/statement.js";
import { Catalog, type Index } from "../catalog/index.js";
import { SqlEngine } from "../engine.js";
import { parseSql } from "../parser/index.js";
import type { ScalarExpr } from "../plan/expr.js";
import type { PhysicalPlan } from "../plan/physical.js";
import type { Session } from "../session/session.js";
import { planQuery, type PlannerOptions } from "./planner.js";
import { NO_STATS } from "./stats.js";

const SETUP = [
  "CREATE TABLE t (a int PRIMARY KEY, b int, c text, d text)",
  "CREATE INDEX t_b ON t (b)",
  "CREATE TABLE u (x int PRIMARY KEY, y int, z text)",
  "CREATE TABLE w (k int, v text, e text)",
];

/** [SQL, scans: alias → columns read, in table order ("*" for all, "" for none)]. */
const CASES: readonly (readonly [string, Readonly<Record<string, string>>])[] = [
  ["SELECT count(*) FROM t", { t: "" }],
  ["SELECT sum(b) FROM t", { t: "b" }],
  ["SELECT * FROM t", { t: "*" }],
  ["SELECT a FROM t WHERE c = 'x'", { t: "a,c" }],
  // The key range (here on the index of b) selects the rows: b itself is not decoded.
  ["SELECT a FROM t WHERE b = 3", { t: "a" }],
  ["SELECT a FROM t WHERE b = 3 AND c <> d", { t: "a,c,d" }],
  ["SELECT a FROM t ORDER BY d LIMIT 3", { t: "a,d" }],
  ["SELECT b, count(*) FROM t GROUP BY b HAVING max(c) > 'a'", { t: "b,c" }],
  ["SELECT count(DISTINCT c) FILTER (WHERE d IS NULL) FROM t", { t: "c,d" }],
  ["SELECT string_agg(c, ',' ORDER BY d) FROM t", { t: "c,d" }],
  ["SELECT a, row_number() OVER (PARTITION BY b ORDER BY c) FROM t", { t: "a,b,c" }],
  ["SELECT sum(b) OVER (ORDER BY a ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM t", { t: "a,b" }],
  // Subqueries: the outer scan keeps what they read of it, the subquery's scan what it reads itself.
  ["SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.x = t.b)", { t: "a,b", u: "" }],
  ["SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.y = t.b)", { t: "a,b", u: "y" }],
  // EXISTS reads no column of the rows its subquery returns.
  ["SELECT a FROM t WHERE NOT EXISTS (SELECT * FROM u WHERE u.z = t.c)", { t: "a,c", u: "z" }],
  ["SELECT a FROM t WHERE EXISTS (SELECT DISTINCT y FROM u WHERE u.z = t.c)", { t: "a,c", u: "y,z" }],
  ["SELECT a FROM t WHERE EXISTS (SELECT y, length(z) FROM u)", { t: "a", u: "z" }],
  ["SELECT (SELECT u FROM (SELECT y AS u FROM u WHERE x = t.a) s) FROM t", { t: "a", u: "y" }],
  ["SELECT (SELECT max(z) FROM u WHERE u.y = t.b) FROM t", { t: "b", u: "y,z" }],
  ["SELECT count(*) FROM t WHERE b IN (SELECT y FROM u)", { t: "b", u: "y" }],
  ["SELECT count(*) FROM t WHERE c = ANY (SELECT z FROM u WHERE u.x > t.a)", { t: "a,c", u: "z" }],
  ["SELECT a FROM t WHERE EXISTS (SELECT 1 FROM u WHERE EXISTS (SELECT 1 FROM w WHERE w.k = t.b AND w.v = u.z))", { t: "a,b", u: "z", w: "k,v" }],
  ["SELECT b, (SELECT count(*) FROM u WHERE u.y = t.b) FROM t GROUP BY b", { t: "b", u: "y" }],
  // Joins and FROM items.
  ["SELECT t.a, u.z FROM t JOIN u ON t.b = u.x", { t: "a,b", u: "x,z" }],
  ["SELECT count(*) FROM t LEFT JOIN u ON t.c = u.z", { t: "c", u: "z" }],
  ["SELECT t.a, l.m FROM t, LATERAL (SELECT max(y) AS m FROM u WHERE u.x = t.b) l", { t: "a,b", u: "y" }],
  ["SELECT a FROM (SELECT a, b, c FROM t) s", { t: "a" }],
  ["SELECT count(*) FROM (SELECT * FROM t) s", { t: "" }],
  ["SELECT ud FROM (SELECT a, upper(d) AS ud FROM t) s", { t: "d" }],
  ["SELECT count(*) FROM (SELECT a, upper(d) AS ud FROM t) s", { t: "d" }],
  ["SELECT count(*) FROM (SELECT length(c) AS l FROM t) s", { t: "c" }],
  ["WITH q AS (SELECT * FROM t) SELECT a FROM q", { t: "a" }],
  ["WITH q AS (SELECT * FROM t) SELECT a FROM q UNION ALL SELECT b FROM q", { t: "a,b" }],
  ["WITH q AS (SELECT * FROM t) SELECT count(*) FROM u WHERE u.x IN (SELECT a FROM q)", { t: "*", u: "x" }],
  ["WITH RECURSIVE r(n, s) AS (SELECT a, c FROM t UNION SELECT n + 1, s FROM r WHERE n < 3) SELECT count(*) FROM r", { t: "a,c" }],
  ["SELECT count(*) FROM (SELECT a, c FROM t UNION ALL SELECT x, z FROM u) s", { t: "", u: "" }],
  ["SELECT a FROM (SELECT a, c FROM t UNION ALL SELECT x, z FROM u) s", { t: "a", u: "x" }],
  ["SELECT a FROM (SELECT a, c FROM t UNION SELECT x, z FROM u) s", { t: "a,c", u: "x,z" }],
  ["SELECT count(*) FROM (SELECT a, c FROM t EXCEPT ALL SELECT x, z FROM u) s", { t: "a,c", u: "x,z" }],
  ["SELECT count(*) FROM (SELECT DISTINCT b, c FROM t) s", { t: "b,c" }],
  ["SELECT count(*) FROM (SELECT DISTINCT ON (b) b, c FROM t ORDER BY b, d) s", { t: "b,d" }],
  ["SELECT w.k FROM w", { w: "k" }],
  // Writes keep whole rows of what they rewrite, and read only what they use of the rest.
  ["UPDATE t SET b = 1 WHERE c = 'x'", { t: "*" }],
  ["UPDATE t SET b = u.y FROM u WHERE u.x = t.a", { t: "*", u: "x,y" }],
  ["UPDATE t SET b = (SELECT max(y) FROM u WHERE u.z = t.c)", { t: "*", u: "y,z" }],
  ["DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE t.a = u.x AND u.z = 'q')", { t: "*", u: "z" }],
  ["DELETE FROM w WHERE v = 'a'", { w: "*" }],
  ["DELETE FROM t WHERE b IN (SELECT y FROM u) RETURNING a", { t: "*", u: "y" }],
  ["INSERT INTO u SELECT a, b, c FROM t", { t: "a,b,c" }],
  ["INSERT INTO u SELECT a, b FROM t WHERE d = 'x'", { t: "a,b,d" }],
  ["INSERT INTO t SELECT * FROM t ON CONFLICT (a) DO UPDATE SET b = t.b + 1", { t: "*" }],
  ["INSERT INTO u (x) SELECT a FROM t RETURNING y", { t: "a" }],
  ["SELECT a FROM t FOR UPDATE", { t: "*" }],
  ["SELECT t.a FROM t JOIN u ON t.b = u.x FOR UPDATE", { t: "*", u: "*" }],
];

class Harness {
  private constructor(
    private readonly dir: string,
    private readonly store: TxnStore,
    private readonly engine: SqlEngine,
    private readonly session: Session,
  ) {}

  static async open(): Promise<Harness> {
    const dir = mkdtempSync(join(tmpdir(), "alopex-read-columns-"));
    const store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
    const engine = new SqlEngine(store);
    return new Harness(dir, store, engine, engine.session());
  }

  async exec(sql: string): Promise<void> {
    for await (const r of this.session.query(sql)) for (let b = await r.fetch(); !b.done; b = await r.fetch());
  }

  /** Alias → columns the statement's scans (subqueries' included) decode. */
  async reads(sql: string): Promise<Record<string, string>> {
    const tx = await this.store.begin({ isolation: "snapshot", readOnly: true });
    try {
      const catalog = Catalog.of(tx, { store: this.store, cache: this.engine.catalogCache });
      const ctx = new AnalyzerContext(catalog, new ParamTypes([]));
      const logical = await analyzeStatement(parseSql(sql)[0]!, ctx);
      const indexes = new Map<number, readonly Index[]>();
      for (const u of ctx.tableUses) indexes.set(u.id, await catalog.indexesOf(u.id));
      const options: PlannerOptions = { indexes: (id) => indexes.get(id) ?? [], stats: NO_STATS };
      const out: Record<string, string> = {};
      collectScans(planQuery(logical, options), options, out);
      return out;
    } finally {
      await tx.rollback();
    }
  }

  async close(): Promise<void> {
    await this.session.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Catalog objects and functions hold nothing to look into. */
const SKIP = new Set(["table", "index", "indexes", "fn", "compare", "type", "est"]);

/** Records each table scan under `node` (a plan or part of one); subquery plans are planned first. */
function collectScans(node: unknown, options: PlannerOptions, out: Record<string, string>, seen = new Set<object>()): void {
  if (typeof node !== "object" || node === null || seen.has(node)) return;
  seen.add(node);
  const n = node as { kind?: string };
  if (n.kind === "subquery") {
    const sub = node as Extract<ScalarExpr, { kind: "subquery" }>;
    collectScans(planQuery(sub.plan, options, sub.mode === "exists" ? "existence" : "rows"), options, out, seen);
    collectScans(sub.input, options, out, seen);
    return;
  }
  if (n.kind === "scan") {
    const scan = node as Extract<PhysicalPlan, { kind: "scan" }>;
    const names = scan.reads ? scan.reads.map((i) => scan.table.columns[i]!.name).join(",") : "*";
    if (scan.alias in out && out[scan.alias] !== names) throw new Error(`scans of ${scan.alias} read differently: ${out[scan.alias]} and ${names}`);
    out[scan.alias] = names;
  }
  for (const [k, v] of Object.entries(node)) if (!SKIP.has(k)) collectScans(v, options, out, seen);
}

describe("columns table scans read", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await Harness.open();
    for (const s of SETUP) await h.exec(s);
  });

  afterAll(async () => {
    await h.close();
  });

  for (const [sql, want] of CASES) {
    it(sql, async () => {
      expect(await h.reads(sql)).toEqual(want);
    });
  }
});
