import { crc32 } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import { vectorDistance } from "./distance.js";
import { VectorSegmentCorruptionError } from "./errors.js";
import { HNSW_MAX_ID, HnswIndex } from "./hnsw-index.js";
import {
  buildSegment,
  decodeSegment,
  encodeSegment,
  readSegmentEntries,
  readSegmentHeader,
  RowKeyMap,
  SEGMENT_HEADER_BYTES,
  type SegmentRow,
  type VectorSegment,
} from "./segment.js";
import { clusteredVectors } from "./testing/datasets.js";

const vectors = clusteredVectors({ count: 300, dims: 16, clusters: 5, spread: 0.5, seed: 3 });
const rows: SegmentRow[] = vectors.map((vector, i) => ({ key: Buffer.from(`row-${i.toString().padStart(4, "0")}`), vector }));
const spec = { columnId: 7, dims: 16, metric: "cosine", m: 8, efConstruction: 32 } as const;

/** The error `f` throws, which must be a VectorSegmentCorruptionError (XX001). */
function corruption(f: () => unknown): VectorSegmentCorruptionError {
  try {
    const result = f() as VectorSegment | undefined;
    result?.index.close();
  } catch (e) {
    expect(e).toBeInstanceOf(VectorSegmentCorruptionError);
    expect(sqlstateOf(e)).toBe("XX001");
    return e as VectorSegmentCorruptionError;
  }
  throw new Error("expected a corruption error");
}

/** Recomputes both CRCs, so a test can hand the decoder a consistent-looking but wrong segment. */
function resign(bytes: Buffer): Buffer {
  bytes.writeUInt32LE(crc32(bytes.subarray(0, 40)), 40);
  bytes.writeUInt32LE(crc32(bytes.subarray(0, bytes.length - 4)), bytes.length - 4);
  return bytes;
}

