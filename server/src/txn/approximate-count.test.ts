import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { TxnStore } from "./txn-store.js";

/** Keys `t<id:5>` with a 0x00 byte in each (escaped in storage keys), and a neighbouring prefix. */
const key = (prefix: string, id: number): Buffer => Buffer.concat([Buffer.from(prefix), Buffer.of(0), Buffer.from(String(id).padStart(5, "0"))]);

describe("TxnStore.approximateCount", () => {
  let dir: string;
  let store: TxnStore;
  beforeEach(async () => {
    dir = makeTempDir("alopex-txn-");
    store = await TxnStore.open(dir, { storage: { memtable_size: 4 * 1024 * 1024, target_file_size: 64 * 1024, wal_sync: "none" } });
  });
  afterEach(async () => {
    await store.close();
    removeTempDir(dir);
  });

  async function write(prefix: string, from: number, to: number, tag: string): Promise<void> {
    for (let i = from; i < to; i += 100) {
      const t = await store.begin();
      for (let id = i; id < Math.min(to, i + 100); id++) await t.put(key(prefix, id), Buffer.from(`${tag}${id}`));
      await t.commit();
    }
  }

  it("counts user keys once whatever their versions, per user-key range, from memtables and tables", async () => {
    await write("a", 0, 2000, "v1-");
    await write("b", 0, 500, "v1-");
    // Second versions of half the keys: still one key each.
    await write("a", 0, 1000, "v2-");
    const within = (n: number, want: number, tolerance: number) => expect(Math.abs(n - want), `${n} vs ${want}`).toBeLessThanOrEqual(tolerance);

    within(store.approximateCount({ start: Buffer.from("a"), end: Buffer.from("b") }), 2000, 700);
    await store.engine.compact();
    // Off by at most the sampling stride of each table at each bound (2500 keys: ~40).
    within(store.approximateCount({ start: Buffer.from("a"), end: Buffer.from("b") }), 2000, 40);
    within(store.approximateCount({ start: Buffer.from("b"), end: Buffer.from("c") }), 500, 40);
    within(store.approximateCount({ start: key("a", 500), end: key("a", 1500) }), 1000, 100);
    // The open range covers the data keys only, not the store's system records.
    within(store.approximateCount({}), 2500, 30);
    // Nothing there; a table ending in a system record interpolates a little into the gap.
    expect(store.approximateCount({ start: Buffer.from("c") })).toBeLessThan(5);
  });
});
