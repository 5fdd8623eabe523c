import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import { VECTOR_METRICS, vectorDistance, type VectorMetric } from "./distance.js";
import { VectorSegmentCorruptionError } from "./errors.js";
import { flatSearch, type SearchResult, type VectorEntry } from "./flat-index.js";
import { HNSW_MAX_ID, HnswIndex, validateHnswParams, type HnswParams } from "./hnsw-index.js";
import { clusteredVectors, seededRandom } from "./testing/datasets.js";

const DIMS = 64;
const COUNT = 5000;
const QUERIES = 100;
const K = 10;
const data = clusteredVectors({ count: COUNT + QUERIES, dims: DIMS, clusters: 20, spread: 0.6, seed: 42 });
const entries: VectorEntry[] = data.slice(0, COUNT).map((vector, i) => ({ id: BigInt(i), vector }));
const queries = data.slice(COUNT);

function failure(f: () => unknown): { sqlstate: string | undefined; message: string } {
  try {
    f();
  } catch (e) {
    return { sqlstate: sqlstateOf(e), message: (e as Error).message };
  }
  throw new Error("expected an error");
}

/** Mean fraction of the exact top k that the approximate results contain. */
function recall(approximate: readonly SearchResult[], exact: readonly SearchResult[]): number {
  let hits = 0;
  let wanted = 0;
  approximate.forEach((got, i) => {
    const truth = new Set(exact[i]!.ids);
    wanted += truth.size;
    for (const id of got.ids) if (truth.has(id)) hits++;
  });
  return wanted === 0 ? 1 : hits / wanted;
}

/** |got - want| within float32 rounding of the values involved. */
function expectDistanceClose(got: number, want: number): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(2e-5 * Math.max(1, Math.abs(want)));
}

function vectorOf(id: bigint): Float32Array {
  return entries[Number(id)]!.vector;
}

describe.each(VECTOR_METRICS)("HNSW over %s: 5k clustered vectors of 64 dims", (metric) => {
  let index: HnswIndex;
  let exact: SearchResult[];
  beforeAll(() => {
    index = HnswIndex.create({ dims: DIMS, metric });
    expect(
      index.addBatch(
        entries.map((e) => e.id),
        entries.map((e) => e.vector),
      ),
    ).toBe(COUNT);
    exact = queries.map((q) => flatSearch(entries, q, K, metric));
  });
  afterAll(() => index.close());

  it("finds >= 95% of the exact top 10 at the default ef_search, with distance.ts's distances, nearest first", () => {
    const got = queries.map((q) => index.search(q, K));
    expect(recall(got, exact)).toBeGreaterThanOrEqual(0.95);
    got.forEach((result, i) => {
      expect(result.ids).toHaveLength(K);
      result.ids.forEach((id, j) => expectDistanceClose(result.distances[j]!, vectorDistance(vectorOf(id), queries[i]!, metric)));
      for (let j = 1; j < K; j++) expect(result.distances[j]!).toBeGreaterThanOrEqual(result.distances[j - 1]!);
    });
  });

  it("returns k results when k exceeds ef_search, and accepts ef_search per search", () => {
    const wide = index.search(queries[0]!, 100, { efSearch: 10 });
    expect(wide.ids).toHaveLength(100);
    expect(new Set(wide.ids).size).toBe(100);
    const got = queries.map((q) => index.search(q, K, { efSearch: 200 }));
    expect(recall(got, exact)).toBeGreaterThanOrEqual(0.98);
  });

  it("filters by over-fetching: only passing ids, k of them, each asked about once", () => {
    const pass = (id: bigint) => id % 10n === 3n;
    const asked = new Map<bigint, number>();
    const got = queries.map((q) =>
      index.search(q, K, {
        filter: (id) => {
          asked.set(id, (asked.get(id) ?? 0) + 1);
          return pass(id);
        },
      }),
    );
    for (const r of got) {
      expect(r.ids).toHaveLength(K);
      expect(r.ids.every(pass)).toBe(true);
    }
    const exactFiltered = queries.map((q) => flatSearch(entries, q, K, metric, pass));
    expect(recall(got, exactFiltered)).toBeGreaterThanOrEqual(0.9);
    // Within one search an id is asked about once (the count is summed over all searches).
    expect(Math.max(...asked.values())).toBeLessThanOrEqual(QUERIES);
  });

  it("with a very selective filter (15 of 5000), examines every node it can reach and returns every match among them", () => {
    const q = queries[0]!;
    const chosen = new Set(Array.from({ length: 15 }, (_, i) => BigInt(i * 331)));
    const reachable = new Set(index.search(q, COUNT, { efSearch: 1000 }).ids);
    const asked = new Set<bigint>();
    const got = index.search(q, 20, { filter: (id) => (asked.add(id), chosen.has(id)) });
    expect(asked).toEqual(reachable);
    expect(new Set(got.ids)).toEqual(new Set([...chosen].filter((id) => reachable.has(id))));
    // Under l2 and cosine (metrics) the graph reaches (almost) every node; under inner product,
    // vectors of small norm are nobody's nearest neighbour and many are unreachable, which is why
    // a caller falls back to the exact path when it gets fewer than k.
    if (metric !== "inner") expect(reachable.size).toBeGreaterThanOrEqual(COUNT - 5);
    expect(index.search(q, 5, { filter: (id) => chosen.has(id) }).ids).toHaveLength(5);
  });
});

