/**
 * `pnpm bench:vector`: k-nearest-neighbour search through SQL next to a bare usearch index.
 *
 *   pnpm bench:vector [--quick] [--rows N] [--dims D] [--queries Q] [--ef 10,20,40,80,160]
 *                     [--m M] [--ef-construction E] [--batch B] [--seconds S] [--segments N] [--seed N]
 *
 * Seeded clustered vectors (100k × 128 dims; --quick 10k) are loaded through the embedded API
 * (`db.sql` with parameters, multi-row INSERTs of --batch rows), then `CREATE INDEX ... USING hnsw`
 * builds the index and `compact()` settles the store; a first query starts the merged graph over
 * all tables, which is waited for (and timed). For each ef_search in the sweep, a session
 * runs `SELECT id FROM t ORDER BY v <-> $1 LIMIT 10` for every query vector, one at a time:
 * recall@10 against exact search, and queries per second; the same queries run on a bare usearch
 * index with the same m / ef_construction / ef_search (built with one thread, searched one query
 * at a time with one thread, as the SQL path does), in timed segments that take turns with ours;
 * each rate is the median of its segments. It prints the ratio of our QPS to
 * usearch's at the lowest ef_search where both reach recall@10 >= 0.95, the build rates, and as
 * the last line one JSON object with every figure.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { clusteredVectors, Database } from "@alopex/server";
import { Index, MetricKind, ScalarKind } from "usearch";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    rows: { type: "string" },
    dims: { type: "string", default: "128" },
    queries: { type: "string" },
    ef: { type: "string", default: "10,20,40,80,160" },
    m: { type: "string", default: "16" },
    "ef-construction": { type: "string", default: "64" },
    batch: { type: "string", default: "500" },
    seconds: { type: "string" },
    segments: { type: "string" },
    seed: { type: "string", default: "42" },
  },
});

const rows = Number(args.rows ?? (args.quick ? 10_000 : 100_000));
const dims = Number(args.dims);
const queryCount = Number(args.queries ?? (args.quick ? 100 : 200));
const efs = args.ef.split(",").map(Number);
const m = Number(args.m);
const efConstruction = Number(args["ef-construction"]);
const batch = Number(args.batch);
/** Each ef_search point runs `segments` segments of at least this long per side, taking turns. */
const seconds = Number(args.seconds ?? (args.quick ? 0.3 : 1));
const segments = Number(args.segments ?? (args.quick ? 3 : 5));
const seed = Number(args.seed);
const K = 10;
const RECALL_GOAL = 0.95;
for (const [what, n] of [["rows", rows], ["dims", dims], ["queries", queryCount], ["m", m], ["ef-construction", efConstruction], ["batch", batch], ["seconds", seconds], ["segments", segments]] as const) {
  if (!(n > 0)) throw new Error(`--${what} must be positive`);
}
if (efs.some((e) => !Number.isInteger(e) || e < 1 || e > 1000)) throw new Error("--ef: want integers in 1..1000");

interface Point {
  efSearch: number;
  recall: number;
  qps: number;
}

// ---- data and ground truth -------------------------------------------------------------------

const log = (s: string) => console.log(s);
log(`bench:vector: ${rows} vectors × ${dims} dims, ${queryCount} queries, m=${m} ef_construction=${efConstruction}, ef_search ${efs.join(",")}, seed ${seed}`);

// One draw, so the queries come from the same clusters as the data.
const all = clusteredVectors({ count: rows + queryCount, dims, clusters: 100, spread: 0.6, seed });
const data = all.slice(0, rows);
const queries = all.slice(rows);

function exactTopK(q: Float32Array): number[] {
  const best: { id: number; d: number }[] = [];
  for (let id = 0; id < data.length; id++) {
    const v = data[id]!;
    let d = 0;
    for (let i = 0; i < dims; i++) {
      const x = v[i]! - q[i]!;
      d += x * x;
    }
    if (best.length < K || d < best[best.length - 1]!.d) {
      best.push({ id, d });
      best.sort((a, b) => a.d - b.d || a.id - b.id);
      if (best.length > K) best.pop();
    }
  }
  return best.map((b) => b.id);
}