describe("segment round trip", () => {
  it("keeps the header, the index and the row keys", () => {
    const bytes = buildSegment(spec, rows);
    const segment = decodeSegment(bytes);
    expect(segment.header).toEqual({
      version: 1,
      metric: "cosine",
      dims: 16,
      m: 8,
      efConstruction: 32,
      columnId: 7,
      count: 300,
      hasRowKeys: true,
      indexBytes: expect.any(Number),
      rowKeyBytes: expect.any(Number),
    });
    expect(readSegmentHeader(bytes)).toEqual(segment.header);
    expect(segment.rowKeys?.count).toBe(300);
    const query = vectors[10]!;
    const got = segment.index.search(query, 5);
    expect(got.ids[0]).toBe(10n);
    got.ids.forEach((label, i) => {
      const key = segment.rowKeys!.keyOf(label);
      const row = rows.find((r) => Buffer.from(r.key).equals(key))!;
      expect(Math.abs(vectorDistance(row.vector, query, "cosine") - got.distances[i]!)).toBeLessThan(1e-5);
    });
    expect(segment.memoryBytes).toBe(segment.index.memoryBytes() + segment.rowKeys!.byteLength);
    segment.index.close();
  });

  it("gives the same answers as the index it was built from", () => {
    const index = HnswIndex.create(spec);
    index.addBatch(
      rows.map((_, i) => BigInt(i)),
      vectors,
    );
    const segment = decodeSegment(encodeSegment(index, { columnId: 1, rowKeys: rows.map((r) => r.key) }));
    for (const q of vectors.slice(0, 20)) expect(segment.index.search(q, 10)).toEqual(index.search(q, 10));
    index.close();
    segment.index.close();
  });

  it("stores ids directly when there is no row key map", () => {
    const index = HnswIndex.create({ dims: 2, metric: "l2" });
    index.addBatch([0n, 12345678901234567890n, HNSW_MAX_ID], [Float32Array.of(0, 0), Float32Array.of(1, 1), Float32Array.of(5, 5)]);
    const segment = decodeSegment(encodeSegment(index, { columnId: 2 ** 32 - 1 }));
    expect(segment.rowKeys).toBeUndefined();
    expect(segment.header.columnId).toBe(2 ** 32 - 1);
    expect(segment.index.search(Float32Array.of(1, 1), 3).ids).toEqual([12345678901234567890n, 0n, HNSW_MAX_ID]);
    index.close();
    segment.index.close();
  });

  it("round trips a segment of no rows, and keeps the labels of unindexed zero vectors", () => {
    const empty = decodeSegment(buildSegment({ columnId: 0, dims: 3, metric: "l2" }, []));
    expect(empty.header.count).toBe(0);
    expect(empty.rowKeys?.count).toBe(0);
    expect(empty.index.search(Float32Array.of(1, 2, 3), 4).ids).toEqual([]);
    empty.index.close();

    const withZero = decodeSegment(
      buildSegment({ columnId: 0, dims: 2, metric: "cosine" }, [
        { key: Uint8Array.of(1), vector: Float32Array.of(0, 0) },
        { key: Uint8Array.of(2), vector: Float32Array.of(1, 0) },
      ]),
    );
    expect(withZero.header.count).toBe(1);
    expect(withZero.rowKeys?.keyOf(1n)).toEqual(Uint8Array.of(2));
    expect(withZero.index.search(Float32Array.of(1, 0), 2).ids).toEqual([1n]);
    withZero.index.close();
  });

  it("round trips any row key map", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 50 }), (keys) => {
        const map = RowKeyMap.decode(RowKeyMap.encode(keys), 0);
        expect(map.count).toBe(keys.length);
        keys.forEach((k, i) => expect(map.keyOf(BigInt(i))).toEqual(k));
        expect(() => map.keyOf(BigInt(keys.length))).toThrow(VectorSegmentCorruptionError);
      }),
    );
  });

  it("passes bad parameters and vectors through as the user errors they are", () => {
    expect(sqlstateOf(catchError(() => buildSegment({ ...spec, m: 1 }, rows)))).toBe("22023");
    expect(sqlstateOf(catchError(() => buildSegment(spec, [{ key: Uint8Array.of(1), vector: new Float32Array(16).fill(NaN) }])))).toBe("22000");
    expect(() => encodeSegment(HnswIndex.create({ dims: 1, metric: "l2" }), { columnId: -1 })).toThrow(RangeError);
  });
});

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe("segment entries read without usearch", () => {
  it("gives every label its key and, when it is in the graph, its vector", () => {
    const zero = new Float32Array(16);
    const withZero = [...rows.slice(0, 50), { key: Buffer.from("zero"), vector: zero }, ...rows.slice(50, 100)];
    // An odd offset: the vectors cannot be a view then and must be copied.
    const bytes = buildSegment(spec, withZero);
    const shifted = Buffer.alloc(bytes.length + 1);
    bytes.copy(shifted, 1);
    for (const input of [bytes, shifted.subarray(1)]) {
      const entries = readSegmentEntries(input);
      expect(entries.rowKeys.count).toBe(101);
      for (const [label, row] of withZero.entries()) {
        expect(Buffer.from(entries.rowKeys.keyOf(BigInt(label))).equals(Buffer.from(row.key))).toBe(true);
        const at = entries.vectorAt[label]!;
        // Cosine leaves the zero vector out of the graph.
        if (row.vector === zero) expect(at).toBe(-1);
        else expect(entries.vectors.subarray(at, at + 16)).toEqual(row.vector);
      }
    }
  });

  it("fails damage with XX001 as decodeSegment does", () => {
    const bytes = buildSegment(spec, rows.slice(0, 40));
    for (let at = 0; at < bytes.length; at += 7) {
      const damaged = Buffer.from(bytes);
      damaged[at]! ^= 0x04;
      corruption(() => void readSegmentEntries(damaged));
    }
    // Consistent checksums around an image whose node list does not add up.
    const lying = Buffer.from(bytes);
    lying.writeUInt32LE(lying.readUInt32LE(SEGMENT_HEADER_BYTES) - 1, SEGMENT_HEADER_BYTES);
    corruption(() => void readSegmentEntries(resign(lying)));
    // A segment without a row key map has no keys to give.
    const index = HnswIndex.create(spec);
    index.add(1n, vectors[0]!);
    corruption(() => void readSegmentEntries(encodeSegment(index, { columnId: 7 })));
    index.close();
  });
});

