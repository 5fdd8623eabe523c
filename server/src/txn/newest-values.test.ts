import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ISOLATION_LEVELS } from "../kv/kv.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "../storage/testing/temp-dir.js";
import { readValue } from "./mvcc-read.js";
import { NewestValues } from "./newest-values.js";
import { TestRng } from "./testing/rng.js";
import type { Transaction } from "./transaction.js";
import { TxnStore } from "./txn-store.js";

const b = (s: string) => Buffer.from(s);
const str = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString());

describe("NewestValues", () => {
  it("answers reads at or after the timestamp an entry is known from, and forgets written keys", () => {
    const c = new NewestValues(8);
    c.remember("k", b("v"), 10);
    expect(c.lookup("k", 9)).toBeUndefined();
    expect(str(c.lookup("k", 10)?.value)).toBe("v");
    c.remember("gone", undefined, 10);
    expect(c.lookup("gone", 20)).toEqual({ value: undefined, fromTs: 10 });
    c.forget(["k"]);
    expect(c.lookup("k", 20)).toBeUndefined();
    expect(c.hits).toBe(2);
    expect(c.misses).toBe(2);
  });

  it("keeps the earliest timestamp known, a copy of the value, nothing over its value limit, and empties itself when full", () => {
    const c = new NewestValues(3, 4);
    const v = b("abc");
    c.remember("k", v, 10);
    v[0] = 0x7a;
    c.remember("k", b("abc"), 5);
    expect(c.lookup("k", 5)).toEqual({ value: b("abc"), fromTs: 5 });
    c.remember("k", b("abc"), 7);
    expect(c.lookup("k", 5)?.fromTs).toBe(5);
    c.remember("big", b("12345"), 1);
    expect(c.lookup("big", 1)).toBeUndefined();
    c.remember("a", undefined, 1);
    c.remember("b", undefined, 1);
    expect(c.size).toBe(3);
    c.remember("c", undefined, 1);
    expect(c.size).toBe(1);
    expect(new NewestValues(0).size).toBe(0);
  });

  it("admits a key at its second miss, and nothing when it keeps nothing", () => {
    const c = new NewestValues(8);
    const key = b("row-1");
    expect(c.admit(key, "row-1")).toBe(false);
    expect(c.admit(key, "row-1")).toBe(true);
    expect(c.admit(b("row-2"), "row-2")).toBe(false);
    const off = new NewestValues(0);
    expect(off.admit(key, "row-1")).toBe(false);
    expect(off.admit(key, "row-1")).toBe(false);
  });
});

describe("TxnStore reads through NewestValues", () => {
  let dir: string;
  let store: TxnStore;

  beforeEach(async () => {
    dir = makeTempDir("alopex-newest-");
    store = await TxnStore.open(dir, { storage: SMALL_ENGINE_CONFIG });
  });

  afterEach(async () => {
    await store.close();
    removeTempDir(dir);
  });

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

  it("serves repeated reads from memory, new values after a commit, and old ones to older snapshots", async () => {
    await put("k", "1");
    const old = await store.begin({ readOnly: true });
    expect(await read("k")).toBe("1");
    expect(await read("k")).toBe("1");
    const before = store.stats().newestValueHits;
    expect(await read("k")).toBe("1");
    expect(store.stats().newestValueHits).toBe(before + 1);
    await put("k", "2");
    expect(str(await old.get(b("k")))).toBe("1");
    expect(await read("k")).toBe("2");
    expect(await read("k")).toBe("2");
    expect(str(await old.get(b("k")))).toBe("1");
    await old.commit();
  });

  it("does not remember what a snapshot reads while a newer commit of the key is being written", async () => {
    await put("k", "1");
    const reader = await store.begin({ readOnly: true });
    const writer = await store.begin();
    await writer.put(b("k"), b("2"));
    const committing = writer.commit();
    expect(str(await reader.get(b("k")))).toBe("1");
    await committing;
    expect(await read("k")).toBe("2");
    await reader.commit();
  });

  it("answers every read as storage does at the reader's snapshot, over random interleavings", async () => {
    const rng = new TestRng(7);
    const keys = ["a", "b", "c", "d", "e"];
    const open: Transaction[] = [];
    const committing: Promise<void>[] = [];
    let checked = 0;
    for (let step = 0; step < 3000; step++) {
      const roll = rng.int(100);
      if (open.length === 0 || roll < 15) {
        if (open.length < 6) {
          const isolation = ISOLATION_LEVELS[1 + rng.int(ISOLATION_LEVELS.length - 1)]!;
          open.push(await store.begin({ isolation, readOnly: rng.chance(0.3), lockTimeoutMs: 0 }));
        }
        continue;
      }
      const t = open[rng.int(open.length)]!;
      const key = b(keys[rng.int(keys.length)]!);
      try {
        if (roll < 60) {
          const got = await t.get(key);
          if (!t.writes.has(key.toString("latin1"))) {
            expect(str(got)).toBe(str(readValue(store.engine, key, t.readTs)));
            checked++;
          }
        } else if (roll < 75 && !t.readOnly) {
          if (rng.chance(0.2)) await t.delete(key);
          else await t.put(key, b(`v${step}`));
        } else if (roll < 80) {
          t.beginStatement();
        } else if (roll < 95) {
          open.splice(open.indexOf(t), 1);
          // Some commits are left in flight while later steps read.
          const p = t.commit().catch(() => undefined);
          if (rng.chance(0.5)) await p;
          else committing.push(p);
        } else {
          open.splice(open.indexOf(t), 1);
          await t.rollback();
        }
      } catch {
        // Lock timeouts and serialization failures abort the transaction; the next step moves on.
        if (t.state !== "active") open.splice(open.indexOf(t), 1);
      }
      if (committing.length > 4) await Promise.all(committing.splice(0));
    }
    for (const t of open) await t.rollback();
    await Promise.all(committing);
    expect(checked).toBeGreaterThan(500);
    expect(store.stats().newestValueHits).toBeGreaterThan(100);
  });
});
