import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import {
  checkVector,
  cosineDistance,
  cosineSimilarity,
  distanceKernel,
  innerProduct,
  l2Distance,
  l2SquaredDistance,
  METRIC_OPERATOR,
  metricOfOpclass,
  negativeInnerProduct,
  OPERATOR_METRIC,
  parseVectorMetric,
  VECTOR_METRICS,
  vectorDims,
  vectorDistance,
  vectorNorm,
  vectorSimilarity,
  type VectorMetric,
} from "./distance.js";

const v = (...xs: number[]) => Float32Array.from(xs);

/** The thrown error's SQLSTATE and message. */
function failure(f: () => unknown): { sqlstate: string | undefined; message: string } {
  try {
    f();
  } catch (e) {
    return { sqlstate: sqlstateOf(e), message: (e as Error).message };
  }
  throw new Error("expected an error");
}

describe("distances against hand-computed values and pgvector's documented results", () => {
  type Fn = (a: Float32Array, b: Float32Array) => number;
  const cases: [string, Fn, Float32Array, Float32Array, number][] = [
    ["l2_distance([0,0],[3,4])", l2Distance, v(0, 0), v(3, 4), 5],
    ["l2_distance([0,0],[0,1])", l2Distance, v(0, 0), v(0, 1), 1],
    ["l2_distance([1,2,3],[4,5,6])", l2Distance, v(1, 2, 3), v(4, 5, 6), Math.sqrt(27)],
    ["l2 of float4 elements", l2Distance, v(0.1), v(0.2), 0.10000000149011612],
    ["l2_squared([1,2,3],[4,5,6])", l2SquaredDistance, v(1, 2, 3), v(4, 5, 6), 27],
    ["inner_product([1,2],[3,4])", innerProduct, v(1, 2), v(3, 4), 11],
    ["[1,2] <#> [3,4]", negativeInnerProduct, v(1, 2), v(3, 4), -11],
    ["inner_product of orthogonal vectors", innerProduct, v(1, 0), v(0, 5), 0],
    ["cosine_distance([1,2],[2,4])", cosineDistance, v(1, 2), v(2, 4), 0],
    ["cosine_distance([1,1],[1,1])", cosineDistance, v(1, 1), v(1, 1), 0],
    ["cosine_distance([1,0],[0,2])", cosineDistance, v(1, 0), v(0, 2), 1],
    ["cosine_distance([1,1],[-1,-1])", cosineDistance, v(1, 1), v(-1, -1), 2],
    ["cosine_distance([1,1],[1.1,1.1])", cosineDistance, v(1, 1), v(1.1, 1.1), 0],
    ["cosine_distance([1,1],[-1.1,-1.1])", cosineDistance, v(1, 1), v(-1.1, -1.1), 2],
    ["cosine_distance([1,2,3],[4,5,6])", cosineDistance, v(1, 2, 3), v(4, 5, 6), 1 - 32 / Math.sqrt(14 * 77)],
    ["cosine_similarity([1,0],[1,1])", cosineSimilarity, v(1, 0), v(1, 1), Math.SQRT1_2],
    ["cosine_similarity([1,1],[-1,-1])", cosineSimilarity, v(1, 1), v(-1, -1), -1],
    // Odd and unrolled-remainder lengths exercise the kernels' tails.
    ["l2 over 5 elements", l2Distance, v(1, 1, 1, 1, 1), v(0, 0, 0, 0, 0), Math.sqrt(5)],
    ["inner over 7 elements", innerProduct, v(1, 2, 3, 4, 5, 6, 7), v(1, 1, 1, 1, 1, 1, 1), 28],
    ["cosine over 3 elements", cosineDistance, v(1, 0, 0), v(0, 0, 1), 1],
  ];
  it.each(cases)("%s", (_name, fn, a, b, expected) => {
    expect(fn(a, b)).toBeCloseTo(expected, 12);
  });

  it.each([
    ["one zero vector", v(1, 2), v(0, 0)],
    ["both zero", v(0, 0, 0), v(0, 0, 0)],
  ])("cosine distance and similarity are NaN for %s, as pgvector returns", (_name, a, b) => {
    expect(cosineDistance(a, b)).toBeNaN();
    expect(cosineSimilarity(a, b)).toBeNaN();
    expect(vectorDistance(a, b, "cosine")).toBeNaN();
  });

  it("accumulates in float64 where pgvector's float32 sums overflow (pgvector: Infinity)", () => {
    expect(l2Distance(v(3e38), v(-3e38))).toBe(2 * Math.fround(3e38));
    expect(innerProduct(v(3e38), v(3e38))).toBe(Math.fround(3e38) ** 2);
    expect(cosineDistance(v(3e38), v(3e38))).toBe(0);
  });

  it.each([
    [v(3, 4), 5],
    [v(1, 1), Math.SQRT2],
    [v(0, 1), 1],
    [v(0, 0), 0],
    [v(3e37, 4e37), Math.hypot(Math.fround(3e37), Math.fround(4e37))],
  ])("vector_norm(%s) = %d", (x, expected) => {
    expect(vectorNorm(x)).toBeCloseTo(expected, 10);
  });

  it("vector_dims", () => {
    expect(vectorDims(v(1, 2, 3))).toBe(3);
  });
});

