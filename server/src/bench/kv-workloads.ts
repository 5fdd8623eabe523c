/**
 * db_bench-style workloads over any key-value engine, through a small adapter, so our engine and
 * a peer run the same operations with the same keys in one process.
 */
import { mulberry32 } from "../common/mulberry32.js";
export { mulberry32 };
export interface KvBenchAdapter {
  readonly name: string;
  put(key: Buffer, value: Buffer): Promise<void>;
  get(key: Buffer): Promise<Buffer | undefined>;
  /** Reads up to `limit` entries from the first key >= start; returns how many it read. */
  seek(start: Buffer, limit: number): Promise<number>;
  /** Reads every entry in order; returns how many. */
  readAll(): Promise<number>;
  close(): Promise<void>;
}

export type WorkloadName = "fillseq" | "fillrandom" | "overwrite" | "readrandom" | "readmissing" | "seekrandom" | "readseq";
export const WORKLOADS: readonly WorkloadName[] = ["fillseq", "fillrandom", "overwrite", "readrandom", "readmissing", "seekrandom", "readseq"];

export interface BenchParams {
  readonly keys: number;
  readonly keyBytes: number;
  readonly valueBytes: number;
  readonly seed: number;
  /** Each workload's ops are timed in this many equal segments; the median segment rate is reported. */
  readonly segments: number;
}

export interface WorkloadResult {
  readonly workload: WorkloadName;
  readonly ops: number;
  /** Median over segments of ops per second. */
  readonly opsPerSec: number;
}

/** Key i as `keyBytes` bytes: zero-padded decimal, so numeric order is byte order. */
export function benchKey(i: number, keyBytes: number): Buffer {
  return Buffer.from(String(i).padStart(keyBytes, "0"));
}

/** A key that sorts among the real ones but is never written (a suffix the real keys lack). */
function missingKey(i: number, keyBytes: number): Buffer {
  return Buffer.from(String(i).padStart(keyBytes - 1, "0") + "x");
}

export function shuffled(n: number, random: () => number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
  return a;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `op(i)` for i in [0, n) in segments; returns the median segment rate. */
async function timed(n: number, segments: number, op: (i: number) => Promise<unknown>): Promise<number> {
  const rates: number[] = [];
  const per = Math.max(1, Math.floor(n / segments));
  for (let s = 0; s * per < n; s++) {
    const end = Math.min(n, (s + 1) * per);
    const t0 = process.hrtime.bigint();
    for (let i = s * per; i < end; i++) await op(i);
    const ns = Number(process.hrtime.bigint() - t0);
    rates.push(((end - s * per) * 1e9) / Math.max(ns, 1));
  }
  return median(rates);
}

/** The value written for key index i (distinct per write so overwrites change bytes). */
function valueFor(i: number, round: number, valueBytes: number): Buffer {
  const v = Buffer.alloc(valueBytes, 97 + ((i + round) % 26));
  v.writeUInt32BE((i * 2654435761) >>> 0, 0);
  return v;
}

/**
 * Runs one workload. `fillseq`/`fillrandom` expect an empty engine; the others expect the keys
 * written by a fill. The caller opens and closes engines (fills need fresh ones).
 */
export async function runWorkload(db: KvBenchAdapter, workload: WorkloadName, p: BenchParams): Promise<WorkloadResult> {
  const order = shuffled(p.keys, mulberry32(p.seed + WORKLOADS.indexOf(workload)));
  const key = (i: number) => benchKey(i, p.keyBytes);
  let ops = p.keys;
  let rate: number;
  switch (workload) {
    case "fillseq":
      rate = await timed(p.keys, p.segments, (i) => db.put(key(i), valueFor(i, 0, p.valueBytes)));
      break;
    case "fillrandom":
    case "overwrite":
      rate = await timed(p.keys, p.segments, (i) => db.put(key(order[i]!), valueFor(order[i]!, workload === "overwrite" ? 1 : 0, p.valueBytes)));
      break;
    case "readrandom":
      rate = await timed(p.keys, p.segments, async (i) => {
        if ((await db.get(key(order[i]!))) === undefined) throw new Error(`readrandom: ${db.name} lost key ${order[i]}`);
      });
      break;
    case "readmissing":
      rate = await timed(p.keys, p.segments, async (i) => {
        if ((await db.get(missingKey(order[i]!, p.keyBytes))) !== undefined) throw new Error(`readmissing: ${db.name} found a missing key`);
      });
      break;
    case "seekrandom":
      ops = Math.max(1, Math.floor(p.keys / 10));
      rate = await timed(ops, p.segments, (i) => db.seek(key(order[i]!), 11));
      break;
    case "readseq": {
      const t0 = process.hrtime.bigint();
      ops = await db.readAll();
      rate = (ops * 1e9) / Number(process.hrtime.bigint() - t0);
      if (ops !== p.keys) throw new Error(`readseq: ${db.name} read ${ops} entries, want ${p.keys}`);
      break;
    }
  }
  return { workload, ops, opsPerSec: rate };
}
