import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import { VectorSegmentCache, type SegmentLease } from "./budget.js";
import { buildSegment, decodeSegment } from "./segment.js";
import { clusteredVectors } from "./testing/datasets.js";

const SIZES = [40, 80, 160, 320, 640];
let segments: Buffer[];
let bytesOf: number[];

beforeAll(() => {
  const vectors = clusteredVectors({ count: 640, dims: 32, clusters: 4, spread: 0.5, seed: 11 });
  segments = SIZES.map((n) => buildSegment({ columnId: 1, dims: 32, metric: "l2", m: 8, efConstruction: 16 }, vectors.slice(0, n).map((vector, i) => ({ key: Uint8Array.of(i & 255, i >> 8), vector }))));
  bytesOf = segments.map((bytes) => {
    const s = decodeSegment(bytes);
    s.index.close();
    return s.memoryBytes;
  });
});

describe("VectorSegmentCache", () => {
  it("loads on demand and hits afterwards", () => {
    const cache = new VectorSegmentCache(10 * bytesOf[4]!);
    let loads = 0;
    const load = () => (loads++, segments[0]!);
    const a = cache.acquire(1, load);
    a.release();
    const b = cache.acquire(1, load);
    expect(b.segment).toBe(a.segment);
    b.release();
    expect(loads).toBe(1);
    expect(cache.stats).toEqual({ hits: 1, misses: 1, evictions: 0, oversized: 0 });
    expect(cache.sizeBytes()).toBe(bytesOf[0]);
    expect(cache.count).toBe(1);
  });

  it("keeps bytes within the budget under any sequence of uses, closing only segments nobody holds", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("use" as const), segment: fc.nat(SIZES.length - 1) }),
      fc.record({ kind: fc.constant("hold" as const), segment: fc.nat(SIZES.length - 1) }),
      fc.record({ kind: fc.constant("release" as const), which: fc.nat() }),
      fc.record({ kind: fc.constant("drop" as const), segment: fc.nat(SIZES.length - 1) }),
      fc.record({ kind: fc.constant("reserve" as const), owner: fc.constantFrom("a", "b"), share: fc.double({ min: 0, max: 0.8, noNaN: true }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.double({ min: 0.3, max: 3, noNaN: true }), (ops, budgetScale) => {
        const capacity = Math.floor(budgetScale * (bytesOf[3]! + bytesOf[2]!));
        const cache = new VectorSegmentCache(capacity);
        const held: SegmentLease[] = [];
        const reserved = new Map<string, number>();
        const seen = new Set<SegmentLease["segment"]>();
        const check = () => {
          expect(cache.sizeBytes()).toBeLessThanOrEqual(capacity);
          for (const lease of held) expect(lease.segment.index.closed).toBe(false);
          const heldSegments = new Set(held.map((l) => l.segment));
          let detachedHeld = 0;
          for (const s of heldSegments) if (!cachedSegments(cache).has(s)) detachedHeld += s.memoryBytes;
          expect(cache.retainedBytes()).toBe(cache.sizeBytes() + detachedHeld);
          // Every segment ever handed out is open exactly when it is cached or held.
          for (const s of seen) expect(s.index.closed).toBe(!(heldSegments.has(s) || cachedSegments(cache).has(s)));
        };
        for (const o of ops) {
          if (o.kind === "use" || o.kind === "hold") {
            const lease = cache.acquire(o.segment, () => segments[o.segment]!);
            seen.add(lease.segment);
            expect(lease.segment.index.closed).toBe(false);
            expect(lease.segment.header.count).toBe(SIZES[o.segment]);
            if (o.kind === "use") lease.release();
            else held.push(lease);
          } else if (o.kind === "reserve") {
            const bytes = Math.floor(o.share * capacity);
            const others = [...reserved].filter(([owner]) => owner !== o.owner).reduce((n, [, b]) => n + b, 0);
            expect(cache.reserve(o.owner, bytes)).toBe(others + bytes <= capacity);
            if (others + bytes <= capacity) reserved.set(o.owner, bytes);
            expect(cache.reservedBytes()).toBe([...reserved.values()].reduce((n, b) => n + b, 0));
          } else if (o.kind === "release") {
            if (held.length > 0) held.splice(o.which % held.length, 1)[0]!.release();
          } else cache.drop(o.segment);
          check();
        }
        for (const lease of held.splice(0)) lease.release();
        check();
        cache.clear();
        for (const owner of reserved.keys()) expect(cache.reserve(owner, 0)).toBe(true);
        for (const s of seen) expect(s.index.closed).toBe(true);
        expect(cache.retainedBytes()).toBe(0);
      }),
      { numRuns: 60 },
    );
  });

  it("evicts segments to make room for a reservation, and refuses one that would not fit", () => {
    const capacity = bytesOf[3]! + bytesOf[2]!;
    const cache = new VectorSegmentCache(capacity);
    cache.acquire(3, () => segments[3]!).release();
    const held = cache.acquire(2, () => segments[2]!);
    expect(cache.sizeBytes()).toBe(bytesOf[3]! + bytesOf[2]!);
    // Room for the reservation: the unleased segment goes, the leased one stays open.
    expect(cache.reserve("graph", bytesOf[3]!)).toBe(true);
    expect(cache.has(3)).toBe(false);
    expect(cache.sizeBytes()).toBeLessThanOrEqual(capacity);
    expect(held.segment.index.closed).toBe(false);
    expect(cache.reserve("other", capacity - bytesOf[3]! + 1)).toBe(false);
    expect(cache.reservedBytes()).toBe(bytesOf[3]);
    // A segment that does not fit beside the reservation is served without caching it.
    held.release();
    expect(cache.reserve("graph", capacity - bytesOf[0]! + 1)).toBe(true);
    const lease = cache.acquire(0, () => segments[0]!);
    expect(cache.has(0)).toBe(false);
    lease.release();
    expect(cache.stats.oversized).toBe(1);
    expect(cache.reserve("graph", 0)).toBe(true);
    expect(cache.sizeBytes()).toBe(0);
  });

  it("serves a segment larger than the whole budget without caching it", () => {
    const cache = new VectorSegmentCache(bytesOf[0]! - 1);
    const lease = cache.acquire(4, () => segments[4]!);
    expect(cache.sizeBytes()).toBe(0);
    expect(cache.retainedBytes()).toBe(bytesOf[4]);
    expect(lease.segment.index.search(new Float32Array(32), 3).ids).toHaveLength(3);
    lease.release();
    expect(lease.segment.index.closed).toBe(true);
    expect(cache.retainedBytes()).toBe(0);
    expect(cache.stats.oversized).toBe(1);
  });

  it("propagates a damaged segment's XX001 and caches nothing", () => {
    const cache = new VectorSegmentCache(10 * bytesOf[4]!);
    const damaged = Buffer.from(segments[1]!);
    damaged[100]! ^= 1;
    let caught: unknown;
    try {
      cache.acquire(1, () => damaged);
    } catch (e) {
      caught = e;
    }
    expect(sqlstateOf(caught)).toBe("XX001");
    expect(cache.has(1)).toBe(false);
    const lease = cache.acquire(1, () => segments[1]!);
    expect(lease.segment.header.count).toBe(SIZES[1]);
    lease.release();
  });

  it("refuses a second release of one lease", () => {
    const cache = new VectorSegmentCache(10 * bytesOf[4]!);
    const lease = cache.acquire("a", () => segments[0]!);
    lease.release();
    expect(() => lease.release()).toThrow("released twice");
  });

  it("rejects a budget below one byte", () => {
    expect(() => new VectorSegmentCache(0)).toThrow(RangeError);
  });
});

function cachedSegments(cache: VectorSegmentCache): Set<unknown> {
  return new Set(cache.cachedSegments());
}
