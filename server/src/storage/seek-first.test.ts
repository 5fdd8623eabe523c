import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageEngine } from "./engine.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "./testing/temp-dir.js";
import { WriteBatch } from "./write-batch.js";

const key = (i: number) => Buffer.from(`k${String(i).padStart(3, "0")}`);

/** What seekFirst must agree with: the first entry of the equivalent scan. */
function firstOfScan(db: StorageEngine, start: Buffer, end: Buffer | undefined, snapshot?: ReturnType<StorageEngine["snapshot"]>) {
  for (const e of db.scan({ start, ...(end && { end }), limit: 1, ...(snapshot && { snapshot }) })) return e;
  return undefined;
}

describe("StorageEngine.seekFirst", () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  it("finds the first live entry of a range, skipping deletes, newer versions and other sources' older ones", async () => {
    const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    await db.put(key(1), Buffer.from("old"));
    await db.flush();
    await db.put(key(1), Buffer.from("new"));
    await db.put(key(2), Buffer.from("two"));
    await db.delete(key(1));
    expect(db.seekFirst(key(0), key(9))?.map(String)).toEqual(["k002", "two"]);
    expect(db.seekFirst(key(1), key(2))).toBeUndefined();
    expect(db.seekFirst(key(3))).toBeUndefined();
    await db.close();
  });

  it("agrees with scan(limit 1) over memtables, L0 and deeper levels, now and at a snapshot", async () => {
    const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    const op = fc.record({ k: fc.integer({ min: 0, max: 199 }), del: fc.boolean(), n: fc.integer({ min: 1, max: 4 }) });
    const ops = fc.sample(fc.array(op, { minLength: 3000, maxLength: 3000 }), { numRuns: 1, seed: 7 })[0]!;
    let snapshot: ReturnType<StorageEngine["snapshot"]> | undefined;
    for (const [i, o] of ops.entries()) {
      const batch = new WriteBatch();
      for (let j = 0; j < o.n; j++) {
        if (o.del) batch.delete(key(o.k + j));
        else batch.put(key(o.k + j), Buffer.alloc(40 + (i % 7), i % 251));
      }
      await db.write(batch);
      if (i === 1500) snapshot = db.snapshot();
    }
    expect(db.stats().levels.filter((l) => l.files > 0).length).toBeGreaterThan(1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 210 }), fc.integer({ min: 0, max: 12 }), fc.boolean(), (s, width, open) => {
        const start = key(s);
        const end = open ? undefined : key(s + width);
        expect(db.seekFirst(start, end)).toEqual(firstOfScan(db, start, end));
        expect(db.seekFirst(start, end, { snapshot: snapshot! })).toEqual(firstOfScan(db, start, end, snapshot));
      }),
      { numRuns: 400, seed: 11 },
    );
    snapshot!.release();
    await db.close();
  });
});

describe("StorageEngine.seekFirst within a newest-first logical key", () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  // Rows "r07|" with versions whose suffix is 99 - v, so a newer version sorts first (as MVCC keys).
  const bounds = (k: Buffer): readonly [Buffer, Buffer] => {
    const bar = k.indexOf(0x7c);
    return bar < 0 ? [k, k] : [k.subarray(0, bar + 1), Buffer.concat([k.subarray(0, bar + 1), Buffer.from("99")])];
  };
  const versionKey = (row: number, v: number) => Buffer.from(`r${String(row).padStart(2, "0")}|${String(99 - v).padStart(2, "0")}`);
  const rowEnd = (row: number) => Buffer.from(`r${String(row).padStart(2, "0")}}`);

  it("agrees with the full merge over memtables, flushed tables and deleted versions", async () => {
    const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG, logicalKeyBounds: bounds, newestFirstWithinLogicalKey: true });
    const next = new Map<number, number>();
    const rnd = fc.sample(fc.array(fc.tuple(fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 9 })), { minLength: 1500, maxLength: 1500 }), { numRuns: 1, seed: 11 })[0]!;
    for (const [i, [row, action]] of rnd.entries()) {
      const v = next.get(row) ?? 0;
      if (v < 99 && action < 7) {
        await db.put(versionKey(row, v), Buffer.from(`v${v}`));
        next.set(row, v + 1);
      } else if (v > 0 && action === 7) {
        // A deleted version, as garbage collection leaves in upper levels.
        await db.delete(versionKey(row, v - 1 - (i % Math.min(v, 3))));
      } else if (action === 8 && i % 50 === 0) await db.flush();
      for (const probe of [row, (row + 7) % 30]) {
        for (const at of [0, 1, 5, 50, 98]) {
          const start = versionKey(probe, at);
          const fast = db.seekFirst(start, rowEnd(probe), { withinLogicalKey: true });
          const full = firstOfScan(db, start, rowEnd(probe));
          expect(fast?.map(String), `op ${i} row ${probe} at ${at}`).toEqual(full?.map(String));
        }
      }
    }
    await db.close();
  });
});
