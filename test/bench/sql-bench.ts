/**
 * `pnpm bench:sql`: the SQL engine through the embedded API next to better-sqlite3 on the same
 * schema and data, in one run:
 *
 *   point     SELECT ... FROM accounts WHERE id = $1                 (random ids)
 *   range     SELECT ... FROM accounts WHERE id BETWEEN $1 AND $1 + 99  (100 rows)
 *   insert    INSERT INTO events VALUES (...)                         (one row per transaction)
 *   join      orders ⋈ customers ⋈ regions for one customer           (index on orders.customer_id)
 *
 *   pnpm bench:sql [--quick] [--rows N] [--segments N] [--seconds S] [--sync always|none]
 *
 * Durability is the same on both sides: under `--sync always` (default) every insert is durable
 * when acknowledged (Alopex: fsync per group commit; SQLite: WAL mode, synchronous=FULL); under
 * `--sync none` neither syncs (SQLite synchronous=OFF). Segments of each workload alternate
 * between the engines so machine noise lands on both; figures are medians of per-segment rates.
 * The last line is one JSON object.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import BetterSqlite3 from "better-sqlite3";
import { Database } from "@alopex/server";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rows: { type: "string" },
    segments: { type: "string" },
    seconds: { type: "string" },
    sync: { type: "string", default: "always" },
    seed: { type: "string", default: "7" },
  },
});
const quick = args.quick;
const rows = Number(args.rows ?? (quick ? 20_000 : 100_000));
const segments = Number(args.segments ?? (quick ? 3 : 5));
const seconds = Number(args.seconds ?? (quick ? 0.3 : 1));
const sync = args.sync === "none" ? "none" : "always";
const customers = Math.max(10, Math.floor(rows / 10));
const regions = 20;

let state = Number(args.seed) >>> 0;
function rand(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (n: number) => Math.floor(rand() * n);

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const SCHEMA = [
  "CREATE TABLE accounts (id integer PRIMARY KEY, owner text NOT NULL, balance bigint NOT NULL, score double precision)",
  "CREATE TABLE regions (id integer PRIMARY KEY, name text NOT NULL)",
  "CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, region_id integer NOT NULL)",
  "CREATE TABLE orders (id integer PRIMARY KEY, customer_id integer NOT NULL, amount bigint NOT NULL)",
  "CREATE INDEX orders_customer ON orders (customer_id)",
  "CREATE TABLE events (id integer PRIMARY KEY, kind text NOT NULL, payload text)",
];

const QUERIES = {
  point: "SELECT id, owner, balance, score FROM accounts WHERE id = $1",
  range: "SELECT id, owner, balance FROM accounts WHERE id BETWEEN $1 AND $2",
  insert: "INSERT INTO events (id, kind, payload) VALUES ($1, $2, $3)",
  join: "SELECT c.name, r.name, o.id, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id JOIN regions r ON r.id = c.region_id WHERE c.id = $1",
};
type Workload = keyof typeof QUERIES;
const WORKLOADS: Workload[] = ["point", "range", "insert", "join"];

interface Engine {
  name: string;
  run(w: Workload, args: unknown[]): Promise<number> | number;
  close(): Promise<void> | void;
}

/** Every query uses $1, $2, ... once each, in order, so they map onto SQLite's positional `?`. */
const toSqlite = (q: string) => q.replace(/\$\d+/g, "?");

