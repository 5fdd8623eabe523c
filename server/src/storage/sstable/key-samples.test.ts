import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareBytes, makeInternalKey, ValueKind } from "../internal-key.js";
import { encodeKeySamples, KEY_SAMPLES_MIN, KEY_SAMPLES_PROPERTY, KeySamples, LogicalKeySampleCollector } from "./key-samples.js";

// fc.assert reports the seed and path of a failure, so a failing run can be replayed.

const keyArb = fc.uint8Array({ minLength: 0, maxLength: 12 }).map((u) => Buffer.from(u));
/** Distinct keys, ascending. */
const keySetArb = fc.uniqueArray(keyArb, { minLength: 0, maxLength: 1500, selector: (k) => k.toString("hex") }).map((ks) => ks.sort(compareBytes));

function collect(keys: readonly Buffer[], logicalKeyLength?: (key: Uint8Array, userKeyLength: number) => number, kinds?: (i: number) => ValueKind): KeySamples {
  const c = new LogicalKeySampleCollector(logicalKeyLength);
  keys.forEach((k, i) => c.add(makeInternalKey(k, 1000 - (i % 1000), kinds?.(i) ?? ValueKind.Put), Buffer.alloc(0)));
  const bytes = c.finish()[KEY_SAMPLES_PROPERTY];
  if (bytes === undefined) return KeySamples.decode(encodeKeySamples(0, 0, [], [])) as KeySamples;
  const s = KeySamples.decode(bytes);
  if (typeof s === "string") throw new Error(s);
  return s;
}

function trueBelow(keys: readonly Buffer[], x: Buffer): number {
  let n = 0;
  for (const k of keys) if (compareBytes(k, x) < 0) n++;
  return n;
}

function maxGap(s: KeySamples): number {
  let g = 1;
  for (let i = 1; i < s.sampleCount; i++) g = Math.max(g, s.rankOf(i) - s.rankOf(i - 1));
  return g;
}

