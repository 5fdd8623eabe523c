/**
 * Raft benchmark: `pnpm bench:raft [--quick]` (from server/).
 *
 *   1. A 3-replica group in one process with the real message codec and in-memory storage:
 *      committed proposals per second and commit latency (propose -> applied on the leader)
 *      with 1 and 64 proposals outstanding.
 *   2. The same with on-disk storage: every Ready is saved and fsynced before its messages go
 *      out, the three replicas' fsyncs overlapping as they would on three machines. 64
 *      outstanding proposals share each fsync (group commit); the ratio against 1 is reported.
 *   3. 1,000 groups x 3 replicas, idle: CPU microseconds per group per tick (heartbeats included).
 *
 * Each figure is the median of several runs (the machine is shared). Prints a table and, as its
 * last line, one JSON object with the figures.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { NodeVfs } from "../../server/src/storage/vfs.js";
import {
  decodeMessage,
  DiskStorage,
  encodeMessage,
  MemoryStorage,
  NO_NODE,
  RaftNode,
  type Message,
  type NodeId,
  type Snapshot,
} from "../../server/src/raft/index.js";
import { Prng } from "../../server/src/raft/sim/prng.js";

const quick = process.argv.includes("--quick");
/** `--only memory` (or disk, idle) runs one part, for profiling. */
const only = process.argv[process.argv.indexOf("--only") + 1];
const runs = (part: string): boolean => !process.argv.includes("--only") || only === part;
const REPS = quick ? 1 : 3;
const MEM_RUN_MS = quick ? 400 : 1200;
const DISK_RUN_MS = quick ? 600 : 1500;
const GROUPS = 1000;
const IDLE_TICKS = quick ? 20 : 50;
const PAYLOAD = Buffer.alloc(64, 7);

type Store = MemoryStorage | DiskStorage;

interface Replica {
  readonly node: RaftNode;
  readonly store: Store;
}

function bootstrapSnapshot(voters: NodeId[]): Snapshot {
  return { meta: { index: 1, term: 1, confState: { voters, learners: [] } }, data: new Uint8Array() };
}

function makeGroup(stores: Store[], seed: number): Replica[] {
  const rng = new Prng(seed);
  return stores.map((store, i) => ({
    store,
    node: new RaftNode({ id: i + 1, storage: store, random: rng.fork(), applied: 1, inflightCountMax: 512 }),
  }));
}

/** Handles one Ready: persist, encode and enqueue messages, report applied entries, advance. */
function persistAndCollect(r: Replica, rd: ReturnType<RaftNode["ready"]>, outbox: Buffer[], onApplied: (index: number) => void): void {
  if (r.store instanceof DiskStorage) r.store.save(rd);
  else {
    if (rd.snapshot !== undefined) r.store.applySnapshot(rd.snapshot);
    r.store.append(rd.entries);
    if (rd.hardState !== undefined) r.store.setHardState(rd.hardState);
  }
  for (const m of rd.messages) outbox.push(encodeMessage(m));
  for (const e of rd.committedEntries) onApplied(e.index);
}

function deliver(group: Replica[], wire: Buffer[]): void {
  for (const buf of wire) {
    const m: Message = decodeMessage(buf);
    (group[m.to - 1] as Replica).node.step(m);
  }
}

function electFirst(group: Replica[]): void {
  const g0 = group[0] as Replica;
  g0.node.campaign();
  for (let round = 0; round < 20; round++) {
    const wire: Buffer[] = [];
    for (const r of group) {
      if (!r.node.hasReady()) continue;
      persistAndCollect(r, r.node.ready(), wire, () => {});
      r.node.advance();
    }
    deliver(group, wire);
  }
  if (g0.node.status().role !== "leader") throw new Error("bench group failed to elect a leader");
}

