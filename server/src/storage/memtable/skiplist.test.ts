import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareInternalKeys, makeInternalKey, ValueKind } from "../internal-key.js";
import { XorShift32 } from "./prng.js";
import { SkipList } from "./skiplist.js";

const ikey = (k: string, seq: number) => makeInternalKey(Buffer.from(k), seq, ValueKind.Put);

describe("SkipList", () => {
  it("iterates in internal-key order: user key ascending, newest version first", () => {
    const list = new SkipList(new XorShift32(1));
    for (const [k, s] of [["b", 1], ["a", 2], ["b", 5], ["a", 1], ["c", 3]] as const) list.insert(ikey(k, s), Buffer.from(`${k}${s}`));
    const it = list.iterator();
    const seen: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) seen.push(it.value().toString());
    expect(seen).toEqual(["a2", "a1", "b5", "b1", "c3"]);
  });

  it("estimates the entries of a range: exactly for a few hundred, within a factor of 1.4 for thousands", () => {
    // Heights come from the list's own seeded generator; fc reports the seed of a failing case.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.nat({ max: 12_000 }), fc.nat({ max: 12_000 }), fc.nat({ max: 12_000 }), (seed, n, a, b) => {
        const list = new SkipList(new XorShift32(seed));
        const key = (i: number) => ikey(String(i).padStart(6, "0"), 1);
        for (let i = 0; i < n; i++) list.insert(key((i * 7919) % n), Buffer.alloc(0));
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const truth = Math.max(0, Math.min(n, hi) - Math.min(n, lo));
        const est = list.approximateCount(key(lo), key(hi));
        if (truth < 256) expect(est).toBe(truth);
        else {
          expect(est).toBeGreaterThanOrEqual(truth / 1.4);
          expect(est).toBeLessThanOrEqual(truth * 1.4);
        }
        expect(list.approximateCount(undefined, undefined)).toBeGreaterThan(n === 0 ? -1 : 0);
      }),
      { numRuns: 40 },
    );
  });

  it("rejects a duplicate internal key", () => {
    const list = new SkipList(new XorShift32(1));
    list.insert(ikey("a", 1), Buffer.from("x"));
    expect(() => list.insert(ikey("a", 1), Buffer.from("y"))).toThrow(/duplicate/);
  });

  it("keeps entries of every size across arena chunks, and reads the same through a shared view", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ maxLength: 6 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 3000 })), {
          selector: ([k, s]) => `${k}\u0000${s}`,
          maxLength: 150,
        }),
        fc.integer(),
        (entries, seed) => {
          // 4 KiB chunks: values past 1 KiB get chunks of their own, the rest share.
          const list = new SkipList(new XorShift32(seed), 4096);
          const model = entries.map(([k, s, n]) => ({ key: ikey(k, s), value: Buffer.alloc(n, s & 0xff) }));
          for (const e of model) list.insert(e.key, e.value);
          model.sort((a, b) => compareInternalKeys(a.key, b.key));
          for (const view of [list, SkipList.fromShared(list.shared())]) {
            const it = view.iterator();
            const got: { key: Buffer; value: Buffer }[] = [];
            for (it.seekToFirst(); it.valid(); it.next()) got.push({ key: Buffer.from(it.key()), value: Buffer.from(it.value()) });
            expect(got).toEqual(model);
          }
          const bytes = model.reduce((n, e) => n + e.key.length + e.value.length, 0);
          expect(list.arenaBytes).toBeGreaterThanOrEqual(bytes);
        },
      ),
      { numRuns: 100 },
    );
  });

  // Differential test: the skiplist against a sorted array, over random inserts and cursor moves.
  it("matches a sorted-array model for seek, seekForPrev, next and prev", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ maxLength: 4 }), fc.integer({ min: 0, max: 50 })), {
          selector: ([k, s]) => `${k}\u0000${s}`,
          maxLength: 200,
        }),
        fc.array(fc.tuple(fc.string({ maxLength: 4 }), fc.integer({ min: 0, max: 50 })), { maxLength: 30 }),
        fc.integer(),
        (entries, probes, seed) => {
          const list = new SkipList(new XorShift32(seed));
          const model = entries.map(([k, s]) => ikey(k, s));
          for (const k of model) list.insert(k, k);
          model.sort(compareInternalKeys);
          const it = list.iterator();
          const fwd: Buffer[] = [];
          for (it.seekToFirst(); it.valid(); it.next()) fwd.push(it.key());
          expect(fwd).toEqual(model);
          const back: Buffer[] = [];
          for (it.seekToLast(); it.valid(); it.prev()) back.push(it.key());
          expect(back).toEqual([...model].reverse());
          for (const [k, s] of probes) {
            const t = ikey(k, s);
            it.seek(t);
            const ge = model.find((m) => compareInternalKeys(m, t) >= 0);
            expect(it.valid() ? it.key() : undefined).toEqual(ge);
            it.seekForPrev(t);
            const le = [...model].reverse().find((m) => compareInternalKeys(m, t) <= 0);
            expect(it.valid() ? it.key() : undefined).toEqual(le);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
