/**
 * Deleting what dropped tables, indexes and sequences left behind.
 *
 * DROP only records the key ranges (catalog.ts, markDropped), so it costs the same for any
 * table size and a rollback has nothing to undo. This removes those keys later, in short
 * Read Committed transactions of at most `batchSize` deletes each (nothing else writes there,
 * so they never conflict), and then the record. Safe to interrupt and rerun.
 */
import type { KvStore, KvTransaction } from "../../kv/kv.js";
import { decodeDropped, type DroppedSpan } from "./codec.js";
import { DROPPED_PREFIX, prefixSpan } from "./keys.js";

export interface PurgeOptions {
  /** Keys deleted per transaction; default 1000. */
  readonly batchSize?: number;
}

async function inTransaction<T>(store: KvStore, f: (tx: KvTransaction) => Promise<T>): Promise<T> {
  const tx = await store.begin({ isolation: "read-committed" });
  try {
    const out = await f(tx);
    await tx.commit();
    return out;
  } catch (e) {
    if (tx.state === "active") await tx.rollback();
    throw e;
  }
}

async function keysIn(tx: KvTransaction, span: DroppedSpan, limit: number): Promise<Uint8Array[]> {
  const keys: Uint8Array[] = [];
  for await (const e of tx.scan({ ...span, limit })) keys.push(e.key);
  return keys;
}

/** Purges every committed drop; returns the number of keys deleted. */
export async function purgeDroppedData(store: KvStore, options: PurgeOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, not ${batchSize}`);
  const records = await inTransaction(store, async (tx) => {
    const out: { key: Uint8Array; spans: DroppedSpan[] }[] = [];
    for await (const e of tx.scan(prefixSpan(DROPPED_PREFIX))) out.push({ key: e.key, spans: decodeDropped(e.value) });
    return out;
  });
  let deleted = 0;
  for (const r of records) {
    for (const span of r.spans) {
      for (;;) {
        const n = await inTransaction(store, async (tx) => {
          // Collected first: a cursor does not see deletes made after it was opened.
          const keys = await keysIn(tx, span, batchSize);
          for (const k of keys) await tx.delete(k);
          return keys.length;
        });
        deleted += n;
        if (n < batchSize) break;
      }
    }
    await inTransaction(store, (tx) => tx.delete(r.key));
  }
  return deleted;
}