describe("dimension and element checks", () => {
  const fns: [string, (a: Float32Array, b: Float32Array) => unknown][] = [
    ["l2Distance", l2Distance],
    ["l2SquaredDistance", l2SquaredDistance],
    ["innerProduct", innerProduct],
    ["negativeInnerProduct", negativeInnerProduct],
    ["cosineDistance", cosineDistance],
    ["cosineSimilarity", cosineSimilarity],
    ["vectorDistance l2", (a, b) => vectorDistance(a, b, "l2")],
    ["vectorSimilarity inner", (a, b) => vectorSimilarity(a, b, "inner")],
    ["vectorSimilarity l2", (a, b) => vectorSimilarity(a, b, "l2")],
  ];
  it.each(fns)("%s rejects different dimensions with pgvector's error", (_name, fn) => {
    expect(failure(() => fn(v(1, 2, 3), v(1, 2)))).toEqual({ sqlstate: "22000", message: "different vector dimensions 3 and 2" });
    expect(failure(() => fn(v(1, 2), v(3)))).toEqual({ sqlstate: "22000", message: "different vector dimensions 2 and 1" });
  });

  it.each([
    ["NaN", v(1, NaN, 3), undefined, "22000", "NaN not allowed in vector"],
    ["+Infinity", v(Infinity), undefined, "22000", "infinite value not allowed in vector"],
    ["-Infinity", v(1, 2, -Infinity), undefined, "22000", "infinite value not allowed in vector"],
    ["no elements", v(), undefined, "22000", "vector must have at least 1 dimension"],
    ["too many elements", new Float32Array(16001), undefined, "54000", "vector cannot have more than 16000 dimensions"],
    ["the wrong dimensions", v(1, 2), 3, "22000", "expected 3 dimensions, not 2"],
  ])("checkVector rejects %s", (_name, x, dims, sqlstate, message) => {
    expect(failure(() => checkVector(x, dims))).toEqual({ sqlstate, message });
  });

  it("checkVector accepts finite vectors up to 16000 elements, with or without expected dimensions", () => {
    expect(() => checkVector(v(0, -0, 3.4e38, -1e-45))).not.toThrow();
    expect(() => checkVector(new Float32Array(16000), 16000)).not.toThrow();
  });
});

describe("metric names and mappings", () => {
  it("maps each metric to its ordering distance and similarity", () => {
    const a = v(1, 2);
    const b = v(3, 4);
    expect(vectorDistance(a, b, "l2")).toBe(l2Distance(a, b));
    expect(vectorDistance(a, b, "COSINE")).toBe(cosineDistance(a, b));
    expect(vectorDistance(a, b, "Inner")).toBe(-11);
    expect(vectorSimilarity(a, b, "inner")).toBe(11);
    expect(vectorSimilarity(a, b, "cosine")).toBe(cosineSimilarity(a, b));
    expect(vectorSimilarity(v(0, 0), v(3, 4), "l2")).toBeCloseTo(1 / 6, 15);
    expect(vectorSimilarity(a, a, "l2")).toBe(1);
  });

  it("rejects unknown metric names with 22023", () => {
    expect(failure(() => parseVectorMetric("euclid"))).toEqual({ sqlstate: "22023", message: 'invalid distance metric "euclid" (expected l2, cosine or inner)' });
    expect(failure(() => vectorDistance(v(1), v(2), "dot")).sqlstate).toBe("22023");
  });

  it("maps operators and operator classes", () => {
    expect(OPERATOR_METRIC).toEqual({ "<->": "l2", "<=>": "cosine", "<#>": "inner" });
    for (const m of VECTOR_METRICS) expect(OPERATOR_METRIC[METRIC_OPERATOR[m]]).toBe(m);
    expect(metricOfOpclass("vector_l2_ops")).toBe("l2");
    expect(metricOfOpclass("VECTOR_COSINE_OPS")).toBe("cosine");
    expect(metricOfOpclass("vector_ip_ops")).toBe("inner");
    expect(failure(() => metricOfOpclass("vector_l1_ops"))).toEqual({
      sqlstate: "42704",
      message: 'operator class "vector_l1_ops" does not exist for access method "hnsw"',
    });
  });
});

