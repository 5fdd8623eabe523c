/**
 * The vector segment: the HNSW index of one SSTable's rows, stored as that table's vector
 * section (`storage/sstable/format.ts` treats it as opaque bytes). Format version 1, little-endian:
 *
 *   0  magic "ALPXVSEG"          8
 *   8  version u16 (= 1)         2
 *  10  metric u8                 1   1 l2, 2 cosine, 3 inner
 *  11  flags u8                  1   bit 0: a row key map follows the index; other bits 0
 *  12  dims u32                  4
 *  16  m u32                     4
 *  20  ef_construction u32       4
 *  24  column id u32             4   the indexed column's stable id (row-codec column ids)
 *  28  count u32                 4   live vectors in the index
 *  32  index image length u32    4
 *  36  row key map length u32    4   0 without the flag
 *  40  header crc u32            4   CRC-32 of bytes [0, 40)
 *  44  usearch index image           `HnswIndex.toBuffer()`
 *   …  row key map                   n u32 | end offset u32 × n | key bytes
 * end  crc u32                   4   CRC-32 of everything before it
 *
 * usearch keys are u64, but rows are keyed by bytes (primary keys, MVCC versions), so a segment
 * built by `buildSegment` labels rows 0..n-1 and maps label i to key bytes
 * [end[i-1], end[i]) of the map. A segment without the map uses the labels as row ids directly.
 *
 * The header has its own CRC so a reader can trust the lengths before checking the rest, and the
 * whole-segment CRC is checked before any byte reaches usearch, which trusts its input (a damaged
 * graph could crash the process instead of failing).
 */
import { crc32 } from "node:zlib";
import type { SqlStateError } from "../common/sqlstate-error.js";
import type { VectorMetric } from "./distance.js";
import { VectorSegmentCorruptionError } from "./errors.js";
import { HnswIndex, validateHnswParams, type HnswParams } from "./hnsw-index.js";
import { parseUsearchImage, USEARCH_FREE_KEY, usearchImageSlots } from "./usearch-binding.js";

export const SEGMENT_MAGIC = Buffer.from("ALPXVSEG", "latin1");
export const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 44;
const TRAILER_BYTES = 4;
const HEADER_CRC_AT = 40;
const FLAG_ROW_KEYS = 1;
/** Offsets and lengths are u32, as is every SSTable section's size. */
const U32_MAX = 2 ** 32 - 1;

const METRIC_CODE: Readonly<Record<VectorMetric, number>> = { l2: 1, cosine: 2, inner: 3 };
const CODE_METRIC: readonly (VectorMetric | undefined)[] = [undefined, "l2", "cosine", "inner"];

/** The byte a metric is stored as in segments, section directories and vector payloads. */
export function metricCode(metric: VectorMetric): number {
  return METRIC_CODE[metric];
}

/** The metric of a stored code, or undefined for a code no metric has. */
export function metricOfCode(code: number): VectorMetric | undefined {
  return CODE_METRIC[code];
}

/** A segment's header, as `readSegmentHeader` decodes it. */
export interface SegmentHeader {
  readonly version: number;
  readonly metric: VectorMetric;
  readonly dims: number;
  readonly m: number;
  readonly efConstruction: number;
  readonly columnId: number;
  /** Live vectors in the index. */
  readonly count: number;
  readonly hasRowKeys: boolean;
  readonly indexBytes: number;
  readonly rowKeyBytes: number;
}

/** Label → row key bytes for a segment built with `buildSegment`. Holds its own copy of the bytes. */
export class RowKeyMap {
  private constructor(
    private readonly ends: Uint32Array,
    private readonly keys: Uint8Array,
    /** Where the map starts in its segment, for error offsets. */
    private readonly segmentOffset: number,
  ) {}

  /** Encodes keys in label order: n u32 | end offset u32 × n | key bytes. */
  static encode(keys: readonly Uint8Array[]): Buffer {
    let keyBytes = 0;
    for (const k of keys) keyBytes += k.length;
    const head = 4 + 4 * keys.length;
    if (head + keyBytes > U32_MAX) throw new RangeError("row key map larger than 4 GiB");
    const out = Buffer.allocUnsafe(head + keyBytes);
    out.writeUInt32LE(keys.length, 0);
    let end = 0;
    keys.forEach((k, i) => {
      out.set(k, head + end);
      end += k.length;
      out.writeUInt32LE(end, 4 + 4 * i);
    });
    return out;
  }