let t0 = performance.now();
const truth = queries.map(exactTopK);
log(`exact top-${K} of ${queryCount} queries: ${((performance.now() - t0) / 1000).toFixed(1)} s`);

function recallOf(results: readonly (readonly number[])[]): number {
  let hit = 0;
  results.forEach((r, i) => {
    const t = new Set(truth[i]);
    for (const id of r.slice(0, K)) if (t.has(id)) hit++;
  });
  return hit / (results.length * K);
}

type Search = (q: Float32Array) => Promise<number[]> | number[];

async function recallOfSearch(search: Search): Promise<number> {
  const results: number[][] = [];
  for (const q of queries) results.push(await search(q));
  return recallOf(results);
}

/** Queries per second over one segment of `seconds` (the whole query set, repeatedly). */
async function segmentQps(search: Search): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    for (const q of queries) await search(q);
    n += queries.length;
  }
  return n / ((performance.now() - start) / 1000);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---- bare usearch, built first so that both sides' segments can take turns -----------------------

const imageDir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-vector-bench-usearch-"));
const image = path.join(imageDir, "index.usearch");
const usearchConfig = { dimensions: dims, metric: MetricKind.L2sq, quantization: ScalarKind.F32, connectivity: m, expansion_add: efConstruction, multi: false };
let usearchBuildRate = 0;
{
  const built = new Index({ ...usearchConfig, expansion_search: efs[0]! });
  t0 = performance.now();
  for (let id = 0; id < rows; id++) built.add(BigInt(id), data[id]!, 1);
  usearchBuildRate = rows / ((performance.now() - t0) / 1000);
  built.save(image);
  log(`usearch build: ${Math.round(usearchBuildRate)} vectors/s (one thread)`);
}

