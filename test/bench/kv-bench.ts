/**
 * `pnpm bench:kv`: db_bench-style workloads on Alopex's storage engine and on classic-level
 * (LevelDB) side by side, in one run, with the same keys, values, order and sync setting.
 *
 *   pnpm bench:kv [--quick] [--keys N] [--sync] [--segments N] [--seed N]
 *
 * Each workload's rate is the median over timed segments; the last line is one JSON object.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ClassicLevel } from "classic-level";
import { openStorageAdapter, runWorkload, WORKLOADS, type BenchParams, type KvBenchAdapter, type WorkloadName } from "@alopex/server";

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    keys: { type: "string" },
    sync: { type: "boolean", default: false },
    segments: { type: "string", default: "5" },
    seed: { type: "string", default: "42" },
    "cache-mb": { type: "string", default: "64" },
    "memtable-mb": { type: "string", default: "64" },
  },
});

const params: BenchParams = {
  keys: Number(args.keys ?? (args.quick ? 100_000 : 1_000_000)),
  keyBytes: 16,
  valueBytes: 100,
  seed: Number(args.seed),
  segments: Number(args.segments),
};
const cacheBytes = Number(args["cache-mb"]) * 1024 * 1024;
const memtableBytes = Number(args["memtable-mb"]) * 1024 * 1024;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "alopex-bench-kv-"));

async function openAlopex(dir: string): Promise<KvBenchAdapter & { stats?: () => { writeAmplification: number } }> {
  const a = await openStorageAdapter(dir, {
    config: {
      wal_sync: args.sync ? "always" : "none",
      memtable_size: memtableBytes,
      block_cache_size: cacheBytes,
      buffer_pool_size: Math.max(cacheBytes, 256 * 1024 * 1024),
    },
  });
  return { ...a, stats: () => a.engine.stats() };
}

async function openLevel(dir: string): Promise<KvBenchAdapter> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, {
    keyEncoding: "buffer",
    valueEncoding: "buffer",
    cacheSize: cacheBytes,
    writeBufferSize: memtableBytes,
  });
  await db.open();
  const opts = { sync: args.sync };
  return {
    name: "classic-level",
    put: (key, value) => db.put(key, value, opts),
    get: (key) => db.get(key),
    seek: async (start, limit) => (await db.iterator({ gte: start, limit }).all()).length,
    readAll: async () => {
      let n = 0;
      const it = db.iterator();
      for (let batch = await it.nextv(1000); batch.length > 0; batch = await it.nextv(1000)) n += batch.length;
      await it.close();
      return n;
    },
    close: () => db.close(),
  };
}

type Engine = "alopex" | "classic-level";
const openers: Record<Engine, (dir: string) => Promise<KvBenchAdapter>> = { alopex: openAlopex, "classic-level": openLevel };
const results: Record<Engine, Partial<Record<WorkloadName, number>>> = { alopex: {}, "classic-level": {} };
let writeAmplification = 0;

const ENGINES = ["alopex", "classic-level"] as const;

/**
 * fillseq on fresh engines; then fillrandom on fresh engines, followed by every read workload on
 * them. The engines alternate workload by workload, so both see the same stretch of machine noise.
 */
async function runAll(): Promise<void> {
  const seq = await Promise.all(ENGINES.map((e) => openers[e](path.join(root, `${e}-seq`))));
  for (const [i, e] of ENGINES.entries()) results[e].fillseq = (await runWorkload(seq[i]!, "fillseq", params)).opsPerSec;
  for (const db of seq) await db.close();
  for (const e of ENGINES) fs.rmSync(path.join(root, `${e}-seq`), { recursive: true, force: true });

  const dbs = await Promise.all(ENGINES.map((e) => openers[e](path.join(root, `${e}-random`))));
  for (const w of WORKLOADS.filter((w) => w !== "fillseq")) {
    for (const [i, e] of ENGINES.entries()) {
      results[e][w] = (await runWorkload(dbs[i]!, w, params)).opsPerSec;
      process.stderr.write(`  ${e} ${w}: ${Math.round(results[e][w]!).toLocaleString()} ops/s\n`);
    }
  }
  const stats = (dbs[0] as { stats?: () => { writeAmplification: number } }).stats;
  if (stats) writeAmplification = stats().writeAmplification;
  for (const db of dbs) await db.close();
}

try {
  process.stderr.write(`keys=${params.keys} key=${params.keyBytes}B value=${params.valueBytes}B sync=${args.sync} cache=${args["cache-mb"]}MiB memtable=${args["memtable-mb"]}MiB\n`);
  await runAll();
  const rows = WORKLOADS.map((w) => {
    const ours = results.alopex[w]!;
    const theirs = results["classic-level"][w]!;
    return { workload: w, alopex: Math.round(ours), classicLevel: Math.round(theirs), ratio: Number((ours / theirs).toFixed(2)) };
  });
  console.log(`\n${"workload".padEnd(12)} ${"alopex ops/s".padStart(14)} ${"classic-level".padStart(14)} ${"ratio".padStart(7)}`);
  for (const r of rows) console.log(`${r.workload.padEnd(12)} ${r.alopex.toLocaleString().padStart(14)} ${r.classicLevel.toLocaleString().padStart(14)} ${r.ratio.toFixed(2).padStart(7)}`);
  console.log(`alopex write amplification: ${writeAmplification.toFixed(2)}`);
  console.log(
    JSON.stringify({
      bench: "kv",
      keys: params.keys,
      sync: args.sync,
      workloads: Object.fromEntries(rows.map((r) => [r.workload, { alopex: r.alopex, classicLevel: r.classicLevel, ratio: r.ratio }])),
      writeAmplification: Number(writeAmplification.toFixed(2)),
    }),
  );
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
