import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageIoError } from "../storage/errors.js";
import { FaultVfs } from "../storage/fault-vfs.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../storage/testing/temp-dir.js";
import { settled } from "../storage/testing/settled.js";
import { NodeVfs } from "../storage/vfs.js";
import type { IsolationLevel } from "../kv/kv.js";
import { TxnStore } from "./txn-store.js";

// Commits release their locks and become visible before their fsync; acknowledgements wait.
const ALWAYS = { ...SMALL_ENGINE_CONFIG, wal_sync: "always" } as const;
const b = (s: string) => Buffer.from(s);
const str = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString());
const isWal = (p: string) => p.endsWith(".log");

let dir: string;
let vfs: FaultVfs;
let store: TxnStore;

beforeEach(async () => {
  dir = makeTempDir("alopex-elr-");
  vfs = new FaultVfs(new NodeVfs());
  store = await TxnStore.open(dir, { storage: ALWAYS, vfs });
  const t = await store.begin();
  await t.put(b("k"), b("0"));
  await t.commit();
});

afterEach(async () => {
  await store.close().catch(() => undefined);
  removeTempDir(dir);
});

describe("early lock release", () => {
  for (const isolation of ["read-committed", "snapshot", "serializable"] as const) {
    it(`${isolation}: a writer of the same key goes ahead during the first commit's fsync and is acknowledged after it`, async () => {
      const hold = vfs.holdSyncs(isWal);
      const t1 = await store.begin({ isolation });
      await t1.put(b("k"), b(`${str(await t1.get(b("k")))}+1`));
      const c1 = t1.commit();
      expect(await settled(c1)).toBe(false);
      expect(t1.state).toBe("committed");
      // No lock wait and no write conflict: the lock is free and the commit visible to new snapshots.
      const t2 = await store.begin({ isolation, lockTimeoutMs: 50 });
      expect(str(await t2.get(b("k")))).toBe("0+1");
      await t2.put(b("k"), b("0+1+2"));
      const acks: string[] = [];
      const c2 = t2.commit().then(() => acks.push("t2"));
      void c1.then(() => acks.push("t1"));
      // A reader of the commit is not acknowledged before it is durable either.
      const r = await store.begin({ isolation, readOnly: true });
      expect(str(await r.get(b("k")))).toBe("0+1+2");
      const cr = r.commit().then(() => acks.push("reader"));
      expect(await settled(c2)).toBe(false);
      expect(await settled(cr)).toBe(false);
      hold.release();
      await Promise.all([c1, c2, cr]);
      // t2 and the reader became durable in one group; their acknowledgements may come in either order.
      expect(acks[0]).toBe("t1");
      expect([...acks].sort()).toEqual(["reader", "t1", "t2"]);
    });
  }

  it("a transaction whose snapshot holds nothing undurable is acknowledged at once", async () => {
    const before = await store.begin({ readOnly: true });
    const hold = vfs.holdSyncs(isWal);
    const t1 = await store.begin();
    await t1.put(b("k"), b("1"));
    const c1 = t1.commit();
    expect(str(await before.get(b("k")))).toBe("0");
    expect(await settled(before.commit())).toBe(true);
    hold.release();
    await c1;
  });

  it("rolling back after reading an undurable commit waits for it too", async () => {
    const hold = vfs.holdSyncs(isWal);
    const t1 = await store.begin();
    await t1.put(b("k"), b("1"));
    const c1 = t1.commit();
    const r = await store.begin();
    expect(str(await r.get(b("k")))).toBe("1");
    const rolledBack = r.rollback();
    expect(await settled(rolledBack)).toBe(false);
    hold.release();
    await Promise.all([c1, rolledBack]);
  });

  it("a failed fsync fails the commit and everything built on it, and reads go back to what is durable", async () => {
    // The first read fills the store's cache of newest values; it must not outlive the failure.
    const warm = await store.begin();
    expect(str(await warm.get(b("k")))).toBe("0");
    await warm.commit();
    const hold = vfs.holdSyncs(isWal);
    const t1 = await store.begin();
    await t1.put(b("k"), b("lost"));
    const c1 = t1.commit().catch((e: unknown) => e);
    const t2 = await store.begin();
    expect(str(await t2.get(b("k")))).toBe("lost");
    await t2.put(b("j"), b("built on lost"));
    const c2 = t2.commit().catch((e: unknown) => e);
    const r = await store.begin({ readOnly: true });
    expect(str(await r.get(b("k")))).toBe("lost");
    const cr = r.commit().catch((e: unknown) => e);
    expect(await settled(c1)).toBe(false);
    hold.release("EIO");
    for (const outcome of await Promise.all([c1, c2, cr])) {
      expect(outcome).toBeInstanceOf(StorageIoError);
      expect((outcome as StorageIoError).sqlstate).toBe("58030");
    }
    const after = await store.begin({ readOnly: true });
    expect(str(await after.get(b("k")))).toBe("0");
    expect(await after.get(b("j"))).toBeUndefined();
    await expect(after.commit()).resolves.toBeUndefined();
  });
});

