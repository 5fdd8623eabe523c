import { crc32 } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import { VectorSegmentCorruptionError } from "./errors.js";
import { validateVectorIndexParams, vectorIndexKey } from "./index-entry.js";
import { buildSegment, decodeSegment, type VectorSegment } from "./segment.js";
import { clusteredVectors } from "./testing/datasets.js";
import { decodeVectorDirectory, decodeVectorSection, encodeVectorSection, segmentEntryMismatch, VECTOR_SECTION_HEADER_BYTES, vectorDirectoryLength } from "./vector-section.js";

const l2 = validateVectorIndexParams({ id: 1, dims: 8, metric: "l2", m: 4, efConstruction: 16 });
const cos = validateVectorIndexParams({ id: 2, dims: 4, metric: "cosine", m: 4, efConstruction: 8 });

function segmentOf(params: typeof l2, count: number, seed: number): { params: typeof l2; rows: number; bytes: Buffer } {
  const vectors = clusteredVectors({ count, dims: params.dims, clusters: 3, spread: 0.3, seed });
  const bytes = buildSegment({ ...params, columnId: params.id }, vectors.map((vector, i) => ({ key: Buffer.from(`k${i}`), vector })));
  return { params, rows: count, bytes };
}

const segments = [segmentOf(l2, 50, 1), segmentOf(cos, 20, 2)];
const section = encodeVectorSection(segments);
const opened: VectorSegment[] = [];
afterAll(() => opened.forEach((s) => s.index.close()));

function corruption(f: () => unknown): VectorSegmentCorruptionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(VectorSegmentCorruptionError);
    expect(sqlstateOf(e)).toBe("XX001");
    return e as VectorSegmentCorruptionError;
  }
  throw new Error("expected a corruption error");
}

/** Recomputes the directory CRC so a test reaches the checks behind it. */
function resign(bytes: Buffer): Buffer {
  const length = vectorDirectoryLength(bytes, bytes.length);
  bytes.writeUInt32LE(crc32(bytes.subarray(0, length - 4)), length - 4);
  return bytes;
}

describe("vector section", () => {
  it("finds each index's segment through the directory", () => {
    const dir = decodeVectorSection(section);
    expect(dir.entries.map((e) => [e.params, e.rows, e.length])).toEqual(segments.map((s) => [s.params, s.rows, s.bytes.length]));
    for (const s of segments) {
      const entry = dir.entries[dir.byIndex.get(vectorIndexKey(s.params))!]!;
      const segment = decodeSegment(section.subarray(entry.offset, entry.offset + entry.length));
      opened.push(segment);
      expect(segmentEntryMismatch(segment, entry)).toBeUndefined();
      expect(segment.rowKeys?.count).toBe(s.rows);
    }
  });

  it("reads its directory from a prefix of the section alone", () => {
    const length = vectorDirectoryLength(section.subarray(0, VECTOR_SECTION_HEADER_BYTES), section.length);
    expect(length).toBe(16 + 2 * 24 + 4);
    const dir = decodeVectorDirectory(section.subarray(0, length), section.length);
    expect(dir.entries[0]!.offset).toBe(length);
  });

  it("holds no segments when a table has no vectors", () => {
    const empty = encodeVectorSection([]);
    expect(decodeVectorSection(empty).entries).toEqual([]);
  });

  it("refuses two segments for one index", () => {
    expect(() => encodeVectorSection([segments[0]!, segments[0]!])).toThrow(RangeError);
  });

  it("notices a segment that belongs to another index or row count", () => {
    const dir = decodeVectorSection(section);
    const entry = dir.entries[0]!;
    const segment = decodeSegment(section.subarray(entry.offset, entry.offset + entry.length));
    opened.push(segment);
    expect(segmentEntryMismatch(segment, { ...entry, params: { ...entry.params, id: 9 } })).toMatch(/segment is for index 1\/l2/);
    expect(segmentEntryMismatch(segment, { ...entry, rows: 49 })).toMatch(/labels 50 rows/);
  });

  it.each<[string, (b: Buffer) => Buffer, RegExp]>([
    ["truncated header", (b) => b.subarray(0, 10), /shorter than its directory/],
    ["bad magic", (b) => (b.write("X", 0), b), /bad magic/],
    ["future version", (b) => (b.writeUInt16LE(2, 8), b), /unsupported vector section version 2/],
    ["count past the section", (b) => (b.writeUInt32LE(1_000_000, 12), b), /does not fit/],
    ["flipped directory byte", (b) => (b[VECTOR_SECTION_HEADER_BYTES + 2]! ^= 1, b), /directory checksum mismatch/],
    ["unknown metric", (b) => resign((b.writeUInt8(9, VECTOR_SECTION_HEADER_BYTES + 4), b)), /unknown metric code 9/],
    ["bad index parameters", (b) => resign((b.writeUInt8(1, VECTOR_SECTION_HEADER_BYTES + 5), b)), /invalid index parameters/],
    ["gap between segments", (b) => resign((b.writeUInt32LE(b.readUInt32LE(16 + 24 + 16) + 1, 16 + 24 + 16), b)), /expected/],
    ["segment past the end", (b) => resign((b.writeUInt32LE(b.length, 16 + 24 + 20), b)), /runs past/],
    ["trailing bytes", (b) => Buffer.concat([b, Buffer.alloc(3)]), /segments end at/],
  ])("fails with XX001 on damage: %s", (_, damage, reason) => {
    const e = corruption(() => decodeVectorSection(damage(Buffer.from(section))));
    expect(e.message).toMatch(reason);
  });

  it("catches every single flipped byte of the directory", () => {
    const length = vectorDirectoryLength(section, section.length);
    for (let i = 0; i < length; i++) {
      const damaged = Buffer.from(section);
      damaged[i]! ^= 0x40;
      corruption(() => decodeVectorSection(damaged));
    }
  });
});
