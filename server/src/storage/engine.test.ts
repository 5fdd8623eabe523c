import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StorageEngine } from "./engine.js";
import { makeTempDir, removeTempDir, SMALL_ENGINE_CONFIG } from "./testing/temp-dir.js";
import { WAL_PAYLOAD_MAX_BYTES } from "./wal/writer.js";
import { WriteBatch } from "./write-batch.js";

const b = (s: string) => Buffer.from(s);
const str = (v: Buffer | undefined) => v?.toString();

describe("StorageEngine", () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  it("puts, gets, deletes and reads its writes back after reopen", async () => {
    let db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    await db.put(b("a"), b("1"));
    await db.put(b("b"), b("2"));
    await db.delete(b("a"));
    await db.write(new WriteBatch().put(b("c"), b("3")).put(b("c"), b("33")).delete(b("b")));
    expect([str(db.get(b("a"))), str(db.get(b("b"))), str(db.get(b("c")))]).toEqual([undefined, undefined, "33"]);
    await db.close();
    db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    expect([str(db.get(b("a"))), str(db.get(b("b"))), str(db.get(b("c")))]).toEqual([undefined, undefined, "33"]);
    await db.close();
  });

  it("refuses a batch too big for one WAL record with 54000 and goes on working", async () => {
    let db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    // allocUnsafe: the bytes are never touched, since the batch is refused by its size alone.
    const huge = new WriteBatch().put(b("big"), Buffer.allocUnsafe(WAL_PAYLOAD_MAX_BYTES));
    expect(() => db.checkBatchSize(huge)).toThrow(expect.objectContaining({ sqlstate: "54000" }));
    await expect(db.write(huge)).rejects.toMatchObject({ sqlstate: "54000" });
    await db.put(b("after"), b("fine"));
    await db.close();
    db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    expect(db.get(b("after"))?.toString()).toBe("fine");
    expect(db.get(b("big"))).toBeUndefined();
    await db.close();
  });

  it("refuses a second open of the same directory", async () => {
    const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    await expect(StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG })).rejects.toThrow(/in use/);
    await db.close();
  });

  it("keeps a snapshot's view across later writes, flushes and compactions", async () => {
    const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    for (let i = 0; i < 500; i++) await db.put(b(`k${i % 50}`), b(`v${i}`));
    const snap = db.snapshot();
    const before = [...db.scan({ snapshot: snap })].map(([k, v]) => `${k}=${v}`);
    for (let i = 0; i < 2000; i++) await db.put(b(`k${i % 50}`), b(`w${i}`));
    await db.delete(b("k7"));
    await db.compact();
    expect([...db.scan({ snapshot: snap })].map(([k, v]) => `${k}=${v}`)).toEqual(before);
    expect(str(db.get(b("k7"), { snapshot: snap }))).toBe(before.find((e) => e.startsWith("k7="))!.slice(3));
    expect(db.get(b("k7"))).toBeUndefined();
    snap.release();
    await db.close();
  });

  const scanCases: { name: string; opts: Parameters<StorageEngine["scan"]>[0]; want: string[] }[] = [
    { name: "everything", opts: {}, want: ["a", "b", "d", "e"] },
    { name: "bounded [b, e)", opts: { start: b("b"), end: b("e") }, want: ["b", "d"] },
    { name: "reverse", opts: { reverse: true }, want: ["e", "d", "b", "a"] },
    { name: "reverse bounded [b, e)", opts: { reverse: true, start: b("b"), end: b("e") }, want: ["d", "b"] },
    { name: "limit", opts: { limit: 2 }, want: ["a", "b"] },
    { name: "reverse with limit", opts: { reverse: true, limit: 1 }, want: ["e"] },
    { name: "start past the end", opts: { start: b("z") }, want: [] },
  ];
  for (const c of scanCases) {
    it(`scans: ${c.name}`, async () => {
      const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
      for (const k of ["a", "b", "c", "d", "e"]) await db.put(b(k), b(k));
      await db.flush();
      await db.delete(b("c"));
      expect([...db.scan(c.opts)].map(([k]) => k.toString())).toEqual(c.want);
      await db.close();
    });
  }

  it("reports levels, amplification and cache figures", async () => {
    const db = await StorageEngine.open(dir, { config: SMALL_ENGINE_CONFIG });
    for (let i = 0; i < 3000; i++) await db.put(b(`key${String(i).padStart(6, "0")}`), Buffer.alloc(100, i));
    await db.compact();
    for (let i = 0; i < 100; i++) db.get(b(`key${String(i * 7).padStart(6, "0")}`));
    const s = db.stats();
    expect(s.levels.reduce((n, l) => n + l.files, 0)).toBeGreaterThan(0);
    expect(s.writeAmplification).toBeGreaterThan(1);
    expect(s.spaceAmplification).toBeCloseTo(1, 5);
    expect(s.blockCache.hits + s.blockCache.misses).toBeGreaterThan(0);
    await db.close();
  });
});

