import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import { VECTOR_METRICS, vectorDistance, type VectorMetric } from "./distance.js";
import { compareCandidates, FlatIndex, flatSearch, TopK, type VectorEntry } from "./flat-index.js";

const v = (...xs: number[]) => Float32Array.from(xs);

/** The reference: every distance, fully sorted. */
function bruteForce(entries: readonly VectorEntry[], query: Float32Array, k: number, metric: VectorMetric, pass: (id: bigint) => boolean = () => true) {
  const all = entries.filter((e) => pass(e.id)).map((e) => ({ id: e.id, d: vectorDistance(e.vector, query, metric) }));
  all.sort((x, y) => compareCandidates(x.d, x.id, y.d, y.id));
  const top = all.slice(0, k);
  return { ids: top.map((x) => x.id), distances: top.map((x) => x.d) };
}

describe("compareCandidates", () => {
  it("orders by distance, NaN last, then by id", () => {
    const items: [number, bigint][] = [
      [NaN, 1n],
      [2, 5n],
      [-1, 9n],
      [2, 3n],
      [NaN, 0n],
      [Infinity, 4n],
    ];
    items.sort(([da, ia], [db, ib]) => compareCandidates(da, ia, db, ib));
    expect(items).toEqual([
      [-1, 9n],
      [2, 3n],
      [2, 5n],
      [Infinity, 4n],
      [NaN, 0n],
      [NaN, 1n],
    ]);
  });
});

describe("TopK", () => {
  const distance = fc.oneof(fc.double({ noNaN: false }), fc.constantFrom(0, 1, NaN, -0));
  const pairs = fc.uniqueArray(fc.tuple(fc.bigInt({ min: 0n, max: 1000n }), distance), { selector: ([id]) => id, maxLength: 200 });

  it("keeps exactly the k best of what it is offered, in order", () => {
    fc.assert(
      fc.property(pairs, fc.integer({ min: 0, max: 50 }), (items, k) => {
        const top = new TopK(k);
        for (const [id, d] of items) top.offer(id, d);
        const sorted = [...items].sort(([ia, da], [ib, db]) => compareCandidates(da, ia, db, ib)).slice(0, k);
        const got = top.result();
        expect(got.ids).toEqual(sorted.map(([id]) => id));
        expect(got.distances).toEqual(sorted.map(([, d]) => d));
        expect(top.size).toBe(Math.min(k, items.length));
      }),
    );
  });

  it("accepts() predicts offer()", () => {
    fc.assert(
      fc.property(pairs, fc.integer({ min: 0, max: 10 }), (items, k) => {
        const top = new TopK(k);
        for (const [id, d] of items) {
          const predicted = top.accepts(id, d);
          expect(top.offer(id, d)).toBe(predicted);
        }
      }),
    );
  });

  it("rejects a negative or fractional k", () => {
    expect(() => new TopK(-1)).toThrow(RangeError);
    expect(() => new TopK(1.5)).toThrow(RangeError);
  });
});

describe("flatSearch", () => {
  const dataset = fc.integer({ min: 1, max: 12 }).chain((dims) => {
    const vec = fc.array(fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), { minLength: dims, maxLength: dims }).map((xs) => Float32Array.from(xs));
    return fc.record({
      entries: fc.uniqueArray(fc.record({ id: fc.bigInt({ min: 0n, max: 2n ** 64n }), vector: vec }), { selector: (e) => e.id, maxLength: 120 }),
      query: vec,
      k: fc.integer({ min: 0, max: 30 }),
      metric: fc.constantFrom(...VECTOR_METRICS),
      // A predicate on the id's low bits, so it is pure.
      mask: fc.integer({ min: 0, max: 7 }),
    });
  });

  it("equals a brute-force sort, with and without a filter", () => {
    fc.assert(
      fc.property(dataset, ({ entries, query, k, metric, mask }) => {
        expect(flatSearch(entries, query, k, metric)).toEqual(bruteForce(entries, query, k, metric));
        const pass = (id: bigint) => (id & 7n) >= BigInt(mask);
        expect(flatSearch(entries, query, k, metric, pass)).toEqual(bruteForce(entries, query, k, metric, pass));
      }),
    );
  });

  it("asks the filter at most once per entry, and only about candidates that would make the top k", () => {
    fc.assert(
      fc.property(dataset, ({ entries, query, k, metric }) => {
        const asked: bigint[] = [];
        flatSearch(entries, query, k, metric, (id) => {
          asked.push(id);
          return id % 2n === 0n;
        });
        expect(new Set(asked).size).toBe(asked.length);
        if (k === 0) expect(asked).toEqual([]);
      }),
    );
    // Entries in ascending distance: once k pass, nothing farther is asked about.
    const entries = [0, 1, 2, 3, 4, 5].map((x) => ({ id: BigInt(x), vector: v(x) }));
    const asked: bigint[] = [];
    flatSearch(entries, v(0), 2, "l2", (id) => (asked.push(id), true));
    expect(asked).toEqual([0n, 1n]);
  });

  it("sorts NaN distances (cosine with a zero vector) after every number", () => {
    const entries = [
      { id: 1n, vector: v(0, 0) },
      { id: 2n, vector: v(-1, 0) },
      { id: 3n, vector: v(1, 0.1) },
    ];
    const got = flatSearch(entries, v(1, 0), 3, "cosine");
    expect(got.ids).toEqual([3n, 2n, 1n]);
    expect(got.distances[2]).toBeNaN();
  });

  it("rejects an entry of other dimensions with pgvector's error", () => {
    let caught: unknown;
    try {
      flatSearch([{ id: 1n, vector: v(1, 2, 3) }], v(1, 2), 1, "l2");
    } catch (e) {
      caught = e;
    }
    expect(sqlstateOf(caught)).toBe("22000");
    expect((caught as Error).message).toBe("different vector dimensions 3 and 2");
  });
});

describe("FlatIndex", () => {
  it("adds, removes and searches exactly", () => {
    const index = new FlatIndex(2, "l2");
    index.add(1n, v(0, 0));
    index.add(2n, v(3, 4));
    index.add(3n, v(1, 1));
    expect(index.size).toBe(3);
    expect(index.search(v(0, 0), 2)).toEqual({ ids: [1n, 3n], distances: [0, Math.SQRT2] });
    expect(index.remove(1n)).toBe(true);
    expect(index.remove(1n)).toBe(false);
    expect(index.has(1n)).toBe(false);
    expect(index.search(v(0, 0), 5).ids).toEqual([3n, 2n]);
    expect(index.search(v(0, 0), 5, { filter: (id) => id !== 3n }).ids).toEqual([2n]);
  });

  it("copies vectors on add", () => {
    const index = new FlatIndex(1, "inner");
    const x = v(1);
    index.add(7n, x);
    x[0] = 100;
    expect(index.search(v(1), 1).distances).toEqual([-1]);
  });

  it("rejects malformed vectors, other dimensions and duplicate ids", () => {
    const index = new FlatIndex(2, "cosine");
    index.add(1n, v(1, 0));
    expect(() => index.add(1n, v(0, 1))).toThrow(RangeError);
    expect(() => index.add(2n, v(1, NaN))).toThrow("NaN not allowed in vector");
    expect(() => index.add(2n, v(1))).toThrow("expected 2 dimensions, not 1");
    expect(() => index.search(v(1, 2, 3), 1)).toThrow("different vector dimensions 2 and 3");
    expect(() => new FlatIndex(0, "l2")).toThrow(RangeError);
  });
});
