/** What the transaction crash child writes, shared with the test that checks it after a kill. */
import { SMALL_ENGINE_CONFIG } from "../../storage/testing/temp-dir.js";

/** Small memtables, so kills also land during flushes and compactions. */
export const CRASH_STORAGE = { ...SMALL_ENGINE_CONFIG, wal_sync: "always", memtable_size: 16 * 1024 } as const;

export const COUNTER_KEY = "counter";

/** Key i of n written by transaction `id`; `kind` c commits, p prepares. */
export const txnKey = (kind: "c" | "p", id: string, i: number) => `${kind}/${id}/${i}`;

/** The key a preparing transaction reads, so that it holds a read lock while prepared. */
export const readKey = (id: string) => `pr/${id}`;

export const gidOf = (id: string) => `g${id}`;

/** A value names its transaction, its index and how many keys the transaction wrote. */
export const txnValue = (id: string, i: number, n: number, pad: number) => `${id}:${i}/${n}:${"x".repeat(pad)}`;

export function parseTxnValue(value: string): { readonly id: string; readonly i: number; readonly n: number } | undefined {
  const m = /^([\d.]+):(\d+)\/(\d+):x*$/.exec(value);
  return m ? { id: m[1]!, i: Number(m[2]), n: Number(m[3]) } : undefined;
}
