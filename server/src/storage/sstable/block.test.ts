import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CorruptionError } from "../errors.js";
import { compareInternalKeys, makeInternalKey, ValueKind } from "../internal-key.js";
import { Block, BlockIterator, compareInternalKeyAt } from "./block.js";
import { BlockBuilder } from "./block-builder.js";

interface Entry {
  key: Buffer;
  value: Buffer;
}

function build(entries: Entry[], restartInterval: number): Block {
  const b = new BlockBuilder(restartInterval);
  for (const e of entries) b.add(e.key, e.value);
  return new Block(Buffer.from(b.finish()), "/test/block", 0);
}

function sampleEntries(count: number): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    // Shared prefixes of varying length, and several versions per user key.
    const uk = Buffer.from(`user/${String(Math.floor(i / 3)).padStart(4, "0")}`);
    out.push({ key: makeInternalKey(uk, 1000 - (i % 3), ValueKind.Put), value: Buffer.from(`value-${i}`.repeat(i % 4)) });
  }
  return out;
}

function forward(it: BlockIterator): string[] {
  const keys: string[] = [];
  for (it.seekToFirst(); it.valid(); it.next()) keys.push(it.key().toString("hex") + "=" + it.value().toString());
  return keys;
}

function backward(it: BlockIterator): string[] {
  const keys: string[] = [];
  for (it.seekToLast(); it.valid(); it.prev()) keys.push(it.key().toString("hex") + "=" + it.value().toString());
  return keys;
}

describe("block builder and iterator", () => {
  it.each([
    { entries: 0, restartInterval: 1 },
    { entries: 1, restartInterval: 1 },
    { entries: 1, restartInterval: 16 },
    { entries: 17, restartInterval: 16 },
    { entries: 100, restartInterval: 1 },
    { entries: 100, restartInterval: 3 },
    { entries: 100, restartInterval: 16 },
    { entries: 100, restartInterval: 1000 },
  ])("round trips $entries entries with restart interval $restartInterval", ({ entries, restartInterval }) => {
    const es = sampleEntries(entries);
    const block = build(es, restartInterval);
    expect(block.restartCount).toBe(Math.max(1, Math.ceil(entries / restartInterval)));
    const it = new BlockIterator(block);
    const expected = es.map((e) => e.key.toString("hex") + "=" + e.value.toString());
    expect(forward(it)).toEqual(expected);
    expect(backward(it)).toEqual([...expected].reverse());
  });

  it("compareInternalKeyAt agrees with compareInternalKeys", () => {
    const key = fc.tuple(fc.uint8Array({ maxLength: 6 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom(0, 1));
    fc.assert(
      fc.property(key, key, fc.nat(4), ([ua, sa, ka], [ub, sb, kb], pad) => {
        const a = makeInternalKey(ua, sa, ka as ValueKind);
        const b = makeInternalKey(ub, sb, kb as ValueKind);
        const padded = Buffer.concat([Buffer.alloc(pad, 7), a, Buffer.alloc(pad, 9)]);
        const longB = Buffer.concat([b, Buffer.alloc(pad, 1)]);
        expect(Math.sign(compareInternalKeyAt(padded, pad, pad + a.length, longB, b.length))).toBe(
          Math.sign(compareInternalKeys(a, b)),
        );
      }),
    );
  });

  it.each([
    { name: "short keys over a tiny alphabet", userKey: fc.uint8Array({ maxLength: 4, max: 3 }), seqMax: 20, intervalMax: 8 },
    {
      name: "long keys with shared prefixes and extreme bytes",
      userKey: fc.array(fc.constantFrom(0, 1, 0x7f, 0xff), { maxLength: 12 }).map((a) => Uint8Array.from([9, 9, 9, ...a])),
      seqMax: 300,
      intervalMax: 32,
    },
  ])("seeks like a sorted array: $name (property)", ({ userKey, seqMax, intervalMax }) => {
    const internalKey = fc.tuple(userKey, fc.integer({ min: 0, max: seqMax }), fc.constantFrom(0, 1));
    fc.assert(
      fc.property(
        fc.array(internalKey, { maxLength: 80 }),
        fc.array(internalKey, { minLength: 1, maxLength: 20 }),
        fc.integer({ min: 1, max: intervalMax }),
        (raw, targets, restartInterval) => {
          const keys = dedupeSorted(raw.map(([u, s, k]) => makeInternalKey(u, s, k as ValueKind)));
          const block = build(
            keys.map((key, i) => ({ key, value: Buffer.from(String(i)) })),
            restartInterval,
          );
          const it = new BlockIterator(block);
          for (const [u, s, k] of targets) {
            const t = makeInternalKey(u, s, k as ValueKind);
            const ge = keys.findIndex((key) => compareInternalKeys(key, t) >= 0);
            it.seek(t);
            if (ge < 0) expect(it.valid()).toBe(false);
            else expect(it.value().toString()).toBe(String(ge));
            const le = findLastIndex(keys, (key) => compareInternalKeys(key, t) <= 0);
            it.seekForPrev(t);
            if (le < 0) expect(it.valid()).toBe(false);
            else {
              expect(it.value().toString()).toBe(String(le));
              expect(it.key().equals(keys[le]!)).toBe(true);
              it.prev();
              if (le === 0) expect(it.valid()).toBe(false);
              else expect(it.value().toString()).toBe(String(le - 1));
            }
          }
        },
      ),
    );
  });

  it.each([
    ["is too short", Buffer.from([1, 0])],
    ["declares no restarts", Buffer.from([0, 0, 0, 0])],
    ["declares more restarts than fit", Buffer.from([0, 0, 0, 0, 5, 0, 0, 0])],
    ["has a restart past the entries", Buffer.from([0, 0, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0])],
  ])("rejects a block that %s", (_name, bytes) => {
    expect(() => new Block(bytes, "/test/bad", 4096)).toThrow(CorruptionError);
  });

  it("reports an entry that runs past the restart array", () => {
    // One entry: shared 0, unshared 8, value 50 (but only a few bytes follow), restart [0], count 1.
    const bytes = Buffer.concat([Buffer.from([0, 8, 50]), Buffer.alloc(8), Buffer.from([0, 0, 0, 0, 1, 0, 0, 0])]);
    const it = new BlockIterator(new Block(bytes, "/test/bad", 4096));
    expect(() => it.seekToFirst()).toThrow(/\/test\/bad at offset 4096/);
  });
});

function dedupeSorted(keys: Buffer[]): Buffer[] {
  const sorted = [...keys].sort(compareInternalKeys);
  return sorted.filter((k, i) => i === 0 || compareInternalKeys(sorted[i - 1]!, k) !== 0);
}

function findLastIndex<T>(xs: T[], pred: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i]!)) return i;
  return -1;
}