describe("damaged segments", () => {
  // Small, so every byte can be flipped.
  const small = buildSegment({ columnId: 3, dims: 4, metric: "l2", m: 4, efConstruction: 8 }, rows.slice(0, 24).map((r) => ({ key: r.key, vector: r.vector.subarray(0, 4) })));

  it("fails every single-byte flip with XX001, never a crash or an answer", () => {
    for (let at = 0; at < small.length; at++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const damaged = Buffer.from(small);
        damaged[at]! ^= mask;
        corruption(() => decodeSegment(damaged));
      }
    }
  });

  it("fails every truncation and every extension with XX001", () => {
    for (let length = 0; length < small.length; length++) corruption(() => decodeSegment(small.subarray(0, length)));
    corruption(() => decodeSegment(Buffer.concat([small, Buffer.of(0)])));
  });

  it("fails random damage and random bytes with XX001", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }), (flips) => {
        const damaged = Buffer.from(small);
        for (const [at, mask] of flips) damaged[at % damaged.length]! ^= mask;
        if (damaged.equals(small)) return;
        corruption(() => decodeSegment(damaged));
      }),
    );
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => void corruption(() => decodeSegment(bytes))));
  });

  it("names the damaged part", () => {
    const flipped = (at: number) => {
      const d = Buffer.from(small);
      d[at]! ^= 1;
      return d;
    };
    expect(corruption(() => decodeSegment(flipped(0))).message).toBe("corrupt vector segment at byte 0: bad magic (not a vector segment)");
    expect(corruption(() => decodeSegment(flipped(12))).message).toBe("corrupt vector segment at byte 40: header checksum mismatch");
    expect(corruption(() => decodeSegment(flipped(SEGMENT_HEADER_BYTES + 9))).message).toBe(`corrupt vector segment at byte ${small.length - 4}: segment checksum mismatch`);
    expect(corruption(() => decodeSegment(small.subarray(0, 20))).reason).toBe("segment of 20 bytes is shorter than its header and trailer");
  });

  it.each<[string, (b: Buffer) => void, string]>([
    ["a newer version", (b) => b.writeUInt16LE(2, 8), "unsupported vector segment version 2"],
    ["an unknown metric", (b) => b.writeUInt8(9, 10), "unknown metric code 9"],
    ["unknown flags", (b) => b.writeUInt8(0x81, 11), "unknown flags 0x81"],
    ["m out of range", (b) => b.writeUInt32LE(500, 16), 'invalid index parameters: value 500 out of bounds for option "m" (valid values are between 2 and 100)'],
    ["lengths that do not add up", (b) => b.writeUInt32LE(b.readUInt32LE(32) + 1, 32), `header describes ${small.length + 1} bytes, the segment has ${small.length}`],
    ["another vector count", (b) => b.writeUInt32LE(23, 28), "header counts 23 vectors, the index image 24"],
    ["other dimensions", (b) => b.writeUInt32LE(8, 12), "usearch image has 4 dimensions (16 bytes per vector), expected 8"],
    ["another metric", (b) => b.writeUInt8(3, 10), "usearch image metric 0x65 is not inner"],
    ["another m", (b) => b.writeUInt32LE(3, 16), "usearch image connectivity 4, expected m = 3"],
    ["a row key map that is too short", (b) => b.writeUInt32LE(1, SEGMENT_HEADER_BYTES + b.readUInt32LE(32)), "row keys take 8 bytes, the map has 284"],
    ["row key ends that go backwards", (b) => b.writeUInt32LE(0, SEGMENT_HEADER_BYTES + b.readUInt32LE(32) + 8), "row key 1 ends at 0, before the previous key's end 8"],
  ])("rejects a correctly checksummed segment with %s", (_name, tamper, reason) => {
    const damaged = Buffer.from(small);
    tamper(damaged);
    expect(corruption(() => decodeSegment(resign(damaged))).reason).toBe(reason);
  });
});
