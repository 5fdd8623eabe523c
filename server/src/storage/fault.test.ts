import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageEngine } from "./engine.js";
import { CorruptionError, DiskFullError, StorageIoError } from "./errors.js";
import { FaultVfs } from "./fault-vfs.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "./testing/temp-dir.js";
import { NodeVfs } from "./vfs.js";

const b = (s: string) => Buffer.from(s);
const key = (i: number) => b(`key${String(i).padStart(5, "0")}`);
const ALWAYS = { ...SMALL_ENGINE_CONFIG, wal_sync: "always" } as const;
const filesEnding = (dir: string, ext: string) => fs.readdirSync(dir).filter((n) => n.endsWith(ext)).map((n) => path.join(dir, n));

let dir: string;
beforeEach(() => {
  dir = makeTempDir("alopex-fault-");
});
afterEach(() => removeTempDir(dir));

describe("power loss (unsynced bytes vanish)", () => {
  it("keeps every acknowledged write at any crash point", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 8 }), async (n, concurrency) => {
        const d = makeTempDir("alopex-power-");
        try {
          const vfs = new FaultVfs(new NodeVfs());
          const db = await StorageEngine.open(d, { config: ALWAYS, vfs });
          const acked = new Set<number>();
          let next = 0;
          await Promise.all(
            Array.from({ length: concurrency }, async () => {
              while (next < n) {
                const i = next++;
                await db.put(key(i), b(`v${i}`));
                acked.add(i);
              }
            }),
          );
          vfs.crash(); // before close: whatever was not fsynced is gone
          await db.close().catch(() => undefined);
          const reopened = await StorageEngine.open(d, { config: ALWAYS });
          for (const i of acked) expect(reopened.get(key(i))?.toString()).toBe(`v${i}`);
          expect([...reopened.scan()].length).toBe(acked.size);
          await reopened.close();
        } finally {
          removeTempDir(d);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("torn and corrupt WAL", () => {
  async function writeAndAbandon(n: number): Promise<string> {
    const db = await StorageEngine.open(dir, { config: { ...ALWAYS, memtable_size: 1024 * 1024 } });
    for (let i = 0; i < n; i++) await db.put(key(i), b(`v${i}`));
    await db.close();
    const [wal] = filesEnding(dir, ".log").sort().slice(-1);
    return wal!;
  }

  it("recovers every earlier write when the tail is torn at any byte of the last record", async () => {
    const wal = await writeAndAbandon(20);
    const full = fs.readFileSync(wal);
    const lastRecordBytes = 9 + 12 + 1 + 1 + 8 + 1 + 3 + 2; // header + batch header + one entry
    for (let cut = 1; cut < lastRecordBytes; cut++) {
      fs.writeFileSync(wal, full.subarray(0, full.length - cut));
      const db = await StorageEngine.open(dir, { config: ALWAYS });
      for (let i = 0; i < 19; i++) expect(db.get(key(i))?.toString(), `cut ${cut}, key ${i}`).toBe(`v${i}`);
      expect(db.get(key(19)), `cut ${cut}`).toBeUndefined();
      await db.close();
      // Recovery flushed the WAL into a table; restore the torn WAL for the next cut.
      for (const f of [...filesEnding(dir, ".log"), ...filesEnding(dir, ".sst")]) fs.rmSync(f);
      for (const f of fs.readdirSync(dir).filter((n) => n.startsWith("MANIFEST") || n === "CURRENT")) fs.rmSync(path.join(dir, f));
      fs.writeFileSync(wal, full);
    }
  });

  it("refuses to open, naming file and offset, when a record before the tail is corrupt", async () => {
    const wal = await writeAndAbandon(20);
    const bytes = fs.readFileSync(wal);
    bytes[20] = bytes[20]! ^ 0xff; // inside the first record
    fs.writeFileSync(wal, bytes);
    const err = await StorageEngine.open(dir, { config: ALWAYS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptionError);
    expect((err as CorruptionError).message).toContain(path.basename(wal));
    expect((err as CorruptionError).offset).toBe(0);
  });
});

describe("corrupt SSTables are reported, never read as data", () => {
  async function oneTable(): Promise<string> {
    const db = await StorageEngine.open(dir, { config: { ...ALWAYS, memtable_size: 1024 * 1024 } });
    for (let i = 0; i < 2000; i++) await db.put(key(i), b(`value-${i}`));
    await db.flush();
    await db.close();
    const [sst] = filesEnding(dir, ".sst");
    return sst!;
  }
  const damage: { name: string; offset: (size: number) => number }[] = [
    { name: "first data block", offset: () => 30 },
    { name: "footer", offset: (size) => size - 10 },
    { name: "middle of the file", offset: (size) => Math.floor(size / 2) },
  ];
  for (const d of damage) {
    it(`a flipped byte in the ${d.name}`, async () => {
      const sst = await oneTable();
      const bytes = fs.readFileSync(sst);
      const at = d.offset(bytes.length);
      bytes[at] = bytes[at]! ^ 0x5a;
      fs.writeFileSync(sst, bytes);
      const db = await StorageEngine.open(dir, { config: ALWAYS });
      let err: unknown;
      try {
        for (let i = 0; i < 2000; i++) {
          const v = db.get(key(i));
          // Anything returned must be the real value.
          if (v !== undefined) expect(v.toString()).toBe(`value-${i}`);
        }
        for (const [k, v] of db.scan()) expect(v.toString()).toBe(`value-${Number(k.toString().slice(3))}`);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CorruptionError);
      expect((err as Error).message).toContain(path.basename(sst));
      await db.close();
    });
  }
});

describe("write errors", () => {
  it("ENOSPC on the WAL fails the write with disk_full, stops writes, keeps reads and acknowledged data", async () => {
    const vfs = new FaultVfs(new NodeVfs());
    const db = await StorageEngine.open(dir, { config: ALWAYS, vfs });
    for (let i = 0; i < 10; i++) await db.put(key(i), b(`v${i}`));
    vfs.failAppend({ code: "ENOSPC", budgetBytes: 0, match: (p) => p.endsWith(".log") });
    const err = await db.put(key(10), b("v10")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiskFullError);
    expect((err as DiskFullError).sqlstate).toBe("53100");
    await expect(db.put(key(11), b("v11"))).rejects.toBeInstanceOf(DiskFullError);
    expect(db.get(key(3))?.toString()).toBe("v3");
    expect(db.stats().failure).toMatch(/disk full/);
    await db.close().catch(() => undefined);
    const reopened = await StorageEngine.open(dir, { config: ALWAYS });
    for (let i = 0; i < 10; i++) expect(reopened.get(key(i))?.toString()).toBe(`v${i}`);
    expect(reopened.get(key(11))).toBeUndefined();
    await reopened.close();
  });

  it("EIO on fsync fails the write with an I/O error", async () => {
    const vfs = new FaultVfs(new NodeVfs());
    const db = await StorageEngine.open(dir, { config: ALWAYS, vfs });
    await db.put(key(1), b("v1"));
    vfs.failSync({ code: "EIO", nth: 1, match: (p) => p.endsWith(".log") });
    const err = await db.put(key(2), b("v2")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageIoError);
    expect((err as StorageIoError).sqlstate).toBe("58030");
    await db.close().catch(() => undefined);
  });

  it("ENOSPC while flushing a table loses nothing acknowledged: the WAL still has it", async () => {
    const vfs = new FaultVfs(new NodeVfs());
    const db = await StorageEngine.open(dir, { config: ALWAYS, vfs });
    for (let i = 0; i < 300; i++) await db.put(key(i), b(`v${i}`));
    vfs.failAppend({ code: "ENOSPC", budgetBytes: 0, match: (p) => p.endsWith(".sst") });
    await expect(db.flush()).rejects.toBeInstanceOf(DiskFullError);
    await expect(db.put(key(999), b("x"))).rejects.toBeInstanceOf(DiskFullError);
    await db.close().catch(() => undefined);
    const reopened = await StorageEngine.open(dir, { config: ALWAYS });
    for (let i = 0; i < 300; i++) expect(reopened.get(key(i))?.toString()).toBe(`v${i}`);
    await reopened.close();
  });
});
