import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageEngine } from "./engine.js";
import { StorageIoError } from "./errors.js";
import { FaultVfs } from "./fault-vfs.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "./testing/temp-dir.js";
import { settled } from "./testing/settled.js";
import { NodeVfs } from "./vfs.js";
import { WriteBatch } from "./write-batch.js";

const ALWAYS = { ...SMALL_ENGINE_CONFIG, wal_sync: "always" } as const;
const b = (s: string) => Buffer.from(s);
const isWal = (p: string) => p.endsWith(".log");

let dir: string;
let vfs: FaultVfs;
let db: StorageEngine;

beforeEach(async () => {
  dir = makeTempDir("alopex-visible-");
  vfs = new FaultVfs(new NodeVfs());
  db = await StorageEngine.open(dir, { config: ALWAYS, vfs });
});

afterEach(async () => {
  await db.close().catch(() => undefined);
  removeTempDir(dir);
});

describe("writes visible before they are durable", () => {
  it("writeVisible applies at once; whenDurable waits for the fsync", async () => {
    await db.put(b("k"), b("old"));
    const hold = vfs.holdSyncs(isWal);
    const seq = db.writeVisible(new WriteBatch().put(b("k"), b("new")));
    expect(typeof seq).toBe("number");
    expect(db.get(b("k"))?.toString()).toBe("new");
    expect(db.durableSequence).toBeLessThan(seq as number);
    const durable = db.whenDurable(seq as number);
    expect(await settled(durable)).toBe(false);
    hold.release();
    await durable;
    expect(db.durableSequence).toBeGreaterThanOrEqual(seq as number);
  });

  it("write() resolves only once durable, though reads see it before", async () => {
    const hold = vfs.holdSyncs(isWal);
    const written = db.put(b("a"), b("1"));
    expect(db.get(b("a"))?.toString()).toBe("1");
    expect(await settled(written)).toBe(false);
    hold.release();
    await written;
  });

  it("a failed fsync fails the engine and hides what was applied but never durable", async () => {
    await db.put(b("k"), b("old"));
    const hold = vfs.holdSyncs(isWal);
    const seq = db.writeVisible(new WriteBatch().put(b("k"), b("lost")).put(b("other"), b("lost")));
    const durable = db.whenDurable(seq as number);
    const later = db.put(b("k"), b("later"));
    expect(db.get(b("k"))?.toString()).toBe("later");
    // Released once the fsync has started and waits.
    expect(await settled(durable)).toBe(false);
    hold.release("EIO");
    const err = await durable.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageIoError);
    expect((err as StorageIoError).sqlstate).toBe("58030");
    await expect(later).rejects.toBeInstanceOf(StorageIoError);
    expect(db.failed).toBe(true);
    expect(db.get(b("k"))?.toString()).toBe("old");
    expect(db.get(b("other"))).toBeUndefined();
    expect([...db.scan()].map(([k, v]) => `${k.toString()}=${v.toString()}`)).toEqual(["k=old"]);
    await expect(db.put(b("x"), b("y"))).rejects.toBeInstanceOf(StorageIoError);
    await expect(db.whenDurable(seq as number)).rejects.toBeInstanceOf(StorageIoError);
  });

  it("a write to a new WAL waits until the old WAL is durable, so durability follows sequence order", async () => {
    const value = Buffer.alloc(1024, 1);
    const hold = vfs.holdSyncs(isWal);
    let last = 0;
    let next: number | Promise<number>;
    // Writes applied but held before their fsync, until one finds the memtable full and must wait
    // for the switch to a new WAL.
    for (let i = 0; ; i++) {
      expect(i).toBeLessThan(1000);
      next = db.writeVisible(new WriteBatch().put(b(`fill${i}`), value));
      if (typeof next !== "number") break;
      last = next;
    }
    expect(await settled(next)).toBe(false);
    expect(db.durableSequence).toBeLessThan(last);
    hold.release();
    const nextSeq = await next;
    expect(nextSeq).toBeGreaterThan(last);
    // By the time it is applied, everything before it in the old WAL was durable.
    expect(db.durableSequence).toBeGreaterThanOrEqual(last);
    await db.whenDurable(nextSeq);
  });

  it("whenDurable of a sequence already durable resolves at once, and waiters resolve in order", async () => {
    await db.put(b("a"), b("1"));
    expect(await settled(db.whenDurable(db.durableSequence))).toBe(true);
    const hold = vfs.holdSyncs(isWal);
    const s1 = db.writeVisible(new WriteBatch().put(b("b"), b("2"))) as number;
    const s2 = db.writeVisible(new WriteBatch().put(b("c"), b("3"))) as number;
    const order: number[] = [];
    const waits = [db.whenDurable(s2).then(() => order.push(s2)), db.whenDurable(s1).then(() => order.push(s1))];
    hold.release();
    await Promise.all(waits);
    expect(order).toEqual([s1, s2]);
  });
});
