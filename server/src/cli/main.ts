import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { openStorageAdapter } from "../bench/storage-adapter.js";
import { runWorkload, WORKLOADS, type BenchParams } from "../bench/kv-workloads.js";
import { formatBytes } from "../config/size.js";
import { ConfigError, type StorageConfigInput } from "../config/storage-config.js";
import { loadServerConfig, type FlagValue } from "../config/load-server-config.js";
import { Database } from "../api/embedded.js";
import { sqlstateOf } from "../common/sqlstate-error.js";
import { addServerCommand } from "./server-command.js";

const VERSION = "0.1.0";

interface GlobalOptions {
  dataDir?: string;
  config?: string;
  sync?: "always" | "interval" | "none";
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
}

/** The global options as config sources (they apply to every command). */
function globalFlags(g: GlobalOptions): FlagValue[] {
  return [
    ...(g.dataDir !== undefined ? [{ key: "data_dir", value: g.dataDir, flag: "--data-dir" }] : []),
    ...(g.sync !== undefined ? [{ key: "storage.wal_sync", value: g.sync, flag: "--sync" }] : []),
  ];
}

/** Data directory and storage settings from the same sources as the server's (file < ALOPEX_* < flags). */
function localConfig(g: GlobalOptions): { dataDir: string; storage: StorageConfigInput } {
  const c = loadServerConfig({ ...(g.config !== undefined && { file: g.config }), flags: globalFlags(g) });
  return { dataDir: c.data_dir, storage: c.storage };
}

async function withDatabase<T>(g: GlobalOptions, fn: (db: Database) => Promise<T> | T): Promise<T> {
  const { dataDir, storage } = localConfig(g);
  const db = await Database.open(dataDir, { storage });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const program = new Command("alopex")
  .description("Alopex: a distributed SQL + vector database")
  .version(VERSION, "-V, --version")
  .option("-d, --data-dir <dir>", "data directory (env ALOPEX_DATA_DIR; default ~/.alopex/data)")
  .option("-c, --config <file>", "config file, YAML or JSON (env ALOPEX_CONFIG; keys in README.md, storage settings under storage:)")
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
    const config = { ...localConfig(g).storage, wal_sync: g.sync ?? "none" } as const;
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

addServerCommand(program, () => {
  const g = program.opts<GlobalOptions>();
  return { ...(g.config !== undefined && { config: g.config }), flags: globalFlags(g) };
});

program
  .command("sql [statement]")
  .description("run SQL: a statement, a file (-f) or a script on stdin, on the data directory or on a running server (--url)")
  .option("-f, --file <file>", "run the statements of a SQL file")
  .option("--url <url>", "a running server, e.g. postgres://alopex@127.0.0.1:5432/alopex (default: open the data directory directly)")
  .option("--progress", "always show a progress bar")
  .option("--no-progress", "never show a progress bar")
  .action(async (statement: string | undefined, o: { file?: string; url?: string; progress?: boolean }) => {
    // Loaded on use: the pg driver and the progress bar cost every other command startup time.
    const { readScript, runSqlCommand } = await import("./sql-command.js");
    const script = readScript(statement, o);
    process.exitCode = await runSqlCommand(script, o, localConfig(program.opts<GlobalOptions>()));
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Expected failures print one line with their SQLSTATE; anything else is a bug and shows its stack.
  const sqlstate = sqlstateOf(e);
  if (e instanceof Error && sqlstate !== undefined) {
    console.error(`alopex: ${e.message} (SQLSTATE ${sqlstate})`);
    const hint = (e as { hint?: unknown }).hint;
    if (typeof hint === "string") console.error(`HINT:  ${hint}`);
    process.exitCode = 2;
  } else if (e instanceof ConfigError) {
    console.error(`alopex: ${e.message}`);
    process.exitCode = 2;
  } else throw e;
}
