import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { openStorageAdapter } from "../bench/storage-adapter.js";
import { runWorkload, WORKLOADS, type BenchParams } from "../bench/kv-workloads.js";
import { formatBytes } from "../config/size.js";
import { ConfigError, type StorageConfigInput } from "../config/storage-config.js";
import { Database } from "../api/embedded.js";
import { sqlstateOf } from "../common/sqlstate-error.js";
import { defaultDataDir } from "./data-dir.js";

const VERSION = "0.1.0";

interface GlobalOptions {
  dataDir: string;
  config?: string;
  sync?: "always" | "interval" | "none";
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/** Storage config from `--config <file.json>` plus flags; validation happens in the engine. */
function storageConfig(g: GlobalOptions): StorageConfigInput {
  const fromFile = g.config ? (JSON.parse(fs.readFileSync(g.config, "utf8")) as StorageConfigInput) : {};
  return { ...fromFile, ...(g.sync && { wal_sync: g.sync }) };
}

async function withDatabase<T>(g: GlobalOptions, fn: (db: Database) => Promise<T> | T): Promise<T> {
  const db = await Database.open(g.dataDir, { storage: storageConfig(g) });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const program = new Command("alopex")
  .description("Alopex: a distributed SQL + vector database")
  .version(VERSION, "-V, --version")
  .option("-d, --data-dir <dir>", "data directory (env ALOPEX_DATA_DIR)", defaultDataDir())
  .option("-c, --config <file>", "storage config as JSON (keys as in docs/ARCHITECTURE.md)")
  .option("--sync <mode>", "WAL sync mode: always | interval | none");

program
  .command("version")
  .description("print the version")
  .action(() => console.log(`alopex ${VERSION} (node ${process.version})`));

const kv = program.command("kv").description("read and write keys in the embedded database (each command is one transaction)");
kv.command("put <key> <value>")
  .description("store a value under a key")
  .action((key: string, value: string) => withDatabase(program.opts<GlobalOptions>(), (db) => db.put(key, value)));
kv.command("get <key>")
  .description("print the value of a key (exit code 1 if absent)")
  .action((key: string) =>
    withDatabase(program.opts<GlobalOptions>(), async (db) => {
      const v = await db.get(key);
      if (v === undefined) {
        console.error(`key not found: ${key}`);
        process.exitCode = 1;
      } else console.log(Buffer.from(v).toString());
    }),
  );
kv.command("delete <key>")
  .description("delete a key")
  .action((key: string) => withDatabase(program.opts<GlobalOptions>(), (db) => db.delete(key)));
kv.command("scan")
  .description("print keys and values in order")
  .option("--start <key>", "first key (inclusive)")
  .option("--end <key>", "end key (exclusive)")
  .option("--limit <n>", "at most this many", positiveInt)
  .option("--reverse", "newest key first")
  .action((o: { start?: string; end?: string; limit?: number; reverse?: boolean }) =>
    withDatabase(program.opts<GlobalOptions>(), async (db) => {
      const rows = await db.scan({
        ...(o.start !== undefined && { start: o.start }),
        ...(o.end !== undefined && { end: o.end }),
        ...(o.limit !== undefined && { limit: o.limit }),
        reverse: o.reverse ?? false,
      });
      for (const { key, value } of rows) console.log(`${Buffer.from(key).toString()}\t${Buffer.from(value).toString()}`);
    }),
  );
kv.command("stats")
  .description("print transaction and storage figures (levels, files, amplification, cache) as JSON")
  .action(() => withDatabase(program.opts<GlobalOptions>(), (db) => console.log(JSON.stringify(db.stats(), null, 2))));
kv.command("compact")
  .description("flush and compact everything into the last level")
  .action(() => withDatabase(program.opts<GlobalOptions>(), (db) => db.compact()));

program
  .command("bench")
  .description("benchmarks of this build (side-by-side comparisons: pnpm bench:kv)")
  .command("kv")
  .description("db_bench-style workloads on the storage engine")
  .option("--quick", "100k keys instead of 1M")
  .option("--keys <n>", "number of keys", positiveInt)
  .option("--segments <n>", "timed segments per workload (median reported)", positiveInt, 5)
  .action(async (o: { quick?: boolean; keys?: number; segments: number }) => {
    const g = program.opts<GlobalOptions>();
    const params: BenchParams = { keys: o.keys ?? (o.quick ? 100_000 : 1_000_000), keyBytes: 16, valueBytes: 100, seed: 42, segments: o.segments };
    const fresh = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `alopex-bench-${name}-`));
    const config = { ...storageConfig(g), wal_sync: g.sync ?? "none" } as const;
    const results: Record<string, number> = {};
    const seqDir = fresh("seq");
    let db = await openStorageAdapter(seqDir, { config });
    results.fillseq = (await runWorkload(db, "fillseq", params)).opsPerSec;
    await db.close();
    fs.rmSync(seqDir, { recursive: true, force: true });
    const dir = fresh("random");
    db = await openStorageAdapter(dir, { config });
    for (const w of WORKLOADS.filter((w) => w !== "fillseq")) {
      results[w] = (await runWorkload(db, w, params)).opsPerSec;
      console.log(`${w.padEnd(12)} ${Math.round(results[w]!).toLocaleString().padStart(12)} ops/s`);
    }
    const stats = db.engine.stats();
    console.log(`write amplification ${stats.writeAmplification.toFixed(2)}, tables ${formatBytes(stats.levels.reduce((n, l) => n + l.bytes, 0))}`);
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
    console.log(JSON.stringify({ bench: "kv", keys: params.keys, opsPerSec: results, writeAmplification: stats.writeAmplification }));
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Expected failures print one line with their SQLSTATE; anything else is a bug and shows its stack.
  const sqlstate = sqlstateOf(e);
  if (e instanceof Error && sqlstate !== undefined) {
    console.error(`alopex: ${e.message} (SQLSTATE ${sqlstate})`);
    process.exitCode = 2;
  } else if (e instanceof ConfigError) {
    console.error(`alopex: ${e.message}`);
    process.exitCode = 2;
  } else throw e;
}