  /** Parses a map at `segmentOffset` of its segment; throws XX001 if it is malformed. */
  static decode(bytes: Uint8Array, segmentOffset: number): RowKeyMap {
    const fail = (at: number, reason: string) => new VectorSegmentCorruptionError(segmentOffset + at, reason);
    if (bytes.length < 4) throw fail(0, "row key map shorter than its count");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getUint32(0, true);
    const head = 4 + 4 * n;
    if (head > bytes.length) throw fail(0, `row key map of ${bytes.length} bytes cannot hold ${n} offsets`);
    const ends = new Uint32Array(n);
    let previous = 0;
    for (let i = 0; i < n; i++) {
      const end = view.getUint32(4 + 4 * i, true);
      if (end < previous) throw fail(4 + 4 * i, `row key ${i} ends at ${end}, before the previous key's end ${previous}`);
      ends[i] = previous = end;
    }
    if (head + previous !== bytes.length) throw fail(0, `row keys take ${previous} bytes, the map has ${bytes.length - head}`);
    // A copy, so that the segment's bytes (mostly the index image) can be collected.
    return new RowKeyMap(ends, new Uint8Array(bytes.subarray(head)), segmentOffset);
  }

  /** Number of labels. */
  get count(): number {
    return this.ends.length;
  }

  /** Bytes held (offsets and keys). */
  get byteLength(): number {
    return this.ends.byteLength + this.keys.byteLength;
  }

  /** The row key of `label`, a view into the map. Throws XX001 for a label the map lacks. */
  keyOf(label: bigint): Uint8Array {
    if (label < 0n || label >= BigInt(this.ends.length)) {
      throw new VectorSegmentCorruptionError(this.segmentOffset, `index returned label ${label}, the row key map has ${this.ends.length}`);
    }
    const i = Number(label);
    return this.keys.subarray(i === 0 ? 0 : this.ends[i - 1]!, this.ends[i]!);
  }
}

/** What the segment's header records besides what the index itself knows. */
export interface SegmentMeta {
  /** The indexed column's stable id, a u32. */
  readonly columnId: number;
  /** Row key of each label, in label order; omit when the index ids are the row ids. */
  readonly rowKeys?: readonly Uint8Array[];
}

/**
 * Encodes an index as a segment. With `rowKeys`, every id in the index must be a label below
 * `rowKeys.length` (not checked here: usearch cannot list its keys; `buildSegment` guarantees it).
 */
export function encodeSegment(index: HnswIndex, meta: SegmentMeta): Buffer {
  if (!Number.isInteger(meta.columnId) || meta.columnId < 0 || meta.columnId > U32_MAX) throw new RangeError(`column id ${meta.columnId} is not a u32`);
  const image = index.toBuffer();
  const map = meta.rowKeys === undefined ? undefined : RowKeyMap.encode(meta.rowKeys);
  const mapBytes = map?.length ?? 0;
  const total = SEGMENT_HEADER_BYTES + image.length + mapBytes + TRAILER_BYTES;
  if (total > U32_MAX) throw new RangeError(`vector segment of ${total} bytes is larger than 4 GiB`);
  const out = Buffer.allocUnsafe(total);
  SEGMENT_MAGIC.copy(out, 0);
  out.writeUInt16LE(SEGMENT_VERSION, 8);
  out.writeUInt8(METRIC_CODE[index.metric], 10);
  out.writeUInt8(map === undefined ? 0 : FLAG_ROW_KEYS, 11);
  out.writeUInt32LE(index.dims, 12);
  out.writeUInt32LE(index.m, 16);
  out.writeUInt32LE(index.efConstruction, 20);
  out.writeUInt32LE(meta.columnId, 24);
  out.writeUInt32LE(index.size, 28);
  out.writeUInt32LE(image.length, 32);
  out.writeUInt32LE(mapBytes, 36);
  out.writeUInt32LE(crc32(out.subarray(0, HEADER_CRC_AT)), HEADER_CRC_AT);
  image.copy(out, SEGMENT_HEADER_BYTES);
  map?.copy(out, SEGMENT_HEADER_BYTES + image.length);
  out.writeUInt32LE(crc32(out.subarray(0, total - TRAILER_BYTES)), total - TRAILER_BYTES);
  return out;
}

/** The index parameters and column of a segment built by `buildSegment`. */
export interface SegmentSpec extends HnswParams {
  readonly columnId: number;
}

/** One row for `buildSegment`: its key (opaque bytes) and its vector. */
export interface SegmentRow {
  readonly key: Uint8Array;
  readonly vector: Float32Array;
}

/**
 * Builds the segment of a table's rows, labelling row i as i (zero vectors under cosine keep
 * their label but are not indexed). `threads` > 1 builds faster but not deterministically.
 * Throws 22023 for bad parameters, 22000 for a malformed vector.
 */
export function buildSegment(spec: SegmentSpec, rows: readonly SegmentRow[], threads = 1): Buffer {
  const index = HnswIndex.create(spec);
  try {
    index.addBatch(
      rows.map((_, i) => BigInt(i)),
      rows.map((r) => r.vector),
      threads,
    );
    return encodeSegment(index, { columnId: spec.columnId, rowKeys: rows.map((r) => r.key) });
  } finally {
    index.close();
  }
}

