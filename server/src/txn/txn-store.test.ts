import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { KvTransaction } from "../kv/kv.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../storage/testing/temp-dir.js";
import { DATA_END, DATA_START } from "./mvcc-key.js";
import { StorageEngine } from "../storage/index.js";
import { SYSTEM_KEYS, TxnStore } from "./txn-store.js";

const b = (s: string) => Buffer.from(s);
const str = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString());

let dir: string;
let store: TxnStore;

beforeEach(async () => {
  dir = makeTempDir("alopex-txn-");
  store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG });
});

afterEach(async () => {
  await store.close();
  removeTempDir(dir);
});

async function reopen(): Promise<void> {
  await store.close();
  store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG });
}

async function put(k: string, v: string): Promise<void> {
  const t = await store.begin();
  await t.put(b(k), b(v));
  await t.commit();
}

async function read(k: string): Promise<string | undefined> {
  const t = await store.begin({ readOnly: true });
  const v = str(await t.get(b(k)));
  await t.commit();
  return v;
}

async function scanAll(t: KvTransaction, opts: Parameters<KvTransaction["scan"]>[0] = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const e of t.scan(opts)) out.push(`${str(e.key)}=${str(e.value)}`);
  return out;
}

function versionCount(): number {
  let n = 0;
  for (const _ of store.engine.scan({ start: DATA_START, end: DATA_END })) n++;
  return n;
}