describe("removal", () => {
  it("never returns a removed id, and a removed id can be added again", () => {
    const index = HnswIndex.create({ dims: DIMS, metric: "l2", m: 8, efConstruction: 32 });
    const subset = entries.slice(0, 2000);
    index.addBatch(
      subset.map((e) => e.id),
      subset.map((e) => e.vector),
    );
    const random = seededRandom(7);
    const removed = new Set(subset.filter(() => random() < 0.3).map((e) => e.id));
    for (const id of removed) expect(index.remove(id)).toBe(true);
    expect(index.remove(removed.values().next().value!)).toBe(false);
    expect(index.size).toBe(2000 - removed.size);
    for (const q of queries) {
      const got = index.search(q, 50, { efSearch: 100 });
      expect(got.ids).toHaveLength(50);
      for (const id of got.ids) expect(removed.has(id)).toBe(false);
    }
    for (const id of removed) expect(index.has(id)).toBe(false);
    // A removed id comes back with a new vector, which search then finds.
    const back = removed.values().next().value!;
    expect(index.add(back, queries[0]!)).toBe(true);
    expect(index.search(queries[0]!, 1)).toEqual({ ids: [back], distances: [0] });
    index.close();
  });

  it("agrees with a model under random adds and removes: a search for everything returns exactly the live ids", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("add" as const), id: fc.bigInt({ min: 0n, max: 40n }), vector: fc.integer({ min: 0, max: COUNT - 1 }) }),
      fc.record({ kind: fc.constant("remove" as const), id: fc.bigInt({ min: 0n, max: 40n }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.constantFrom(...VECTOR_METRICS), (ops, metric) => {
        const index = HnswIndex.create({ dims: DIMS, metric, m: 4, efConstruction: 8 });
        const live = new Map<bigint, Float32Array>();
        try {
          for (const o of ops) {
            if (o.kind === "remove") expect(index.remove(o.id)).toBe(live.delete(o.id));
            else if (!live.has(o.id)) {
              const vector = entries[o.vector]!.vector;
              index.add(o.id, vector);
              live.set(o.id, vector);
            }
          }
          expect(index.size).toBe(live.size);
          const got = index.search(queries[0]!, Math.max(1, live.size), { efSearch: 1000 });
          expect(new Set(got.ids)).toEqual(new Set(live.keys()));
          got.ids.forEach((id, i) => expectDistanceClose(got.distances[i]!, vectorDistance(live.get(id)!, queries[0]!, metric)));
        } finally {
          index.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("cosine and zero vectors", () => {
  it("leaves zero vectors out, as pgvector's index does, and gives a zero query NaN distances", () => {
    const index = HnswIndex.create({ dims: 2, metric: "cosine" });
    expect(index.add(1n, Float32Array.of(0, 0))).toBe(false);
    expect(index.addBatch([2n, 3n, 4n], [Float32Array.of(1, 0), Float32Array.of(0, 0), Float32Array.of(0, 1)])).toBe(2);
    expect(index.size).toBe(2);
    expect(index.has(1n)).toBe(false);
    expect(index.search(Float32Array.of(1, 0.1), 10).ids).toEqual([2n, 4n]);
    const zero = index.search(Float32Array.of(0, 0), 10);
    expect(zero.ids).toEqual([2n, 4n]);
    expect(zero.distances.every(Number.isNaN)).toBe(true);
    index.close();
  });
});

describe("inner product sign", () => {
  it("returns -Σaᵢbᵢ (pgvector's <#>), nearest = largest inner product", () => {
    const index = HnswIndex.create({ dims: 2, metric: "inner" });
    index.addBatch([1n, 2n, 3n], [Float32Array.of(1, 0), Float32Array.of(2, 0), Float32Array.of(-1, 0)]);
    expect(index.search(Float32Array.of(3, 0), 3)).toEqual({ ids: [2n, 1n, 3n], distances: [-6, -3, 3] });
    index.close();
  });
});

describe("parameters", () => {
  const base = { dims: 3, metric: "l2" } as const;
  it("fills pgvector's defaults", () => {
    expect(validateHnswParams(base)).toEqual({ dims: 3, metric: "l2", m: 16, efConstruction: 64, efSearch: 40 });
  });

  it.each<[string, HnswParams, string]>([
    ["m below 2", { ...base, m: 1 }, 'value 1 out of bounds for option "m" (valid values are between 2 and 100)'],
    ["m above 100", { ...base, m: 101 }, 'value 101 out of bounds for option "m" (valid values are between 2 and 100)'],
    ["fractional m", { ...base, m: 2.5 }, 'invalid value for integer option "m": 2.5'],
    ["ef_construction below 4", { ...base, m: 2, efConstruction: 3 }, 'value 3 out of bounds for option "ef_construction" (valid values are between 4 and 1000)'],
    ["ef_construction above 1000", { ...base, efConstruction: 1001 }, 'value 1001 out of bounds for option "ef_construction" (valid values are between 4 and 1000)'],
    ["ef_construction below 2m", { ...base, m: 16, efConstruction: 31 }, "ef_construction must be greater than or equal to 2 * m"],
    ["ef_search 0", { ...base, efSearch: 0 }, '0 is outside the valid range for parameter "ef_search" (1 .. 1000)'],
    ["ef_search 1001", { ...base, efSearch: 1001 }, '1001 is outside the valid range for parameter "ef_search" (1 .. 1000)'],
    ["0 dimensions", { ...base, dims: 0 }, "hnsw index dimensions 0 must be between 1 and 16000"],
    ["16001 dimensions", { ...base, dims: 16001 }, "hnsw index dimensions 16001 must be between 1 and 16000"],
    ["an unknown metric", { dims: 3, metric: "l1" as VectorMetric }, 'invalid distance metric "l1"'],
  ])("rejects %s with 22023", (_name, params, message) => {
    expect(failure(() => HnswIndex.create(params))).toEqual({ sqlstate: "22023", message });
  });

  it("rejects a bad ef_search per search", () => {
    const index = HnswIndex.create(base);
    index.add(1n, Float32Array.of(1, 2, 3));
    expect(failure(() => index.search(Float32Array.of(1, 2, 3), 1, { efSearch: 5000 })).sqlstate).toBe("22023");
    index.close();
  });
});

describe("contract checks", () => {
  it("rejects bad ids, duplicates and malformed vectors without adding anything", () => {
    const index = HnswIndex.create({ dims: 3, metric: "l2" });
    index.add(HNSW_MAX_ID, Float32Array.of(1, 2, 3));
    expect(index.search(Float32Array.of(1, 2, 3), 1).ids).toEqual([HNSW_MAX_ID]);
    expect(() => index.add(HNSW_MAX_ID + 1n, Float32Array.of(1, 2, 3))).toThrow(RangeError);
    expect(() => index.add(-1n, Float32Array.of(1, 2, 3))).toThrow(RangeError);
    expect(() => index.add(HNSW_MAX_ID, Float32Array.of(1, 2, 3))).toThrow("already in the hnsw index");
    expect(() => index.addBatch([5n, 5n], [Float32Array.of(1, 2, 3), Float32Array.of(1, 2, 3)])).toThrow("already in the hnsw index");
    expect(failure(() => index.add(6n, Float32Array.of(1, NaN, 3)))).toEqual({ sqlstate: "22000", message: "NaN not allowed in vector" });
    expect(failure(() => index.add(6n, Float32Array.of(1, 2)))).toEqual({ sqlstate: "22000", message: "expected 3 dimensions, not 2" });
    expect(failure(() => index.search(Float32Array.of(1, 2), 1))).toEqual({ sqlstate: "22000", message: "different vector dimensions 3 and 2" });
    expect(failure(() => index.search(Float32Array.of(1, 2, Infinity), 1)).message).toBe("infinite value not allowed in vector");
    expect(index.size).toBe(1);
    expect(index.has(5n)).toBe(false);
    index.close();
  });

  it("answers nothing for k = 0 or an empty index", () => {
    const index = HnswIndex.create({ dims: 2, metric: "l2" });
    expect(index.search(Float32Array.of(1, 2), 5)).toEqual({ ids: [], distances: [] });
    index.add(1n, Float32Array.of(1, 2));
    expect(index.search(Float32Array.of(1, 2), 0)).toEqual({ ids: [], distances: [] });
    index.close();
  });

  it("refuses every use after close(), and close() is idempotent", () => {
    const index = HnswIndex.create({ dims: 2, metric: "l2" });
    index.add(1n, Float32Array.of(1, 2));
    index.close();
    index.close();
    expect(index.closed).toBe(true);
    expect(() => index.search(Float32Array.of(1, 2), 1)).toThrow("after close()");
    expect(() => index.size).toThrow("after close()");
    expect(() => index.toBuffer()).toThrow("after close()");
  });

  it("estimates memory that grows with the vectors held", () => {
    const index = HnswIndex.create({ dims: DIMS, metric: "l2" });
    const empty = index.memoryBytes();
    index.addBatch(
      entries.slice(0, 1000).map((e) => e.id),
      entries.slice(0, 1000).map((e) => e.vector),
    );
    const full = index.memoryBytes();
    // At least the raw vectors and layer-0 links.
    expect(full - empty).toBeGreaterThan(1000 * (DIMS * 4 + 2 * 16 * 4));
    expect(full).toBeLessThan(3 * 1000 * (DIMS * 4 + 2 * 16 * 4) + empty);
    index.close();
  });
});

describe("images", () => {
  const params = { dims: DIMS, metric: "cosine", m: 12, efConstruction: 40 } as const;
  let original: HnswIndex;
  let image: Buffer;
  beforeAll(() => {
    original = HnswIndex.create(params);
    const subset = entries.slice(0, 1500);
    original.addBatch(
      subset.map((e) => e.id),
      subset.map((e) => e.vector),
    );
    original.remove(7n);
    image = original.toBuffer();
  });
  afterAll(() => original.close());

  it("round trips through a buffer with identical search results", () => {
    const loaded = HnswIndex.fromImage(image, params);
    expect(loaded.size).toBe(1499);
    expect(loaded.has(7n)).toBe(false);
    expect(loaded.memoryBytes()).toBe(original.memoryBytes());
    for (const q of queries.slice(0, 20)) expect(loaded.search(q, K, { efSearch: 64 })).toEqual(original.search(q, K, { efSearch: 64 }));
    // The loaded index keeps working: adds reuse the removed node.
    loaded.add(100000n, queries[0]!);
    expect(loaded.search(queries[0]!, 1).ids).toEqual([100000n]);
    loaded.close();
  });

  it("round trips an empty index", () => {
    const empty = HnswIndex.create({ dims: 4, metric: "inner" });
    const loaded = HnswIndex.fromImage(empty.toBuffer(), { dims: 4, metric: "inner" });
    expect(loaded.size).toBe(0);
    expect(loaded.search(Float32Array.of(1, 2, 3, 4), 3).ids).toEqual([]);
    empty.close();
    loaded.close();
  });

  it.each<[string, Partial<HnswParams>, string]>([
    ["other dimensions", { dims: 32 }, "usearch image has 64 dimensions (256 bytes per vector), expected 32"],
    ["another metric", { metric: "l2" }, "usearch image metric 0x63 is not l2"],
    ["another m", { m: 16, efConstruction: 64 }, "usearch image connectivity 12, expected m = 16"],
  ])("rejects an image of %s with XX001", (_name, change, reason) => {
    let caught: unknown;
    try {
      HnswIndex.fromImage(image, { ...params, ...change }, 44);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(VectorSegmentCorruptionError);
    expect(sqlstateOf(caught)).toBe("XX001");
    expect((caught as Error).message).toBe(`corrupt vector segment at byte 44: ${reason}`);
  });

  it("rejects truncated images and garbage before usearch sees them", () => {
    for (const length of [0, 7, 8, 100, image.length >> 1]) {
      expect(() => HnswIndex.fromImage(image.subarray(0, length), params)).toThrow(VectorSegmentCorruptionError);
    }
    expect(() => HnswIndex.fromImage(Buffer.from("not an index at all, not an index at all, not an index at all"), params)).toThrow(VectorSegmentCorruptionError);
  });
});

describe("multi-threaded build", () => {
  it("still reaches the recall target", () => {
    const index = HnswIndex.create({ dims: DIMS, metric: "l2" });
    index.addBatch(
      entries.map((e) => e.id),
      entries.map((e) => e.vector),
      2,
    );
    const got = queries.slice(0, 30).map((q) => index.search(q, K));
    const exact = queries.slice(0, 30).map((q) => flatSearch(entries, q, K, "l2"));
    expect(recall(got, exact)).toBeGreaterThanOrEqual(0.95);
    index.close();
  });
});