/**
 * Decodes and checks a segment's header (magic, header CRC, version, fields, lengths) without
 * reading the rest. Throws VectorSegmentCorruptionError (XX001) naming the offset.
 */
export function readSegmentHeader(bytes: Uint8Array): SegmentHeader {
  const fail = (at: number, reason: string) => new VectorSegmentCorruptionError(at, reason);
  if (bytes.length < SEGMENT_HEADER_BYTES + TRAILER_BYTES) throw fail(0, `segment of ${bytes.length} bytes is shorter than its header and trailer`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!SEGMENT_MAGIC.equals(bytes.subarray(0, 8))) throw fail(0, "bad magic (not a vector segment)");
  if (crc32(bytes.subarray(0, HEADER_CRC_AT)) !== view.getUint32(HEADER_CRC_AT, true)) throw fail(HEADER_CRC_AT, "header checksum mismatch");
  const version = view.getUint16(8, true);
  if (version !== SEGMENT_VERSION) throw fail(8, `unsupported vector segment version ${version}`);
  const metric = CODE_METRIC[bytes[10]!];
  if (metric === undefined) throw fail(10, `unknown metric code ${bytes[10]}`);
  const flags = bytes[11]!;
  if ((flags & ~FLAG_ROW_KEYS) !== 0) throw fail(11, `unknown flags 0x${flags.toString(16)}`);
  const header: SegmentHeader = {
    version,
    metric,
    dims: view.getUint32(12, true),
    m: view.getUint32(16, true),
    efConstruction: view.getUint32(20, true),
    columnId: view.getUint32(24, true),
    count: view.getUint32(28, true),
    hasRowKeys: (flags & FLAG_ROW_KEYS) !== 0,
    indexBytes: view.getUint32(32, true),
    rowKeyBytes: view.getUint32(36, true),
  };
  try {
    validateHnswParams(header);
  } catch (e) {
    throw fail(12, `invalid index parameters: ${(e as SqlStateError).message}`);
  }
  if (!header.hasRowKeys && header.rowKeyBytes !== 0) throw fail(36, `row key map of ${header.rowKeyBytes} bytes without the row key flag`);
  const expected = SEGMENT_HEADER_BYTES + header.indexBytes + header.rowKeyBytes + TRAILER_BYTES;
  if (expected !== bytes.length) throw fail(32, `header describes ${expected} bytes, the segment has ${bytes.length}`);
  return header;
}

/**
 * A decoded segment: its header, its loaded index and its row key map (when it has one).
 * NB: a segment is immutable; adding to or removing from `index` would make `memoryBytes` and the
 * header stale and, in a shared cache, change other readers' answers.
 */
export interface VectorSegment {
  readonly header: SegmentHeader;
  readonly index: HnswIndex;
  /** undefined when the index ids are the row ids themselves. */
  readonly rowKeys: RowKeyMap | undefined;
  /** Native index memory (estimated) plus the row key map. */
  readonly memoryBytes: number;
}

/**
 * Checks and loads a segment. Every check (header, whole-segment CRC, the usearch image's headers
 * against ours, the row key map) runs before usearch sees a byte. Throws
 * VectorSegmentCorruptionError (XX001) for damaged input. NB: the index holds native memory;
 * close it (or let a VectorSegmentCache own it).
 */
export function decodeSegment(bytes: Uint8Array, options: { readonly efSearch?: number } = {}): VectorSegment {
  const header = readSegmentHeader(bytes);
  const crcAt = bytes.length - TRAILER_BYTES;
  const stored = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(crcAt, true);
  if (crc32(bytes.subarray(0, crcAt)) !== stored) throw new VectorSegmentCorruptionError(crcAt, "segment checksum mismatch");
  const imageAt = SEGMENT_HEADER_BYTES;
  const image = bytes.subarray(imageAt, imageAt + header.indexBytes);
  const mapAt = imageAt + header.indexBytes;
  const rowKeys = header.hasRowKeys ? RowKeyMap.decode(bytes.subarray(mapAt, mapAt + header.rowKeyBytes), mapAt) : undefined;
  const parsed = parseUsearchImage(image);
  if (typeof parsed !== "string" && parsed.countPresent !== header.count) {
    throw new VectorSegmentCorruptionError(28, `header counts ${header.count} vectors, the index image ${parsed.countPresent}`);
  }
  if (rowKeys !== undefined && typeof parsed !== "string" && parsed.slots > rowKeys.count) {
    throw new VectorSegmentCorruptionError(mapAt, `index has ${parsed.slots} nodes, the row key map ${rowKeys.count} labels`);
  }
  const params: HnswParams = { dims: header.dims, metric: header.metric, m: header.m, efConstruction: header.efConstruction, ...options };
  const index = HnswIndex.fromImage(image, params, imageAt);
  return { header, index, rowKeys, memoryBytes: index.memoryBytes() + (rowKeys?.byteLength ?? 0) };
}

