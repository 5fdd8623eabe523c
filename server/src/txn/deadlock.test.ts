import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempDir, removeTempDir } from "../storage/testing/temp-dir.js";
import { TxnStore } from "./txn-store.js";

const b = (s: string) => Buffer.from(s);

let dir: string;
let store: TxnStore;

beforeEach(async () => {
  dir = makeTempDir("alopex-dl-");
  store = await TxnStore.open(dir, { storage: { wal_sync: "none" } });
});

afterEach(async () => {
  await store.close();
  removeTempDir(dir);
});

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (e) {
    return (e as { sqlstate?: string }).sqlstate ?? String(e);
  }
}

describe("lock waits between transactions", () => {
  it.each(["read-committed", "snapshot", "serializable"] as const)("breaks a two-transaction deadlock with 40P01 (%s)", async (isolation) => {
    const t1 = await store.begin({ isolation });
    const t2 = await store.begin({ isolation });
    await t1.put(b("a"), b("1"));
    await t2.put(b("b"), b("2"));
    const w1 = outcome(t1.put(b("b"), b("1")));
    const w2 = outcome(t2.put(b("a"), b("2")));
    // t2 closes the cycle, so it is the victim; its abort releases "b" and t1 goes on.
    expect(await w2).toBe("40P01");
    expect(t2.state).toBe("aborted");
    expect(await w1).toBe("ok");
    await t1.commit();
    const r = await store.begin();
    expect(Buffer.from((await r.get(b("a")))!).toString()).toBe("1");
    expect(Buffer.from((await r.get(b("b")))!).toString()).toBe("1");
    await r.commit();
    expect(store.stats().active).toBe(0);
    expect(store.locks.stats().lockedTargets).toBe(0);
  });

  it("finds a three-transaction cycle through row locks taken for update", async () => {
    const ts = [await store.begin(), await store.begin(), await store.begin()];
    const keys = ["x", "y", "z"].map(b);
    for (let i = 0; i < 3; i++) await ts[i]!.lockKey(keys[i]!, "exclusive");
    const waits = [outcome(ts[0]!.lockKey(keys[1]!, "exclusive")), outcome(ts[1]!.lockKey(keys[2]!, "shared"))];
    const last = outcome(ts[2]!.put(keys[0]!, b("v")));
    expect(await last).toBe("40P01");
    expect(ts[2]!.state).toBe("aborted");
    await ts[1]!.commit();
    expect(await Promise.all(waits)).toEqual(["ok", "ok"]);
    await ts[0]!.commit();
  });

  it("gives up a lock wait after the lock timeout with 55P03 and aborts the waiter", async () => {
    const holder = await store.begin();
    await holder.put(b("k"), b("1"));
    const waiter = await store.begin({ lockTimeoutMs: 30 });
    const started = Date.now();
    expect(await outcome(waiter.put(b("k"), b("2")))).toBe("55P03");
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(waiter.state).toBe("aborted");
    await holder.commit();
  });

  it("lets shared row locks coexist and makes a writer wait for them", async () => {
    const r1 = await store.begin();
    const r2 = await store.begin();
    await r1.lockKey(b("row"), "shared");
    await r2.lockKey(b("row"), "shared");
    const w = await store.begin({ isolation: "read-committed" });
    let granted = false;
    const wp = w.put(b("row"), b("v")).then(() => (granted = true));
    await new Promise((r) => setImmediate(r));
    expect(granted).toBe(false);
    await r1.commit();
    await new Promise((r) => setImmediate(r));
    expect(granted).toBe(false);
    await r2.rollback();
    await wp;
    expect(granted).toBe(true);
    await w.commit();
  });

  it("orders table locks by the multi-granularity matrix", async () => {
    const a = await store.begin({ lockTimeoutMs: 20 });
    const c = await store.begin({ lockTimeoutMs: 20 });
    await a.lockTable("t", "intention-exclusive");
    await c.lockTable("t", "intention-exclusive");
    const d = await store.begin({ lockTimeoutMs: 20 });
    expect(await outcome(d.lockTable("t", "shared"))).toBe("55P03");
    await a.commit();
    await c.commit();
    const e = await store.begin();
    await e.lockTable("t", "shared");
    await e.commit();
  });
});