describe("power loss with early lock release", () => {
  const COUNTERS = 3;
  const counter = (i: number) => b(`c${i}`);

  /**
   * Writers bump counters that every transaction contends for; readers read them all. At a random
   * point the power goes out (unsynced bytes vanish). Every value a client was acknowledged,
   * written or read, must be there after recovery: readers see commits before they are durable,
   * so this fails if a reader were acknowledged before what it saw is.
   */
  it("no acknowledged write or read is lost at any crash point", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 5, max: 300 }), fc.integer({ min: 2, max: 8 }), fc.integer(), async (crashAfter, clients, seed) => {
        const d = makeTempDir("alopex-elr-power-");
        try {
          const power = new FaultVfs(new NodeVfs());
          const s = await TxnStore.open(d, { storage: ALWAYS, vfs: power });
          const init = await s.begin();
          for (let i = 0; i < COUNTERS; i++) await init.put(counter(i), b("0"));
          await init.commit();
          const acked = new Array<number>(COUNTERS).fill(0);
          let ops = 0;
          let down = false;
          let rnd = seed >>> 0;
          const random = () => ((rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0) / 2 ** 32);
          const writer = async (isolation: IsolationLevel) => {
            const i = Math.floor(random() * COUNTERS);
            const t = await s.begin({ isolation });
            const v = Number(str(await t.get(counter(i))));
            await t.put(counter(i), b(String(v + 1)));
            await t.commit();
            acked[i] = Math.max(acked[i]!, v + 1);
          };
          const reader = async () => {
            const t = await s.begin({ readOnly: true });
            const seen: number[] = [];
            for (let i = 0; i < COUNTERS; i++) seen.push(Number(str(await t.get(counter(i)))));
            await t.commit();
            seen.forEach((v, i) => (acked[i] = Math.max(acked[i]!, v)));
          };
          await Promise.all(
            Array.from({ length: clients }, async (_, c) => {
              while (!down) {
                if (++ops === crashAfter) {
                  down = true;
                  power.crash();
                  return;
                }
                try {
                  if (c % 2 === 0) await reader();
                  else await writer(random() < 0.5 ? "read-committed" : "snapshot");
                } catch {
                  // A conflict, or the power went out mid-transaction: unacknowledged either way.
                }
              }
            }),
          );
          await s.close().catch(() => undefined);
          const reopened = await TxnStore.open(d, { storage: ALWAYS });
          const t = await reopened.begin({ readOnly: true });
          const recovered: number[] = [];
          for (let i = 0; i < COUNTERS; i++) recovered.push(Number(str(await t.get(counter(i)))));
          await t.commit();
          await reopened.close();
          for (let i = 0; i < COUNTERS; i++) expect(recovered[i], `counter ${i}: acknowledged ${acked[i]}, recovered ${recovered[i]}`).toBeGreaterThanOrEqual(acked[i]!);
        } finally {
          removeTempDir(d);
        }
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});
