/**
 * What this layer relies on in usearch's Node binding; a usearch upgrade that changes any of it
 * fails here first.
 */
import { describe, expect, it } from "vitest";
import { NativeIndex, parseUsearchImage, USEARCH_FREE_KEY, USEARCH_METRIC_BYTE, usearchImageSlots, type UsearchMetric } from "./usearch-binding.js";

function index(metric: UsearchMetric, dims = 2): NativeIndex {
  return NativeIndex.create({ dims, metric, connectivity: 8, expansionAdd: 16, expansionSearch: 1 });
}

describe("usearch's Node binding", () => {
  it.each<[UsearchMetric, number[]]>([
    // Keys 1, 2, 3 hold [1, 0], [2, 0], [-1, 0].
    ["l2sq", [4, 1, 16]],
    ["ip", [1 - 3, 1 - 6, 1 + 3]],
    ["cos", [0, 0, 2]],
  ])("%s returns these raw distances (query [3, 0])", (metric, expected) => {
    const native = index(metric);
    native.add(BigUint64Array.of(1n, 2n, 3n), Float32Array.of(1, 0, 2, 0, -1, 0), 1);
    const got = native.search(Float32Array.of(3, 0), 3);
    const byKey = new Map([...got.keys].map((k, i) => [k, got.distances[i]!]));
    expect([byKey.get(1n), byKey.get(2n), byKey.get(3n)]).toEqual(expected);
    native.release();
  });

  it("removes keys, and silently hides a vector added under the free key", () => {
    const native = index("l2sq");
    native.add(BigUint64Array.of(1n, 2n, USEARCH_FREE_KEY), Float32Array.of(0, 0, 1, 1, 2, 2), 1);
    expect(native.remove(1n)).toBe(true);
    expect(native.remove(1n)).toBe(false);
    expect(native.contains(1n)).toBe(false);
    expect([...native.search(Float32Array.of(0, 0), 3).keys]).toEqual([2n]);
    native.release();
  });

  it("round trips through a buffer, and the image's headers say what the index is", () => {
    const native = index("ip", 3);
    native.add(BigUint64Array.of(10n, 20n, 30n), Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 1);
    native.remove(20n);
    const image = native.toBuffer();
    expect(parseUsearchImage(image)).toEqual({
      slots: 3,
      bytesPerVector: 12,
      versionMajor: 2,
      metricByte: USEARCH_METRIC_BYTE.ip,
      scalarByte: 11,
      keyScalarByte: 14,
      slotScalarByte: 15,
      countPresent: 2,
      countDeleted: 1,
      dims: 3,
      multi: false,
      graphNodes: 3,
      connectivity: 8,
      connectivityBase: 16,
    });
    const copy = index("l2sq", 3);
    copy.loadBuffer(image);
    expect(copy.size()).toBe(2);
    expect([...copy.search(Float32Array.of(1, 1, 1), 3).keys]).toEqual([30n, 10n]);
    native.release();
    copy.release();
  });

  it("frees an index on release(), leaving it empty", () => {
    const native = index("cos", 8);
    native.add(BigUint64Array.from({ length: 100 }, (_, i) => BigInt(i)), Float32Array.from({ length: 800 }, (_, i) => (i % 7) + 1), 1);
    expect(native.release()).toBe(true);
    expect(native.size()).toBe(0);
  });

  it("lays out an image as vectors in slot order, then nodes that start with their keys", () => {
    for (const count of [0, 1, 300]) {
      const native = NativeIndex.create({ dims: 4, metric: "l2sq", connectivity: 6, expansionAdd: 12, expansionSearch: 1 });
      const keys = BigUint64Array.from({ length: count }, (_, i) => BigInt(3 * i + 1));
      const vectors = Float32Array.from({ length: 4 * count }, (_, i) => Math.sin(i));
      if (count > 0) native.add(keys, vectors, 1);
      if (count > 1) native.remove(4n);
      const image = native.toBuffer();
      native.release();
      const header = parseUsearchImage(image);
      if (typeof header === "string") throw new Error(header);
      const slots = usearchImageSlots(image, header);
      if (typeof slots === "string") throw new Error(slots);
      expect(slots.keys).toHaveLength(count);
      const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
      for (let slot = 0; slot < count; slot++) {
        expect(slots.keys[slot]).toBe(slot === 1 ? USEARCH_FREE_KEY : keys[slot]);
        if (slot !== 1) expect(view.getFloat32(slots.vectorsOffset + 16 * slot + 4, true)).toBe(vectors[4 * slot + 1]);
      }
      if (count > 0) expect(typeof usearchImageSlots(image.subarray(0, image.length - 1), header)).toBe("string");
    }
  });

  it("reports images it cannot parse", () => {
    expect(parseUsearchImage(new Uint8Array(3))).toBe("usearch image shorter than its matrix header");
    expect(parseUsearchImage(Uint8Array.of(1, 0, 0, 0, 4, 0, 0, 0))).toBe("usearch image shorter than its vectors and headers");
    expect(parseUsearchImage(new Uint8Array(120))).toBe("usearch image magic mismatch");
  });
});
