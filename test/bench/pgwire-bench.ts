/**
 * `pnpm bench:pgwire`: pgbench against an `alopex server` process and a PostgreSQL 15 instance,
 * in one run, with the same workloads and durability:
 *
 *   select-only   pgbench -S   (one indexed point read per transaction)
 *   tpcb          pgbench      (TPC-B: three updates, a read and an insert per transaction)
 *
 * each with `-M prepared` at 1, 8 and 32 clients. Both sides are initialised with
 * `pgbench -i -s <scale>` and run at Read Committed (PostgreSQL's default; Alopex's is Snapshot),
 * with every commit fsynced (PostgreSQL: fsync on, synchronous_commit on; Alopex: wal_sync
 * always). PostgreSQL gets a throwaway cluster (initdb in a temporary directory, 127.0.0.1, run
 * as the postgres user when this runs as root).
 *
 *   pnpm bench:pgwire [--quick] [--seconds S] [--scale N] [--clients 1,8,32] [--cpu-prof DIR]
 *
 * `--cpu-prof DIR` starts the Alopex server under `node --cpu-prof` (profiles land in DIR).
 * Runs alternate between the servers per (workload, clients) point. The last line is one JSON
 * object with every figure and the ratios (Alopex / PostgreSQL).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, promisify } from "node:util";
import { spawnServer } from "@alopex/server";

const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    seconds: { type: "string" },
    scale: { type: "string", default: "1" },
    clients: { type: "string" },
    "cpu-prof": { type: "string" },
  },
});
const quick = args.quick;
const seconds = Number(args.seconds ?? (quick ? 2 : 5));
const scale = Number(args.scale);
const clientCounts = (args.clients ?? "1,8,32").split(",").map(Number);
const cpuProfDir = args["cpu-prof"];

const PG_BIN = "/usr/lib/postgresql/15/bin";
const PGBENCH = [`${PG_BIN}/pgbench`, "/usr/bin/pgbench"].find((p) => fs.existsSync(p));
const READ_COMMITTED = "-c default_transaction_isolation=read\\ committed";

interface Target {
  readonly name: "alopex" | "postgresql";
  readonly port: number;
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

function fail(message: string): never {
  console.error(`bench:pgwire: ${message}`);
  process.exit(1);
}

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function startAlopex(): Promise<Target> {
  const dir = tempDir("alopex-pgbench-");
  const nodeArgs = cpuProfDir ? ["--cpu-prof", "--cpu-prof-dir", path.resolve(cpuProfDir)] : [];
  const server = spawnServer({
    dataDir: dir,
    nodeArgs,
    readyTimeoutMs: 60_000,
    env: { ALOPEX_LISTEN_HOST: "127.0.0.1", ALOPEX_LOG_LEVEL: "info", ALOPEX_SLOW_QUERY_MS: "60000", ALOPEX_STORAGE_WAL_SYNC: "always" },
  });
  const { pgwire: port } = await server.ready;
  return {
    name: "alopex",
    port,
    env: { PGUSER: "alopex", PGDATABASE: "alopex", PGOPTIONS: READ_COMMITTED },
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  return exited;
}

/** A throwaway PostgreSQL 15 cluster; as root, it runs as the postgres user (initdb refuses root). */
async function startPostgres(): Promise<Target> {
  if (!fs.existsSync(`${PG_BIN}/initdb`)) fail(`PostgreSQL 15 is not installed (${PG_BIN}/initdb)`);
  const dir = tempDir("alopex-pgbench-pg-");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) spawnSync("chown", ["-R", "postgres", dir]);
  const as = (cmd: string, cmdArgs: string[]) => (asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...cmdArgs]] : [cmd, cmdArgs]) as [string, string[]];
  const port = 20000 + Math.floor(Math.random() * 20000);
  const [initCmd, initArgs] = as(`${PG_BIN}/initdb`, ["-D", `${dir}/data`, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const init = spawnSync(initCmd, initArgs, { encoding: "utf8" });
  if (init.status !== 0) fail(`initdb failed: ${init.stderr}`);
  const [pgCmd, pgArgs] = as(`${PG_BIN}/postgres`, ["-D", `${dir}/data`, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=100"]);
  const child = spawn(pgCmd, pgArgs, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  for (let i = 0; ; i++) {
    const ready = spawnSync(`${PG_BIN}/pg_isready`, ["-h", "127.0.0.1", "-p", String(port)], { encoding: "utf8" });
    if (ready.status === 0) break;
    if (i > 100 || child.exitCode !== null) fail(`PostgreSQL did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    name: "postgresql",
    port,
    env: { PGUSER: "postgres", PGDATABASE: "postgres" },
    async stop() {
      await stopChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function pgbench(t: Target, pgbenchArgs: string[]): Promise<string> {
  const env = { ...process.env, PGHOST: "127.0.0.1", PGPORT: String(t.port), ...t.env };
  try {
    const r = await run(PGBENCH!, pgbenchArgs, { env, maxBuffer: 64 * 1024 * 1024, timeout: 30 * 60_000 });
    return r.stdout + r.stderr;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    fail(`pgbench ${pgbenchArgs.join(" ")} against ${t.name} failed: ${x.stderr ?? x.message}`);
  }
}

interface Figure {
  readonly tps: number;
  readonly latencyMs: number;
  readonly failed: number;
}

function parse(out: string): Figure {
  const tps = Number(/tps = ([\d.]+)/.exec(out)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(out)?.[1]);
  const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);
  if (!Number.isFinite(tps)) fail(`no tps in pgbench output:\n${out}`);
  return { tps, latencyMs, failed };
}

async function main(): Promise<void> {
  if (!PGBENCH) fail("pgbench is not installed");
  const targets = [await startAlopex(), await startPostgres()];
  const stopAll = async () => {
    for (const t of targets) await t.stop();
  };
  process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
  try {
    const initSeconds: Record<string, number> = {};
    for (const t of targets) {
      const started = performance.now();
      await pgbench(t, ["-i", "-s", String(scale), "-q"]);
      initSeconds[t.name] = (performance.now() - started) / 1000;
      console.log(`${t.name}: pgbench -i -s ${scale} in ${initSeconds[t.name]!.toFixed(1)} s`);
    }
    const workloads = [
      { name: "select-only", flags: ["-S"] },
      { name: "tpcb", flags: [] },
    ];
    const results: { workload: string; clients: number; alopex: Figure; postgresql: Figure; tpsRatio: number }[] = [];
    console.log(`\n${seconds} s per run, -M prepared, scale ${scale}, Read Committed, fsync on both sides\n`);
    console.log("workload      clients   alopex tps  lat ms   postgres tps  lat ms   ratio");
    for (const w of workloads) {
      for (const clients of clientCounts) {
        const flags = [...w.flags, "-M", "prepared", "-c", String(clients), "-j", String(Math.min(clients, os.cpus().length)), "-T", String(seconds), "-n"];
        const figures: Partial<Record<Target["name"], Figure>> = {};
        // Vacuum-free runs (-n): each side starts from where the last run left it, alike.
        for (const t of targets) figures[t.name] = parse(await pgbench(t, flags));
        const a = figures.alopex!;
        const p = figures.postgresql!;
        const tpsRatio = a.tps / p.tps;
        results.push({ workload: w.name, clients, alopex: a, postgresql: p, tpsRatio });
        const cell = (f: Figure) => `${f.tps.toFixed(0).padStart(10)} ${f.latencyMs.toFixed(2).padStart(7)}${f.failed ? ` (${f.failed} failed)` : ""}`;
        console.log(`${w.name.padEnd(12)} ${String(clients).padStart(7)}  ${cell(a)}    ${cell(p)}   ${tpsRatio.toFixed(2).padStart(5)}`);
      }
    }
    const at8 = (w: string) => results.find((r) => r.workload === w && r.clients === 8)?.tpsRatio;
    const goals = {
      selectOnlyAt8: { target: 0.8, ratio: at8("select-only"), met: (at8("select-only") ?? 0) >= 0.8 },
      tpcbAt8: { target: 0.5, ratio: at8("tpcb"), met: (at8("tpcb") ?? 0) >= 0.5 },
    };
    console.log(
      `\ngoals at 8 clients: select-only ${goals.selectOnlyAt8.ratio?.toFixed(2) ?? "-"}x (goal 0.8x, ${goals.selectOnlyAt8.met ? "met" : "not met"}), ` +
        `TPC-B ${goals.tpcbAt8.ratio?.toFixed(2) ?? "-"}x (goal 0.5x, ${goals.tpcbAt8.met ? "met" : "not met"})`,
    );
    console.log(JSON.stringify({ bench: "pgwire", scale, seconds, mode: "prepared", isolation: "read committed", fsync: true, initSeconds, results, goals }));
  } finally {
    await stopAll();
  }
}

await main();