describe("logical key samples", () => {
  it("encode and decode round-trip any ascending sample set", () => {
    fc.assert(
      fc.property(keySetArb, fc.nat({ max: 1000 }), (keys, extra) => {
        const ranks: number[] = [];
        let r = 0;
        for (let i = 0; i < keys.length; i++) {
          ranks.push(r);
          r += 1 + ((i * 7 + extra) % 5);
        }
        const count = keys.length === 0 ? 0 : ranks[ranks.length - 1]! + 1;
        if (keys.length > 0) ranks[ranks.length - 1] = count - 1;
        const deleted = Math.min(count, extra % 7);
        const s = KeySamples.decode(encodeKeySamples(count, deleted, keys, ranks));
        if (typeof s === "string") throw new Error(s);
        expect(s.count).toBe(count);
        expect(s.deletedOnly).toBe(deleted);
        expect(s.sampleCount).toBe(keys.length);
        for (let i = 0; i < keys.length; i++) {
          expect(s.keyOf(i).equals(keys[i]!)).toBe(true);
          expect(s.rankOf(i)).toBe(ranks[i]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("rejects truncated or reordered encodings", () => {
    const keys = [Buffer.from("a"), Buffer.from("b"), Buffer.from("c")];
    const good = encodeKeySamples(3, 0, keys, [0, 1, 2]);
    for (let n = 0; n < good.length; n++) expect(typeof KeySamples.decode(good.subarray(0, n))).toBe("string");
    expect(typeof KeySamples.decode(Buffer.concat([good, Buffer.of(0)]))).toBe("string");
    expect(KeySamples.decode(encodeKeySamples(3, 0, [keys[1]!, keys[0]!, keys[2]!], [0, 1, 2]))).toBe("key sample 1 is out of order");
    expect(KeySamples.decode(encodeKeySamples(5, 0, keys, [0, 1, 2]))).toBe("key samples do not span the table");
  });

  it("keeps between KEY_SAMPLES_MIN and 2 KEY_SAMPLES_MIN + 1 samples, and every key of a small table", () => {
    fc.assert(
      fc.property(keySetArb, (keys) => {
        const s = collect(keys);
        expect(s.count).toBe(keys.length);
        if (keys.length < 2 * KEY_SAMPLES_MIN) expect(s.sampleCount).toBe(keys.length);
        else {
          expect(s.sampleCount).toBeGreaterThanOrEqual(KEY_SAMPLES_MIN);
          expect(s.sampleCount).toBeLessThanOrEqual(2 * KEY_SAMPLES_MIN + 1);
        }
        for (let i = 0; i < s.sampleCount; i++) expect(s.keyOf(i).equals(keys[s.rankOf(i)]!)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it("estimates keys below a bound within the sampling stride, exactly for small tables, and between the neighbouring samples' ranks", () => {
    fc.assert(
      fc.property(keySetArb, fc.array(keyArb, { minLength: 1, maxLength: 20 }), (keys, probes) => {
        const s = collect(keys);
        const gap = maxGap(s);
        for (const x of [...probes, ...keys.slice(0, 5)]) {
          const est = s.countBelow(x);
          const truth = trueBelow(keys, x);
          if (keys.length < 2 * KEY_SAMPLES_MIN) expect(est).toBe(truth);
          expect(Math.abs(est - truth)).toBeLessThanOrEqual(gap);
          // Between samples j-1 < x <= j the estimate stays in [rank(j-1) + 1, rank(j)].
          let j = 0;
          while (j < s.sampleCount && compareBytes(s.keyOf(j), x) < 0) j++;
          if (j > 0 && j < s.sampleCount) {
            expect(est).toBeGreaterThanOrEqual(s.rankOf(j - 1) + 1);
            expect(est).toBeLessThanOrEqual(s.rankOf(j));
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("estimates ranges within two strides of the truth", () => {
    fc.assert(
      fc.property(keySetArb, keyArb, keyArb, (keys, a, b) => {
        const [lo, hi] = compareBytes(a, b) <= 0 ? [a, b] : [b, a];
        const s = collect(keys);
        const truth = keys.filter((k) => compareBytes(k, lo) >= 0 && compareBytes(k, hi) < 0).length;
        const est = s.countBetween(lo, hi);
        expect(est).toBeGreaterThanOrEqual(0);
        expect(Math.abs(est - truth)).toBeLessThanOrEqual(2 * maxGap(s));
        expect(s.countBetween(undefined, undefined)).toBe(keys.length);
      }),
      { numRuns: 150 },
    );
  });

  it("interpolates uniformly spread keys closely", () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => Buffer.from(i.toString(16).padStart(8, "0")));
    const s = collect(keys);
    expect(s.sampleCount).toBeLessThanOrEqual(2 * KEY_SAMPLES_MIN + 1);
    const est = s.countBetween(Buffer.from((12_345).toString(16).padStart(8, "0")), Buffer.from((67_890).toString(16).padStart(8, "0")));
    expect(Math.abs(est - (67_890 - 12_345))).toBeLessThan(1500);
  });

  it("counts a logical key once however many versions it has, and deletion-only keys apart", () => {
    // Logical key: all but the last byte (a version suffix).
    const keys: Buffer[] = [];
    for (let k = 0; k < 300; k++) for (let v = 0; v < 1 + (k % 3); v++) keys.push(Buffer.from([k >> 8, k & 0xff, 9 - v]));
    const logical = (_key: Uint8Array, userKeyLength: number): number => userKeyLength - 1;
    // Every version of every 10th logical key is a deletion.
    const s = collect(keys, logical, (i) => (keys[i]![1]! % 10 === 0 && keys[i]![0] === 0 ? ValueKind.Delete : ValueKind.Put));
    expect(s.count).toBe(300);
    expect(s.deletedOnly).toBe(26);
    expect(s.countBetween(undefined, undefined)).toBeCloseTo(274, 6);
    const mid = s.countBelow(Buffer.from([0, 150]));
    expect(Math.abs(mid - 150)).toBeLessThanOrEqual(maxGap(s));
  });
});