/**
 * A segment's entries read straight from its bytes, without loading the graph into usearch: the
 * label → key map and, for each label in the graph, its vector. What a graph over several
 * segments is built from.
 */
export interface SegmentEntries {
  readonly header: SegmentHeader;
  readonly rowKeys: RowKeyMap;
  /**
   * Per label (`rowKeys` order), where its vector starts in `vectors` (a multiple of dims), or -1
   * for a label not in the graph (a zero vector under cosine, which HNSW leaves out).
   */
  readonly vectorAt: Int32Array;
  /** The graph's vectors, dims floats per node slot. NB: may be a view into the segment's bytes. */
  readonly vectors: Float32Array;
}

/**
 * Checks a segment as `decodeSegment` does (header, whole-segment CRC, the usearch image's headers
 * and node list, the row key map) and returns its entries with their vectors, without usearch.
 * Only segments with a row key map (those `buildSegment` and the storage engine write) qualify.
 * Throws VectorSegmentCorruptionError (XX001) for damaged input.
 */
export function readSegmentEntries(bytes: Uint8Array): SegmentEntries {
  const header = readSegmentHeader(bytes);
  const crcAt = bytes.length - TRAILER_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (crc32(bytes.subarray(0, crcAt)) !== view.getUint32(crcAt, true)) throw new VectorSegmentCorruptionError(crcAt, "segment checksum mismatch");
  if (!header.hasRowKeys) throw new VectorSegmentCorruptionError(11, "segment without a row key map: its entries have no keys");
  const imageAt = SEGMENT_HEADER_BYTES;
  const image = bytes.subarray(imageAt, imageAt + header.indexBytes);
  const mapAt = imageAt + header.indexBytes;
  const rowKeys = RowKeyMap.decode(bytes.subarray(mapAt, mapAt + header.rowKeyBytes), mapAt);
  const parsed = parseUsearchImage(image);
  if (typeof parsed === "string") throw new VectorSegmentCorruptionError(imageAt, parsed);
  const mismatch = imageHeaderMismatch(parsed, header);
  if (mismatch !== undefined) throw new VectorSegmentCorruptionError(imageAt, mismatch);
  const slots = usearchImageSlots(image, parsed);
  if (typeof slots === "string") throw new VectorSegmentCorruptionError(imageAt, slots);
  const vectorAt = new Int32Array(rowKeys.count).fill(-1);
  for (let slot = 0; slot < slots.keys.length; slot++) {
    const label = slots.keys[slot]!;
    if (label === USEARCH_FREE_KEY) continue;
    if (label >= BigInt(rowKeys.count) || vectorAt[Number(label)] !== -1) {
      throw new VectorSegmentCorruptionError(imageAt, `index node ${slot} has label ${label}, which the row key map lacks or another node holds`);
    }
    vectorAt[Number(label)] = slot * header.dims;
  }
  return { header, rowKeys, vectorAt, vectors: floatsAt(image, slots.vectorsOffset, parsed.slots * header.dims) };
}

/** Why a parsed usearch image cannot be the one the segment's header describes, or undefined. */
function imageHeaderMismatch(image: Exclude<ReturnType<typeof parseUsearchImage>, string>, header: SegmentHeader): string | undefined {
  if (image.versionMajor !== 2) return `usearch image format version ${image.versionMajor}, expected 2`;
  if (image.dims !== header.dims || image.bytesPerVector !== header.dims * 4) return `usearch image has ${image.dims} dimensions, the header ${header.dims}`;
  if (image.countPresent !== header.count) return `header counts ${header.count} vectors, the index image ${image.countPresent}`;
  if (image.graphNodes !== image.slots || image.countPresent + image.countDeleted !== image.slots) return "usearch image counts disagree";
  if (image.slots > 0 && (image.connectivity !== header.m || image.connectivityBase !== 2 * header.m)) return `usearch image connectivity ${image.connectivity}, expected m = ${header.m}`;
  return undefined;
}

/** `count` little-endian float32s at `offset`: a view when aligned, else a copy. */
function floatsAt(bytes: Uint8Array, offset: number, count: number): Float32Array {
  const at = bytes.byteOffset + offset;
  if (at % 4 === 0) return new Float32Array(bytes.buffer, at, count);
  const copy = new Float32Array(count);
  new Uint8Array(copy.buffer).set(bytes.subarray(offset, offset + count * 4));
  return copy;
}