describe("TxnStore", () => {
  it("reads its own writes and hides them from others until commit", async () => {
    const t1 = await store.begin();
    await t1.put(b("a"), b("1"));
    expect(str(await t1.get(b("a")))).toBe("1");
    expect(await read("a")).toBeUndefined();
    await t1.commit();
    expect(await read("a")).toBe("1");
    const t2 = await store.begin();
    await t2.delete(b("a"));
    expect(await t2.get(b("a"))).toBeUndefined();
    expect(await read("a")).toBe("1");
    await t2.commit();
    expect(await read("a")).toBeUndefined();
  });

  it.each([
    { name: "forward", opts: {}, want: ["a=1", "b=B", "c=3", "d=D"] },
    { name: "reverse", opts: { reverse: true }, want: ["d=D", "c=3", "b=B", "a=1"] },
    { name: "bounded", opts: { start: b("b"), end: b("d") }, want: ["b=B", "c=3"] },
    { name: "reverse bounded", opts: { start: b("a"), end: b("c"), reverse: true }, want: ["b=B", "a=1"] },
    { name: "limit", opts: { limit: 2 }, want: ["a=1", "b=B"] },
    { name: "reverse limit", opts: { reverse: true, limit: 1 }, want: ["d=D"] },
  ])("scans merge committed data with own writes: $name", async ({ opts, want }) => {
    for (const [k, v] of [["a", "1"], ["b", "2"], ["c", "3"], ["e", "5"]] as const) await put(k, v);
    const t = await store.begin();
    await t.put(b("b"), b("B"));
    await t.put(b("d"), b("D"));
    await t.delete(b("e"));
    expect(await scanAll(t, opts)).toEqual(want);
    await t.rollback();
  });

  it("keeps a snapshot stable across newer commits, flushes and compactions", async () => {
    for (let i = 0; i < 200; i++) await put(`k${String(i).padStart(3, "0")}`, "old");
    const reader = await store.begin();
    for (let i = 0; i < 200; i++) await put(`k${String(i).padStart(3, "0")}`, "new");
    await store.engine.flush();
    await store.engine.compact();
    const rows = await scanAll(reader);
    expect(rows).toHaveLength(200);
    expect(rows.every((r) => r.endsWith("=old"))).toBe(true);
    expect(str(await reader.get(b("k007")))).toBe("old");
    const rev = await scanAll(reader, { reverse: true, limit: 3 });
    expect(rev).toEqual(["k199=old", "k198=old", "k197=old"]);
    await reader.commit();
    expect(await read("k007")).toBe("new");
  });

  it("garbage-collects versions no snapshot can see, in compaction", async () => {
    for (let i = 0; i < 50; i++) await put("hot", `v${i}`);
    const pinned = await store.begin();
    for (let i = 50; i < 100; i++) await put("hot", `v${i}`);
    await store.engine.flush();
    await store.engine.compact();
    // The pinned snapshot still needs v49; everything newer stays too.
    expect(str(await pinned.get(b("hot")))).toBe("v49");
    expect(versionCount()).toBeGreaterThanOrEqual(51);
    await pinned.commit();
    await put("hot", "last");
    await store.engine.flush();
    await store.engine.compact();
    expect(versionCount()).toBe(1);
    expect(await read("hot")).toBe("last");
  });

  it("drops deleted keys entirely once no snapshot sees them", async () => {
    await put("gone", "x");
    const t = await store.begin();
    await t.delete(b("gone"));
    await t.commit();
    await store.engine.flush();
    await store.engine.compact();
    expect(versionCount()).toBe(0);
    expect(await read("gone")).toBeUndefined();
  });

  it("survives a restart with every commit and a clock past them", async () => {
    await put("a", "1");
    await put("a", "2");
    const before = store.stats().readTimestamp;
    await reopen();
    expect(await read("a")).toBe("2");
    expect(store.stats().readTimestamp).toBeGreaterThanOrEqual(before);
    await put("a", "3");
    expect(await read("a")).toBe("3");
  });

  it("refuses to open over a damaged clock record instead of reusing timestamps", async () => {
    await put("a", "1");
    await store.close();
    const raw = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    await raw.put(SYSTEM_KEYS.hlc, Buffer.from("not a number"));
    await raw.close();
    await expect(TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG })).rejects.toMatchObject({ sqlstate: "XX001" });
    const fix = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    await fix.put(SYSTEM_KEYS.hlc, Buffer.from(String(2 ** 53 - 1e6)));
    await fix.close();
    store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG });
    expect(await read("a")).toBe("1");
  });

  it("fails a transaction whose buffered writes outgrow their budget, counting rewrites once", async () => {
    await store.close();
    store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG, maxTransactionWriteBytes: 1000 });
    const t = await store.begin();
    for (let i = 0; i < 50; i++) await t.put(b("same"), Buffer.alloc(400)); // one key rewritten: 404 bytes
    await t.put(b("other"), Buffer.alloc(400));
    await expect(t.put(b("third"), Buffer.alloc(400))).rejects.toMatchObject({ sqlstate: "54000" });
    expect(t.state).toBe("aborted");
    expect(store.stats().active).toBe(0);
    const u = await store.begin();
    await u.put(b("small"), b("ok"));
    await u.commit();
    expect(await read("small")).toBe("ok");
  });

  it("rejects work in the wrong state with the PostgreSQL codes", async () => {
    const ro = await store.begin({ readOnly: true });
    await expect(ro.put(b("a"), b("1"))).rejects.toMatchObject({ sqlstate: "25006" });
    const t = await store.begin();
    await t.commit();
    await expect(t.get(b("a"))).rejects.toMatchObject({ sqlstate: "25000" });
    await expect(store.commitPrepared("nope")).rejects.toMatchObject({ sqlstate: "42704" });
  });

  it("fails a transaction after a serialization failure until it is rolled back", async () => {
    await put("x", "0");
    const t1 = await store.begin();
    const t2 = await store.begin();
    await t1.get(b("x"));
    await t1.put(b("x"), b("1"));
    await t1.commit();
    await expect(t2.put(b("x"), b("2"))).rejects.toMatchObject({ sqlstate: "40001" });
    await expect(t2.get(b("x"))).rejects.toMatchObject({ sqlstate: "25P02" });
    await t2.rollback();
  });

  it("serializable: a limited scan conflicts only with writes inside what it returned", async () => {
    for (const k of ["a", "b", "c", "d"]) await put(k, "1");
    const t1 = await store.begin({ isolation: "serializable" });
    expect(await scanAll(t1, { limit: 2 })).toEqual(["a=1", "b=1"]);
    await t1.put(b("z"), b("1"));
    const t2 = await store.begin({ isolation: "serializable" });
    await t2.put(b("c"), b("2")); // outside what t1 saw
    await t2.commit();
    await t1.commit();
    const t3 = await store.begin({ isolation: "serializable" });
    expect(await scanAll(t3, { limit: 2 })).toEqual(["a=1", "b=1"]);
    await t3.put(b("y"), b("1"));
    const t4 = await store.begin({ isolation: "serializable" });
    await t4.put(b("b"), b("2")); // inside
    await t4.commit();
    await expect(t3.commit()).rejects.toMatchObject({ sqlstate: "40001" });
  });

  it("serializable: a read set over its budget still catches conflicts", async () => {
    await store.close();
    store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG, maxTransactionReadSetBytes: 200 });
    for (let i = 0; i < 10; i++) await put(`k${i}`, "1");
    const t = await store.begin({ isolation: "serializable" });
    for (let i = 0; i < 10; i++) await t.get(b(`k${i}`));
    await t.put(b("out"), b("1"));
    const w = await store.begin({ isolation: "serializable" });
    await w.put(b("k5"), b("2"));
    await w.commit();
    await expect(t.commit()).rejects.toMatchObject({ sqlstate: "40001" });
  });

  it("serializable: blind writers and read-only transactions do not fail", async () => {
    await put("x", "0");
    const ro = await store.begin({ isolation: "serializable", readOnly: true });
    expect(str(await ro.get(b("x")))).toBe("0");
    const w = await store.begin({ isolation: "serializable" });
    await w.put(b("y"), b("1"));
    await w.commit();
    await put("x", "1");
    expect(str(await ro.get(b("x")))).toBe("0");
    await ro.commit();
  });

  describe("two-phase commit", () => {
    it("keeps a prepared transaction's writes hidden and its locks held, across a restart", async () => {
      await put("acct", "100");
      const t = await store.begin();
      await t.put(b("acct"), b("50"));
      await t.lockTable("accounts", "intention-exclusive");
      await t.prepare("gid-1");
      expect(t.state).toBe("prepared");
      await expect(store.begin().then((o) => o.prepare("gid-1").then(() => o))).rejects.toMatchObject({ sqlstate: "42710" });
      expect(await read("acct")).toBe("100");

      await reopen();
      expect((await store.listPrepared()).map((p) => p.gid)).toEqual(["gid-1"]);
      expect(await read("acct")).toBe("100");
      // The restored exclusive lock still blocks a writer (here: until its lock timeout).
      const w = await store.begin({ lockTimeoutMs: 20 });
      await expect(w.put(b("acct"), b("0"))).rejects.toMatchObject({ sqlstate: "55P03" });
      const lt = await store.begin({ lockTimeoutMs: 20 });
      await expect(lt.lockTable("accounts", "exclusive")).rejects.toMatchObject({ sqlstate: "55P03" });

      await store.commitPrepared("gid-1");
      expect(await read("acct")).toBe("50");
      expect(await store.listPrepared()).toEqual([]);
      await reopen();
      expect(await read("acct")).toBe("50");
      expect(await store.listPrepared()).toEqual([]);
    });

    it("rolls back a prepared transaction by id, also after a restart", async () => {
      const t = await store.begin();
      await t.put(b("k"), b("v"));
      await t.prepare("g2");
      await reopen();
      await store.rollbackPrepared("g2");
      expect(await read("k")).toBeUndefined();
      await expect(store.rollbackPrepared("g2")).rejects.toMatchObject({ sqlstate: "42704" });
      const w = await store.begin({ lockTimeoutMs: 20 });
      await w.put(b("k"), b("free"));
      await w.commit();
      expect(await read("k")).toBe("free");
    });

    it("serializable: a prepared transaction's reads stay locked until it finishes", async () => {
      await put("r", "1");
      const t = await store.begin({ isolation: "serializable" });
      expect(await scanAll(t, { start: b("q"), end: b("s") })).toEqual(["r=1"]);
      await t.put(b("w"), b("1"));
      await t.prepare("g3");
      const writer = await store.begin({ lockTimeoutMs: 20 });
      await expect(writer.put(b("r1"), b("x"))).rejects.toMatchObject({ sqlstate: "55P03" });
      const outside = await store.begin({ lockTimeoutMs: 20 });
      await outside.put(b("s"), b("x"));
      await outside.commit();
      await store.commitPrepared("g3");
      expect(await read("w")).toBe("1");
    });
  });
});