// ---- Alopex, through SQL, with usearch alongside -------------------------------------------------

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-vector-bench-"));
const db = await Database.open(dir, { storage: { wal_sync: "none" } });
const ours: Point[] = [];
const bare: Point[] = [];
let loadRate = 0;
let buildRate = 0;
let buildWithCompactionRate = 0;
let mergedBuildSeconds = 0;
try {
  await db.sql(`CREATE TABLE t (id int PRIMARY KEY, v vector(${dims}))`);
  const tuples = Array.from({ length: batch }, (_, i) => `($${2 * i + 1}, $${2 * i + 2})`);
  t0 = performance.now();
  for (let at = 0; at < rows; at += batch) {
    const n = Math.min(batch, rows - at);
    const params: unknown[] = [];
    for (let i = 0; i < n; i++) params.push(at + i, data[at + i]);
    await db.sql(`INSERT INTO t VALUES ${tuples.slice(0, n).join(", ")}`, params);
  }
  loadRate = rows / ((performance.now() - t0) / 1000);
  log(`load: ${Math.round(loadRate)} rows/s (INSERTs of ${batch} rows)`);

  t0 = performance.now();
  await db.sql(`CREATE INDEX t_v ON t USING hnsw (v vector_l2_ops) WITH (m = ${m}, ef_construction = ${efConstruction})`);
  const buildSeconds = (performance.now() - t0) / 1000;
  await db.compact();
  const totalSeconds = (performance.now() - t0) / 1000;
  buildRate = rows / buildSeconds;
  buildWithCompactionRate = rows / totalSeconds;
  log(`CREATE INDEX: ${Math.round(buildRate)} vectors/s; with the compaction after it: ${Math.round(buildWithCompactionRate)} vectors/s`);

  const sql = `SELECT id FROM t ORDER BY v <-> $1 LIMIT ${K}`;
  const session = db.session();
  try {
    const plan = (await session.run(`EXPLAIN ${sql}`, [queries[0]])).rows.map((r) => r[0]).join("\n");
    if (!plan.includes("Vector Search")) throw new Error(`the query does not use the index:\n${plan}`);
    const viaSql: Search = async (q) => (await session.run(sql, [q])).rows.map((row) => Number(row[0]));
    // The first search of the index builds its merged graph in the background (searching table by
    // table meanwhile): wait for it, so that the sweep measures the steady state.
    t0 = performance.now();
    await viaSql(queries[0]!);
    for (;;) {
      const { merged } = db.stats().storage.vectorIndex;
      if (merged.indexes > 0 && merged.uncoveredFiles === 0) break;
      if (merged.refused > 0) throw new Error("the merged vector index does not fit vector_index_memory");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    mergedBuildSeconds = (performance.now() - t0) / 1000;
    log(`merged index built after the first query: ${mergedBuildSeconds.toFixed(1)} s (${Math.round(rows / mergedBuildSeconds)} vectors/s)`);
    for (const ef of efs) {
      await session.run(`SET hnsw.ef_search = ${ef}`);
      // expansion_search is fixed when a usearch index is made, so each ef_search gets its own copy.
      const index = new Index({ ...usearchConfig, expansion_search: ef });
      index.load(image);
      const viaUsearch: Search = (q) => Array.from(index.search(q, K, 1).keys, Number);
      const recall = { ours: await recallOfSearch(viaSql), bare: await recallOfSearch(viaUsearch) };
      // Segments take turns so that noise from the machine lands on both sides alike.
      const qps = { ours: [] as number[], bare: [] as number[] };
      for (let i = 0; i < segments; i++) {
        qps.ours.push(await segmentQps(viaSql));
        qps.bare.push(await segmentQps(viaUsearch));
      }
      ours.push({ efSearch: ef, recall: recall.ours, qps: median(qps.ours) });
      bare.push({ efSearch: ef, recall: recall.bare, qps: median(qps.bare) });
      log(
        `ef_search ${String(ef).padStart(4)}: alopex recall@10 ${recall.ours.toFixed(3)} ${String(Math.round(median(qps.ours))).padStart(6)} q/s | usearch recall@10 ${recall.bare.toFixed(3)} ${String(Math.round(median(qps.bare))).padStart(6)} q/s`,
      );
    }
  } finally {
    await session.close();
  }
} finally {
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(imageDir, { recursive: true, force: true });
}

// ---- summary -----------------------------------------------------------------------------------

const lowest = (points: readonly Point[]) => points.find((p) => p.recall >= RECALL_GOAL);
const oursAt = lowest(ours);
const bareAt = lowest(bare);
const ratio = oursAt && bareAt ? oursAt.qps / bareAt.qps : undefined;
if (ratio === undefined) {
  log(`no ef_search in the sweep reached recall@10 >= ${RECALL_GOAL} on ${oursAt ? "usearch" : "alopex"}`);
} else {
  log(
    `at recall@10 >= ${RECALL_GOAL}: alopex ${Math.round(oursAt!.qps)} q/s (ef_search ${oursAt!.efSearch}), usearch ${Math.round(bareAt!.qps)} q/s (ef_search ${bareAt!.efSearch}): ratio ${ratio.toFixed(2)} (goal >= 0.5: ${ratio >= 0.5 ? "met" : "not met"})`,
  );
}
log(`build: alopex CREATE INDEX ${Math.round(buildRate)} vectors/s (${Math.round(buildWithCompactionRate)} with compaction), usearch ${Math.round(usearchBuildRate)} vectors/s`);
console.log(
  JSON.stringify({
    bench: "vector",
    rows,
    dims,
    queries: queryCount,
    k: K,
    m,
    efConstruction,
    seed,
    loadRowsPerSec: Math.round(loadRate),
    build: {
      alopexVectorsPerSec: Math.round(buildRate),
      alopexWithCompactionVectorsPerSec: Math.round(buildWithCompactionRate),
      mergedIndexSeconds: Number(mergedBuildSeconds.toFixed(2)),
      usearchVectorsPerSec: Math.round(usearchBuildRate),
    },
    alopex: ours.map((p) => ({ efSearch: p.efSearch, recall: Number(p.recall.toFixed(4)), qps: Math.round(p.qps) })),
    usearch: bare.map((p) => ({ efSearch: p.efSearch, recall: Number(p.recall.toFixed(4)), qps: Math.round(p.qps) })),
    atRecallGoal: { recall: RECALL_GOAL, alopexEfSearch: oursAt?.efSearch ?? null, usearchEfSearch: bareAt?.efSearch ?? null, qpsRatio: ratio === undefined ? null : Number(ratio.toFixed(3)), goal: 0.5, met: ratio !== undefined && ratio >= 0.5 },
  }),
);