type Op =
  | { op: "put"; key: number; value: number }
  | { op: "del"; key: number }
  | { op: "batch"; keys: number[] }
  | { op: "flush" }
  | { op: "compact" }
  | { op: "reopen" }
  | { op: "check"; start: number; end: number; reverse: boolean; limit: number };

const keyOf = (n: number) => b(`key${String(n).padStart(4, "0")}`);

// Model-based test: random operation sequences against a Map, with reopens, flushes and
// compactions at random points; every read is compared.
describe("StorageEngine against a Map model", () => {
  it("agrees on every get and scan", async () => {
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 30, arbitrary: fc.record({ op: fc.constant("put" as const), key: fc.nat(300), value: fc.nat(1_000_000) }) },
      { weight: 8, arbitrary: fc.record({ op: fc.constant("del" as const), key: fc.nat(300) }) },
      { weight: 4, arbitrary: fc.record({ op: fc.constant("batch" as const), keys: fc.array(fc.nat(300), { maxLength: 40 }) }) },
      { weight: 1, arbitrary: fc.constant({ op: "flush" as const }) },
      { weight: 1, arbitrary: fc.constant({ op: "compact" as const }) },
      { weight: 1, arbitrary: fc.constant({ op: "reopen" as const }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant("check" as const), start: fc.nat(300), end: fc.nat(330), reverse: fc.boolean(), limit: fc.integer({ min: 1, max: 400 }) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 300 }), async (ops) => {
        const dir = makeTempDir();
        const model = new Map<string, string>();
        let db = await StorageEngine.open(dir, { config: { ...SMALL_ENGINE_CONFIG, memtable_size: 4096 } });
        try {
          for (const o of ops) {
            if (o.op === "put") {
              await db.put(keyOf(o.key), b(`v${o.value}`));
              model.set(keyOf(o.key).toString(), `v${o.value}`);
            } else if (o.op === "del") {
              await db.delete(keyOf(o.key));
              model.delete(keyOf(o.key).toString());
            } else if (o.op === "batch") {
              const batch = new WriteBatch();
              o.keys.forEach((k, i) => (i % 3 === 2 ? batch.delete(keyOf(k)) : batch.put(keyOf(k), b(`b${i}`))));
              await db.write(batch);
              o.keys.forEach((k, i) => (i % 3 === 2 ? model.delete(keyOf(k).toString()) : model.set(keyOf(k).toString(), `b${i}`)));
            } else if (o.op === "flush") await db.flush();
            else if (o.op === "compact") await db.compact();
            else if (o.op === "reopen") {
              await db.close();
              db = await StorageEngine.open(dir, { config: { ...SMALL_ENGINE_CONFIG, memtable_size: 4096 } });
            } else {
              const [lo, hi] = [keyOf(o.start).toString(), keyOf(o.end).toString()];
              let want = [...model.entries()].filter(([k]) => k >= lo && k < hi).sort(([x], [y]) => (x < y ? -1 : 1));
              if (o.reverse) want.reverse();
              want = want.slice(0, o.limit);
              const got = [...db.scan({ start: keyOf(o.start), end: keyOf(o.end), reverse: o.reverse, limit: o.limit })].map(([k, v]) => [k.toString(), v.toString()]);
              expect(got).toEqual(want);
              for (let k = o.start; k < Math.min(o.end, o.start + 20); k++) expect(str(db.get(keyOf(k)))).toBe(model.get(keyOf(k).toString()));
            }
          }
          for (const [k, v] of model) expect(str(db.get(b(k)))).toBe(v);
          expect([...db.scan()].length).toBe(model.size);
        } finally {
          await db.close();
          removeTempDir(dir);
        }
      }),
      { numRuns: 40 },
    );
  });
});