interface LoadResult {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** Keeps `outstanding` proposals in flight at the leader for `runMs`; in-memory, synchronous rounds. */
function runMemory(outstanding: number, runMs: number, seed: number): LoadResult {
  const group = makeGroup([0, 1, 2].map(() => MemoryStorage.fromSnapshot(bootstrapSnapshot([1, 2, 3]), { term: 1, vote: NO_NODE, commit: 1 })), seed);
  electFirst(group);
  return drive(group, outstanding, runMs, () => undefined) as LoadResult;
}

/** The shared load loop; `syncAll` (disk) returns a promise to await between rounds. */
function drive(group: Replica[], outstanding: number, runMs: number, syncAll: () => Promise<void> | undefined): LoadResult | Promise<LoadResult> {
  const leader = group[0] as Replica;
  const started = new Map<number, number>();
  const latencies: number[] = [];
  let wire: Buffer[] = [];
  const t0 = performance.now();
  let committed = 0;
  const onLeaderApplied = (index: number): void => {
    const s = started.get(index);
    if (s === undefined) return;
    started.delete(index);
    latencies.push(performance.now() - s);
    committed++;
  };
  const finish = (): LoadResult => {
    const secs = (performance.now() - t0) / 1000;
    const sorted = Float64Array.from(latencies).sort();
    // Compaction keeps memory flat over long runs.
    return { opsPerSec: committed / secs, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
  };
  const round = (): void => {
    while (started.size < outstanding) {
      const r = leader.node.propose(PAYLOAD);
      if (r.kind !== "accepted") throw new Error(`proposal rejected: ${r.reason}`);
      started.set(r.index, performance.now());
    }
    const next: Buffer[] = [];
    deliver(group, wire);
    for (const r of group) {
      if (!r.node.hasReady()) continue;
      persistAndCollect(r, r.node.ready(), next, r === leader ? onLeaderApplied : () => {});
      toAdvance.push(r);
    }
    wire = next;
  };
  const toAdvance: Replica[] = [];
  const advanceAll = (): void => {
    for (const r of toAdvance) r.node.advance();
    toAdvance.length = 0;
  };
  const compact = (): void => {
    for (const r of group) {
      const applied = r.node.status().applied;
      if (applied - r.store.firstIndex() > 20_000) r.store.createSnapshot(applied - 1000, r.node.confState(), new Uint8Array());
    }
  };
  const sync = syncAll();
  if (sync === undefined) {
    let n = 0;
    while (performance.now() - t0 < runMs) {
      round();
      advanceAll();
      if (++n % 256 === 0) compact();
    }
    return finish();
  }
  return (async () => {
    await sync;
    while (performance.now() - t0 < runMs) {
      round();
      await syncAll();
      advanceAll();
      compact();
    }
    return finish();
  })();
}

async function runDisk(outstanding: number, runMs: number, seed: number): Promise<LoadResult> {
  const vfs = new NodeVfs();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "raft-bench-"));
  const stores = [1, 2, 3].map((id) => {
    const s = DiskStorage.open(vfs, path.join(root, `n${id}`));
    s.bootstrap(bootstrapSnapshot([1, 2, 3]), { term: 1, vote: NO_NODE, commit: 1 });
    return s;
  });
  try {
    const group = makeGroup(stores, seed);
    electFirst(group);
    return await drive(group, outstanding, runMs, () => Promise.all(stores.map((s) => s.sync())).then(() => undefined));
  } finally {
    for (const s of stores) s.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** CPU cost of idle groups: all replicas tick, leaders heartbeat, followers answer. */
function runIdleMultiRaft(groups: number, ticks: number): { cpuUsPerGroupPerTick: number; heapBytesPerGroup: number } {
  const heapBefore = process.memoryUsage().heapUsed;
  const all: Replica[][] = [];
  for (let g = 0; g < groups; g++) {
    const stores = [0, 1, 2].map(() => MemoryStorage.fromSnapshot(bootstrapSnapshot([1, 2, 3]), { term: 1, vote: NO_NODE, commit: 1 }));
    const group = makeGroup(stores, g + 1);
    electFirst(group);
    all.push(group);
  }
  const heapBytesPerGroup = (process.memoryUsage().heapUsed - heapBefore) / groups;
  const tickAll = (): void => {
    for (const group of all) {
      for (const r of group) r.node.tick();
      let wire: Buffer[] = [];
      for (let hop = 0; hop < 2; hop++) {
        deliver(group, wire);
        wire = [];
        for (const r of group) {
          if (!r.node.hasReady()) continue;
          persistAndCollect(r, r.node.ready(), wire, () => {});
          r.node.advance();
        }
      }
      deliver(group, wire);
    }
  };
  for (let i = 0; i < 5; i++) tickAll();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < ticks; i++) tickAll();
  const cpu = process.cpuUsage(cpu0);
  return { cpuUsPerGroupPerTick: (cpu.user + cpu.system) / groups / ticks, heapBytesPerGroup };
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function medianOf(reps: number, run: (rep: number) => LoadResult | Promise<LoadResult>): Promise<LoadResult> {
  const rs: LoadResult[] = [];
  for (let i = 0; i < reps; i++) rs.push(await run(i));
  return { opsPerSec: median(rs.map((r) => r.opsPerSec)), p50Ms: median(rs.map((r) => r.p50Ms)), p99Ms: median(rs.map((r) => r.p99Ms)) };
}

async function main(): Promise<void> {
  const skipped: LoadResult = { opsPerSec: NaN, p50Ms: NaN, p99Ms: NaN };
  // Warm the JIT so the first measured configuration is not charged for compilation.
  if (runs("memory")) runMemory(64, quick ? 300 : 500, 1);
  const mem1 = runs("memory") ? await medianOf(REPS, (i) => runMemory(1, MEM_RUN_MS, 10 + i)) : skipped;
  const mem64 = runs("memory") ? await medianOf(REPS, (i) => runMemory(64, MEM_RUN_MS, 20 + i)) : skipped;
  const disk1 = runs("disk") ? await medianOf(REPS, (i) => runDisk(1, DISK_RUN_MS, 30 + i)) : skipped;
  const disk64 = runs("disk") ? await medianOf(REPS, (i) => runDisk(64, DISK_RUN_MS, 40 + i)) : skipped;
  const idle = runs("idle") ? runIdleMultiRaft(GROUPS, IDLE_TICKS) : { cpuUsPerGroupPerTick: NaN, heapBytesPerGroup: NaN };
  const rows: [string, LoadResult][] = [
    ["memory, 1 proposer", mem1],
    ["memory, 64 proposers", mem64],
    ["disk (fsync), 1 proposer", disk1],
    ["disk (fsync), 64 proposers", disk64],
  ];
  console.log(`raft-bench (${quick ? "quick" : "full"}; medians of ${REPS} runs; 3 replicas, 64-byte proposals)`);
  console.log("configuration                  commits/s    p50 ms    p99 ms");
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(28)} ${r.opsPerSec.toFixed(0).padStart(11)} ${r.p50Ms.toFixed(3).padStart(9)} ${r.p99Ms.toFixed(3).padStart(9)}`);
  }
  const groupCommitSpeedup = disk64.opsPerSec / disk1.opsPerSec;
  console.log(`disk group-commit speedup (64 vs 1): ${groupCommitSpeedup.toFixed(1)}x (goal >= 10x)`);
  console.log(`memory 64 proposers: ${mem64.opsPerSec.toFixed(0)}/s (goal >= 100000/s)`);
  console.log(
    `idle multi-raft, ${GROUPS} groups x 3 replicas: ${idle.cpuUsPerGroupPerTick.toFixed(2)} CPU us per group per tick ` +
      `(${((idle.cpuUsPerGroupPerTick * 10) / 1000).toFixed(3)} ms CPU per group per second at 10 ticks/s), ` +
      `~${(idle.heapBytesPerGroup / 1024).toFixed(1)} KiB heap per group`,
  );
  const round = (x: number, d = 3): number => Number(x.toFixed(d));
  console.log(
    JSON.stringify({
      quick,
      reps: REPS,
      memory1: { opsPerSec: round(mem1.opsPerSec, 0), p50Ms: round(mem1.p50Ms), p99Ms: round(mem1.p99Ms) },
      memory64: { opsPerSec: round(mem64.opsPerSec, 0), p50Ms: round(mem64.p50Ms), p99Ms: round(mem64.p99Ms) },
      disk1: { opsPerSec: round(disk1.opsPerSec, 0), p50Ms: round(disk1.p50Ms), p99Ms: round(disk1.p99Ms) },
      disk64: { opsPerSec: round(disk64.opsPerSec, 0), p50Ms: round(disk64.p50Ms), p99Ms: round(disk64.p99Ms) },
      groupCommitSpeedup: round(groupCommitSpeedup, 2),
      idleGroups: GROUPS,
      idleCpuUsPerGroupPerTick: round(idle.cpuUsPerGroupPerTick),
      idleHeapBytesPerGroup: round(idle.heapBytesPerGroup, 0),
    }),
  );
}

await main();