describe("properties", () => {
  const element = fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true });
  const vectorOf = (n: number) => fc.array(element, { minLength: n, maxLength: n }).map((xs) => Float32Array.from(xs));
  const triple = fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(vectorOf(n), vectorOf(n), vectorOf(n)));
  const tolerance = (scale: number) => 1e-9 * Math.max(1, scale);

  /** The plain float64 loops the unrolled kernels must agree with. */
  const naive: Record<VectorMetric, (a: Float32Array, b: Float32Array) => number> = {
    l2: (a, b) => Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0)),
    inner: (a, b) => -a.reduce((s, x, i) => s + x * b[i]!, 0),
    cosine: (a, b) => {
      const dot = a.reduce((s, x, i) => s + x * b[i]!, 0);
      const sim = dot / Math.sqrt(a.reduce((s, x) => s + x * x, 0) * b.reduce((s, x) => s + x * x, 0));
      return 1 - Math.min(1, Math.max(-1, sim));
    },
  };

  it("the kernels equal the naive loops", () => {
    fc.assert(
      fc.property(triple, ([a, b]) => {
        for (const m of VECTOR_METRICS) {
          const got = distanceKernel(m)(a, b);
          const want = naive[m](a, b);
          if (Number.isNaN(want)) expect(got).toBeNaN();
          else expect(Math.abs(got - want)).toBeLessThanOrEqual(tolerance(Math.abs(want) + vectorNorm(a) * vectorNorm(b)));
        }
      }),
    );
  });

  it("every distance is symmetric", () => {
    fc.assert(
      fc.property(triple, ([a, b]) => {
        for (const m of VECTOR_METRICS) expect(Object.is(vectorDistance(a, b, m), vectorDistance(b, a, m))).toBe(true);
      }),
    );
  });

  it("l2 is a metric: zero on the diagonal, non-negative, and satisfies the triangle inequality", () => {
    fc.assert(
      fc.property(triple, ([a, b, c]) => {
        expect(l2Distance(a, a)).toBe(0);
        expect(l2Distance(a, b)).toBeGreaterThanOrEqual(0);
        const ac = l2Distance(a, c);
        expect(ac).toBeLessThanOrEqual(l2Distance(a, b) + l2Distance(b, c) + tolerance(ac));
        const squared = l2SquaredDistance(a, b);
        expect(Math.abs(l2Distance(a, b) ** 2 - squared)).toBeLessThanOrEqual(tolerance(squared));
      }),
    );
  });

  it("cosine distance is in [0, 2] (or NaN for a zero vector) and ignores positive scaling", () => {
    fc.assert(
      fc.property(triple, fc.integer({ min: 1, max: 64 }), ([a, b], scale) => {
        const d = cosineDistance(a, b);
        const zero = vectorNorm(a) === 0 || vectorNorm(b) === 0;
        if (zero) {
          expect(d).toBeNaN();
          return;
        }
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(2);
        expect(cosineDistance(a, a)).toBeLessThan(1e-12);
        // A power of two scales every element exactly.
        const scaled = a.map((x) => x * 2 ** (scale % 8));
        expect(cosineDistance(scaled, b)).toBeCloseTo(d, 12);
      }),
    );
  });

  it("ordering by similarity descending is ordering by distance ascending", () => {
    fc.assert(
      fc.property(triple, ([q, a, b]) => {
        for (const m of VECTOR_METRICS) {
          const [da, db] = [vectorDistance(q, a, m), vectorDistance(q, b, m)];
          const [sa, sb] = [vectorSimilarity(q, a, m), vectorSimilarity(q, b, m)];
          if (da < db) expect(sa).toBeGreaterThanOrEqual(sb);
          if (da > db) expect(sa).toBeLessThanOrEqual(sb);
        }
      }),
    );
  });
});
