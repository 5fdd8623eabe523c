import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BackgroundWorkers } from "../storage/background/workers.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../storage/testing/temp-dir.js";
import { TxnStore } from "./txn-store.js";

const key = (i: number) => Buffer.from(`row${String(i).padStart(6, "0")}`);

let dir: string;
beforeEach(() => {
  dir = makeTempDir("alopex-point-bloom-");
});
afterEach(() => removeTempDir(dir));

/** Block cache lookups (hits + misses): each is a data or index block a read needed. */
function blockLookups(store: TxnStore): number {
  const c = store.engine.stats().blockCache;
  return c.hits + c.misses;
}

describe("MVCC point reads and the tables' bloom filters", () => {
  // Tables are keyed on logical keys (a user key, every version of it) whether the engine's thread
  // or the background worker builds them, so a read of a key a table lacks skips it unread.
  it.each([
    ["on the engine's thread", false],
    ["in a background thread", true],
  ] as const)("skip tables that lack the key (tables built %s)", async (_where, inWorker) => {
    const workers = new BackgroundWorkers();
    const store = await TxnStore.open(dir, { storage: { ...SMALL_ENGINE_CONFIG, wal_sync: "none" }, backgroundWorkers: inWorker ? workers : false });
    try {
      // Even rows only, a few versions each, spread over several flushed tables.
      for (let round = 0; round < 3; round++) {
        const tx = await store.begin();
        for (let i = 0; i < 2000; i += 2) await tx.put(key(i), Buffer.from(`v${round}-${i}`));
        await tx.commit();
      }
      await store.engine.flush();
      await store.engine.whenBackgroundIdle();
      const tables = store.engine.stats().levels.reduce((n, l) => n + l.files, 0);
      expect(tables).toBeGreaterThan(2);
      if (inWorker) expect(workers.stats().flushes).toBeGreaterThan(0);

      const tx = await store.begin();
      const before = blockLookups(store);
      for (let i = 1; i < 2000; i += 2) expect(await tx.get(key(i))).toBeUndefined();
      const absentLookups = blockLookups(store) - before;
      for (let i = 0; i < 2000; i += 2) expect((await tx.get(key(i)))?.toString()).toBe(`v2-${i}`);
      const presentLookups = blockLookups(store) - before - absentLookups;
      await tx.commit();
      // About 1% of the 1000 absent reads pass a filter by mistake; every present one reads its block.
      expect(absentLookups).toBeLessThan(100);
      expect(presentLookups).toBeGreaterThanOrEqual(1000);
    } finally {
      await store.close();
      await workers.close();
    }
  });
});
