/**
 * An SSTable's vector section: one segment (`segment.ts`) per vector index with entries in the
 * table, behind a small directory. Format version 1, little-endian:
 *
 *   0  magic "ALPXVSEC"          8
 *   8  version u16 (= 1)         2
 *  10  reserved u16 (= 0)        2
 *  12  count u32                 4   segments
 *  16  entry × count            24   index id u32 | metric u8 | m u8 | ef_construction u16 | dims u32
 *                                    | rows u32 | offset u32 | length u32
 *   …  directory crc u32         4   CRC-32 of the directory bytes before it
 *   …  segments                      contiguous, in directory order; offsets count from byte 0
 *
 * `rows` is how many entries of the index the table holds (the segment's labels; vectors the
 * graph leaves out, zero vectors under cosine, are counted). The directory has its own CRC so a
 * reader can read it alone and then read one segment, whose own CRCs protect it, without reading
 * the other segments; the SSTable's section trailer still covers the whole section.
 */
import { crc32 } from "node:zlib";
import { VectorSegmentCorruptionError } from "./errors.js";
import { validateHnswParams } from "./hnsw-index.js";
import { vectorIndexKey, type ValidVectorIndexParams } from "./index-entry.js";
import { metricCode, metricOfCode, type VectorSegment } from "./segment.js";

export const VECTOR_SECTION_MAGIC = Buffer.from("ALPXVSEC", "latin1");
export const VECTOR_SECTION_VERSION = 1;
/** Bytes before the directory entries: enough to learn how long the directory is. */
export const VECTOR_SECTION_HEADER_BYTES = 16;
const ENTRY_BYTES = 24;
const CRC_BYTES = 4;
const U32_MAX = 2 ** 32 - 1;

/** One segment to put in a section. */
export interface SectionSegment {
  readonly params: ValidVectorIndexParams;
  /** Entries of the index in the table (labels of the segment). */
  readonly rows: number;
  /** An encoded segment. */
  readonly bytes: Uint8Array;
}

/** A directory entry: where one index's segment lies in the section. */
export interface VectorSectionEntry {
  readonly params: ValidVectorIndexParams;
  readonly rows: number;
  /** From the start of the section. */
  readonly offset: number;
  readonly length: number;
}

export interface VectorSectionDirectory {
  readonly entries: readonly VectorSectionEntry[];
  /** `vectorIndexKey` → position in `entries`. */
  readonly byIndex: ReadonlyMap<string, number>;
}

/** Encodes a section holding `segments` (one per index; RangeError on a repeated index). */
export function encodeVectorSection(segments: readonly SectionSegment[]): Buffer {
  const seen = new Set<string>();
  for (const s of segments) {
    const key = vectorIndexKey(s.params);
    if (seen.has(key)) throw new RangeError(`two segments for vector index ${key}`);
    seen.add(key);
  }
  const directoryBytes = directoryLength(segments.length);
  let total = directoryBytes;
  for (const s of segments) total += s.bytes.length;
  if (total > U32_MAX) throw new RangeError(`vector section of ${total} bytes is larger than 4 GiB`);
  const out = Buffer.allocUnsafe(total);
  VECTOR_SECTION_MAGIC.copy(out, 0);
  out.writeUInt16LE(VECTOR_SECTION_VERSION, 8);
  out.writeUInt16LE(0, 10);
  out.writeUInt32LE(segments.length, 12);
  let offset = directoryBytes;
  segments.forEach((s, i) => {
    const at = VECTOR_SECTION_HEADER_BYTES + i * ENTRY_BYTES;
    out.writeUInt32LE(s.params.id, at);
    out.writeUInt8(metricCode(s.params.metric), at + 4);
    out.writeUInt8(s.params.m, at + 5);
    out.writeUInt16LE(s.params.efConstruction, at + 6);
    out.writeUInt32LE(s.params.dims, at + 8);
    out.writeUInt32LE(s.rows, at + 12);
    out.writeUInt32LE(offset, at + 16);
    out.writeUInt32LE(s.bytes.length, at + 20);
    out.set(s.bytes, offset);
    offset += s.bytes.length;
  });
  const crcAt = directoryBytes - CRC_BYTES;
  out.writeUInt32LE(crc32(out.subarray(0, crcAt)), crcAt);
  return out;
}

function directoryLength(count: number): number {
  return VECTOR_SECTION_HEADER_BYTES + count * ENTRY_BYTES + CRC_BYTES;
}

/**
 * From the first VECTOR_SECTION_HEADER_BYTES of a section of `sectionBytes` bytes, how many bytes
 * its directory takes (read that many, then `decodeVectorDirectory`). Throws XX001 when the
 * header is not one.
 */