async function load(db: Database, lite: BetterSqlite3.Database): Promise<void> {
  for (const s of SCHEMA) {
    await db.sql(s);
    lite.exec(s);
  }
  const batch = 500;
  const insertBoth = async (table: string, width: number, count: number, row: (i: number) => unknown[]) => {
    const liteStmt = lite.prepare(`INSERT INTO ${table} VALUES (${Array.from({ length: width }, () => "?").join(", ")})`);
    const liteAll = lite.transaction((rs: unknown[][]) => {
      for (const r of rs) liteStmt.run(...r);
    });
    for (let start = 0; start < count; start += batch) {
      const rs: unknown[][] = [];
      for (let i = start; i < Math.min(count, start + batch); i++) rs.push(row(i));
      const placeholders = rs.map((_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(", ")})`).join(", ");
      await db.sql(`INSERT INTO ${table} VALUES ${placeholders}`, rs.flat());
      liteAll(rs);
    }
  };
  await insertBoth("accounts", 4, rows, (i) => [i, `owner-${i}`, BigInt(randInt(1_000_000)), rand() * 100]);
  await insertBoth("regions", 2, regions, (i) => [i, `region-${i}`]);
  await insertBoth("customers", 3, customers, (i) => [i, `customer-${i}`, randInt(regions)]);
  await insertBoth("orders", 3, rows, (i) => [i, randInt(customers), BigInt(randInt(10_000))]);
}

function argsFor(w: Workload, eventId: () => number): unknown[] {
  switch (w) {
    case "point":
      return [randInt(rows)];
    case "range": {
      const a = randInt(rows - 100);
      return [a, a + 99];
    }
    case "insert":
      return [eventId(), "click", `payload-${randInt(1000)}`];
    case "join":
      return [randInt(customers)];
  }
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-sql-bench-"));
  const db = await Database.open(path.join(dir, "alopex"), { storage: { wal_sync: sync } });
  const lite = new BetterSqlite3(path.join(dir, "sqlite.db"));
  lite.pragma("journal_mode = WAL");
  lite.pragma(`synchronous = ${sync === "always" ? "FULL" : "OFF"}`);
  console.log(`bench:sql  rows=${rows} customers=${customers} segments=${segments}x${seconds}s sync=${sync}`);
  const t0 = performance.now();
  await load(db, lite);
  console.log(`loaded both in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const liteStmts = Object.fromEntries(WORKLOADS.map((w) => [w, lite.prepare(toSqlite(QUERIES[w]))])) as Record<Workload, BetterSqlite3.Statement>;
  const engines: Engine[] = [
    {
      name: "alopex",
      run: async (w, a) => (await db.sql(QUERIES[w], a)).rows.length,
      close: () => db.close(),
    },
    {
      name: "sqlite",
      run: (w, a) => {
        const s = liteStmts[w];
        return s.reader ? s.all(...a).length : s.run(...a).changes;
      },
      close: () => {
        lite.close();
      },
    },
  ];
  let nextEvent = 0;
  const ids: Record<string, () => number> = { alopex: () => nextEvent++, sqlite: () => nextEvent++ };
  const rates: Record<string, Record<Workload, number[]>> = {};
  for (const e of engines) rates[e.name] = { point: [], range: [], insert: [], join: [] };
  for (const w of WORKLOADS) {
    for (const e of engines) for (let i = 0; i < 200; i++) await e.run(w, argsFor(w, ids[e.name]!)); // warm-up
    for (let s = 0; s < segments; s++) {
      for (const e of engines) {
        let n = 0;
        const start = performance.now();
        const end = start + seconds * 1000;
        while (performance.now() < end) {
          for (let k = 0; k < 16; k++) await e.run(w, argsFor(w, ids[e.name]!));
          n += 16;
        }
        rates[e.name]![w].push(n / ((performance.now() - start) / 1000));
      }
    }
  }
  const result: Record<string, { alopex: number; sqlite: number; ratio: number }> = {};
  console.log("\nworkload      alopex ops/s    sqlite ops/s    ratio (alopex/sqlite)");
  for (const w of WORKLOADS) {
    const a = median(rates.alopex![w]);
    const l = median(rates.sqlite![w]);
    result[w] = { alopex: Math.round(a), sqlite: Math.round(l), ratio: Number((a / l).toFixed(3)) };
    console.log(`${w.padEnd(12)}  ${a.toFixed(0).padStart(12)}    ${l.toFixed(0).padStart(12)}    ${(a / l).toFixed(3)}`);
  }
  const goals = { pointAtLeast0_3: result.point!.ratio >= 0.3, insertAtLeast0_3: result.insert!.ratio >= 0.3 };
  console.log(`\ngoals (>= 0.3x better-sqlite3): point ${goals.pointAtLeast0_3 ? "met" : "NOT met"}, insert ${goals.insertAtLeast0_3 ? "met" : "NOT met"}`);
  for (const e of engines) await e.close();
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ bench: "sql", rows, sync, segments, seconds, results: result, goals }));
}

await main();
