/**
 * Transaction benchmark workloads: small read-modify-write transactions from concurrent clients
 * against the `kv` store, and the raw storage engine's write rate for the same keys and values,
 * so `pnpm bench:txn` can show what the transaction layer costs on top of the engine.
 */
import type { IsolationLevel, KvStore } from "../kv/kv.js";
import type { StorageEngine } from "../storage/engine.js";
import { WriteBatch } from "../storage/write-batch.js";
import { benchKey, mulberry32 } from "./kv-workloads.js";

export interface TxnBenchParams {
  /** Key space: keys 0..keys-1, preloaded, chosen uniformly at random. */
  readonly keys: number;
  readonly keyBytes: number;
  readonly valueBytes: number;
}

export interface TxnSegmentResult {
  readonly seconds: number;
  readonly commits: number;
  /** Every try, committed or not: a retry after 40001/40P01 is a new attempt. */
  readonly attempts: number;
  readonly aborts: number;
  /** Begin of the first attempt to the resolved commit, in milliseconds, per committed transaction. */
  readonly latenciesMs: Float64Array;
}

export interface RawSegmentResult {
  readonly seconds: number;
  /** Engine writes (`put` calls, or batches for the 2-put variant) acknowledged. */
  readonly ops: number;
}

/** The value written for key index i; its first 8 bytes are the counter the workload bumps. */
function initialValue(i: number, valueBytes: number): Buffer {
  const v = Buffer.alloc(valueBytes, 97 + (i % 26));
  v.writeBigUInt64BE(0n, 0);
  return v;
}

const PRELOAD_BATCH = 1000;

/** Writes every key once, in large transactions so a synced store preloads in a few fsyncs. */
export async function preloadTxnStore(store: KvStore, p: TxnBenchParams): Promise<void> {
  for (let first = 0; first < p.keys; first += PRELOAD_BATCH) {
    const tx = await store.begin();
    for (let i = first; i < Math.min(p.keys, first + PRELOAD_BATCH); i++) await tx.put(benchKey(i, p.keyBytes), initialValue(i, p.valueBytes));
    await tx.commit();
  }
}

export async function preloadEngine(engine: StorageEngine, p: TxnBenchParams): Promise<void> {
  for (let first = 0; first < p.keys; first += PRELOAD_BATCH) {
    const batch = new WriteBatch();
    for (let i = first; i < Math.min(p.keys, first + PRELOAD_BATCH); i++) batch.put(benchKey(i, p.keyBytes), initialValue(i, p.valueBytes));
    await engine.write(batch);
  }
}

const RETRYABLE = new Set(["40001", "40P01"]);
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
// A logical transaction that keeps failing this often points at a bug, not at contention.
const MAX_ATTEMPTS = 10_000;

function isRetryable(e: unknown): boolean {
  return typeof e === "object" && e !== null && "sqlstate" in e && typeof e.sqlstate === "string" && RETRYABLE.has(e.sqlstate);
}

/** The read value with its counter incremented: a write that depends on the read. */
function bumped(prev: Uint8Array | undefined, valueBytes: number): Buffer {
  const v = Buffer.alloc(valueBytes, 97);
  if (prev !== undefined && prev.length >= 8) {
    Buffer.from(prev.buffer, prev.byteOffset, prev.byteLength).copy(v, 0, 0, Math.min(prev.length, valueBytes));
    v.writeBigUInt64BE(v.readBigUInt64BE(0) + 1n, 0);
  }
  return v;
}

/** One attempt: read two keys, write both back changed, commit. Throws what the store throws. */
async function readModifyWrite(store: KvStore, isolation: IsolationLevel, a: Buffer, b: Buffer, valueBytes: number): Promise<void> {
  const tx = await store.begin({ isolation });
  try {
    const va = await tx.get(a);
    const vb = await tx.get(b);
    await tx.put(a, bumped(va, valueBytes));
    await tx.put(b, bumped(vb, valueBytes));
    await tx.commit();
  } catch (e) {
    if (tx.state === "active") await tx.rollback();
    throw e;
  }
}

/** Two distinct random keys. */
function pickPair(random: () => number, keys: number, keyBytes: number): [Buffer, Buffer] {
  const i = Math.floor(random() * keys);
  let j = Math.floor(random() * (keys - 1));
  if (j >= i) j++;
  return [benchKey(i, keyBytes), benchKey(j, keyBytes)];
}

/**
 * `clients` concurrent loops of read-modify-write transactions for `durationMs`. A client starts
 * no new transaction after the deadline; the segment lasts until the last one finishes, so the
 * rate counts whole transactions over the time they really took.
 */
export async function runTxnSegment(
  store: KvStore,
  p: TxnBenchParams,
  run: { readonly isolation: IsolationLevel; readonly clients: number; readonly durationMs: number; readonly seed: number },
): Promise<TxnSegmentResult> {
  let commits = 0;
  let attempts = 0;
  let aborts = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  const deadline = t0 + run.durationMs;
  const client = async (c: number): Promise<void> => {
    const random = mulberry32(run.seed * 1000 + c);
    while (performance.now() < deadline) {
      const [a, b] = pickPair(random, p.keys, p.keyBytes);
      const start = performance.now();
      for (let attempt = 1; ; attempt++) {
        attempts++;
        try {
          await readModifyWrite(store, run.isolation, a, b, p.valueBytes);
          break;
        } catch (e) {
          if (!isRetryable(e) || attempt >= MAX_ATTEMPTS) throw e;
          aborts++;
          // A real client's retry is at least a round trip away. Retrying within the same run of
          // microtasks could starve the event loop turn that the commit holding back the read
          // timestamp waits for (a memtable switch, a background-work yield), failing forever.
          await yieldToEventLoop();
        }
      }
      commits++;
      latencies.push(performance.now() - start);
    }
  };
  await Promise.all(Array.from({ length: run.clients }, (_, c) => client(c)));
  return { seconds: (performance.now() - t0) / 1000, commits, attempts, aborts, latenciesMs: Float64Array.from(latencies) };
}

/**
 * `clients` concurrent loops of raw engine writes of the same key and value sizes for
 * `durationMs`: one `put` per op, or (`putsPerOp` 2) one two-put batch, the shape of a commit.
 */
export async function runRawSegment(
  engine: StorageEngine,
  p: TxnBenchParams,
  run: { readonly clients: number; readonly durationMs: number; readonly seed: number; readonly putsPerOp: 1 | 2 },
): Promise<RawSegmentResult> {
  let ops = 0;
  const t0 = performance.now();
  const deadline = t0 + run.durationMs;
  const client = async (c: number): Promise<void> => {
    const random = mulberry32(run.seed * 1000 + c);
    let n = 0;
    while (performance.now() < deadline) {
      const value = initialValue(n++, p.valueBytes);
      if (run.putsPerOp === 1) {
        await engine.put(benchKey(Math.floor(random() * p.keys), p.keyBytes), value);
      } else {
        const [a, b] = pickPair(random, p.keys, p.keyBytes);
        await engine.write(new WriteBatch().put(a, value).put(b, value));
      }
      ops++;
    }
  };
  await Promise.all(Array.from({ length: run.clients }, (_, c) => client(c)));
  return { seconds: (performance.now() - t0) / 1000, ops };
}