export function vectorDirectoryLength(header: Uint8Array, sectionBytes: number): number {
  if (header.length < VECTOR_SECTION_HEADER_BYTES || sectionBytes < VECTOR_SECTION_HEADER_BYTES + CRC_BYTES) {
    throw new VectorSegmentCorruptionError(0, `vector section of ${sectionBytes} bytes is shorter than its directory`);
  }
  if (!VECTOR_SECTION_MAGIC.equals(header.subarray(0, 8))) throw new VectorSegmentCorruptionError(0, "bad magic (not a vector section)");
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const version = view.getUint16(8, true);
  if (version !== VECTOR_SECTION_VERSION) throw new VectorSegmentCorruptionError(8, `unsupported vector section version ${version}`);
  const count = view.getUint32(12, true);
  const length = directoryLength(count);
  if (length > sectionBytes) throw new VectorSegmentCorruptionError(12, `directory of ${count} segments does not fit a ${sectionBytes}-byte section`);
  return length;
}

/** Checks and decodes a section's directory (its first `vectorDirectoryLength` bytes). Throws XX001. */
export function decodeVectorDirectory(bytes: Uint8Array, sectionBytes: number): VectorSectionDirectory {
  const length = vectorDirectoryLength(bytes, sectionBytes);
  if (bytes.length < length) throw new VectorSegmentCorruptionError(0, `directory needs ${length} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const crcAt = length - CRC_BYTES;
  if (crc32(bytes.subarray(0, crcAt)) !== view.getUint32(crcAt, true)) throw new VectorSegmentCorruptionError(crcAt, "vector section directory checksum mismatch");
  const count = view.getUint32(12, true);
  const entries: VectorSectionEntry[] = [];
  const byIndex = new Map<string, number>();
  let expectedOffset = length;
  for (let i = 0; i < count; i++) {
    const at = VECTOR_SECTION_HEADER_BYTES + i * ENTRY_BYTES;
    const fail = (reason: string) => new VectorSegmentCorruptionError(at, `directory entry ${i}: ${reason}`);
    const metric = metricOfCode(view.getUint8(at + 4));
    if (metric === undefined) throw fail(`unknown metric code ${view.getUint8(at + 4)}`);
    const params = { id: view.getUint32(at, true), metric, m: view.getUint8(at + 5), efConstruction: view.getUint16(at + 6, true), dims: view.getUint32(at + 8, true) };
    try {
      validateHnswParams(params);
    } catch (e) {
      throw fail(`invalid index parameters: ${(e as Error).message}`);
    }
    const entry: VectorSectionEntry = { params, rows: view.getUint32(at + 12, true), offset: view.getUint32(at + 16, true), length: view.getUint32(at + 20, true) };
    if (entry.offset !== expectedOffset) throw fail(`segment at ${entry.offset}, expected ${expectedOffset}`);
    expectedOffset += entry.length;
    if (expectedOffset > sectionBytes) throw fail(`segment of ${entry.length} bytes runs past the section's ${sectionBytes}`);
    const key = vectorIndexKey(params);
    if (byIndex.has(key)) throw fail(`second segment for index ${key}`);
    byIndex.set(key, i);
    entries.push(entry);
  }
  if (expectedOffset !== sectionBytes) throw new VectorSegmentCorruptionError(12, `segments end at ${expectedOffset}, the section at ${sectionBytes}`);
  return { entries, byIndex };
}

/** Decodes the directory of a whole section held in memory (tests, tools). Throws XX001. */
export function decodeVectorSection(bytes: Uint8Array): VectorSectionDirectory {
  const length = vectorDirectoryLength(bytes, bytes.length);
  return decodeVectorDirectory(bytes.subarray(0, length), bytes.length);
}

/**
 * Why a loaded segment's header disagrees with the directory entry that led to it, or undefined
 * when they agree (a segment written for another index must not answer for this one).
 */
export function segmentEntryMismatch(segment: Pick<VectorSegment, "header" | "rowKeys">, entry: VectorSectionEntry): string | undefined {
  const { header, rowKeys } = segment;
  const p = entry.params;
  if (header.metric !== p.metric || header.dims !== p.dims || header.m !== p.m || header.efConstruction !== p.efConstruction || header.columnId !== p.id) {
    return `segment is for index ${header.columnId}/${header.metric}/${header.dims}/${header.m}/${header.efConstruction}, the directory says ${vectorIndexKey(p)}`;
  }
  if (rowKeys === undefined) return "segment has no row key map";
  if (rowKeys.count !== entry.rows) return `segment labels ${rowKeys.count} rows, the directory says ${entry.rows}`;
  return undefined;
}
