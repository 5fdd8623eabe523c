/**
 * A vector index entry: which vector index a stored vector belongs to, and the vector itself. The
 * layer above the storage engine (MVCC) stores this payload as the value of every entry written
 * through `putVector`, so that memtables, flushes and compactions can find and index vector entries
 * without knowing SQL. Format version 1, little-endian:
 *
 *   0  format u8 (= 1)         1
 *   1  metric u8               1   1 l2, 2 cosine, 3 inner (the segment's codes)
 *   2  m u8                    1   2..100
 *   3  reserved u8 (= 0)       1
 *   4  ef_construction u16     2   4..1000
 *   6  dims u16                2   1..16000
 *   8  index id u32            4
 *  12  dims × f32                  the vector, little-endian
 *
 * The header is fixed-size so a reader finds the floats without parsing, and small next to any
 * real vector (12 bytes against 4 × dims).
 */
import { endianness } from "node:os";
import { checkVector, VECTOR_MAX_DIMS, type VectorMetric } from "./distance.js";
import { invalidParameter } from "./errors.js";
import { validateHnswParams } from "./hnsw-index.js";
import { metricCode, metricOfCode } from "./segment.js";

export const VECTOR_PAYLOAD_FORMAT = 1;
export const VECTOR_PAYLOAD_HEADER_BYTES = 12;
const U32_MAX = 2 ** 32 - 1;

// NB: vectors are copied in and out of Float32Arrays byte for byte, which is little-endian only on a
// little-endian host; every platform Node supports for us is one, and this stops a port that is not.
if (endianness() !== "LE") throw new Error("the vector payload format assumes a little-endian host");

/** A vector index as the kv interface names it: `VectorIndexSpec` there. */
export interface VectorIndexParams {
  /** Unique per index in the store; a u32. */
  readonly id: number;
  readonly dims: number;
  readonly metric: VectorMetric;
  /** HNSW neighbours per node (pgvector's `m`), default 16. */
  readonly m?: number;
  /** HNSW build candidate list size, default 64. */
  readonly efConstruction?: number;
}

export type ValidVectorIndexParams = Required<VectorIndexParams>;

/** Fills the HNSW defaults and checks every field; throws 22023 naming the bad one. */
export function validateVectorIndexParams(params: VectorIndexParams): ValidVectorIndexParams {
  if (!Number.isInteger(params.id) || params.id < 0 || params.id > U32_MAX) throw invalidParameter(`vector index id ${params.id} is not an integer in [0, 2^32 - 1]`);
  const { dims, metric, m, efConstruction } = validateHnswParams(params);
  return { id: params.id, dims, metric, m, efConstruction };
}

/**
 * The identity of an index for grouping entries: two entries belong to one index only if they
 * agree on every parameter, so an index recreated under the same id with other dimensions never
 * mixes with the old one's entries.
 */
export function vectorIndexKey(p: ValidVectorIndexParams): string {
  return `${p.id}/${p.metric}/${p.dims}/${p.m}/${p.efConstruction}`;
}

/** The float32 bytes of `vector` (little-endian), a copy. */
export function vectorToBytes(vector: Float32Array): Buffer {
  return Buffer.from(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
}

/** The vector stored as float32 bytes, a copy (so it is aligned whatever `bytes`' offset). */
export function bytesToVector(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) throw new RangeError(`${bytes.length} bytes are not a whole number of float32s`);
  const vector = new Float32Array(bytes.length / 4);
  new Uint8Array(vector.buffer).set(bytes);
  return vector;
}

/**
 * The payload of `floats` (dims × 4 little-endian float32 bytes) in index `params`, after
 * `prefixBytes` bytes left for the caller (the MVCC tag). Throws RangeError when the floats do not
 * have the index's dimensions.
 */
export function encodeVectorPayload(params: ValidVectorIndexParams, floats: Uint8Array, prefixBytes = 0): Buffer {
  if (floats.length !== params.dims * 4) throw new RangeError(`${floats.length} float bytes for an index of ${params.dims} dimensions`);
  const out = Buffer.allocUnsafe(prefixBytes + VECTOR_PAYLOAD_HEADER_BYTES + floats.length);
  const at = prefixBytes;
  out.writeUInt8(VECTOR_PAYLOAD_FORMAT, at);
  out.writeUInt8(metricCode(params.metric), at + 1);
  out.writeUInt8(params.m, at + 2);
  out.writeUInt8(0, at + 3);
  out.writeUInt16LE(params.efConstruction, at + 4);
  out.writeUInt16LE(params.dims, at + 6);
  out.writeUInt32LE(params.id, at + 8);
  out.set(floats, at + VECTOR_PAYLOAD_HEADER_BYTES);
  return out;
}

/** A decoded payload: the index and a view of the float bytes. */
export interface VectorPayload {
  readonly params: ValidVectorIndexParams;
  /** A view into the payload's bytes; `bytesToVector` copies it into a vector. */
  readonly floats: Uint8Array;
}

/**
 * Decodes the payload at `offset` of `bytes`, or returns why it is not one. Checks the header's
 * fields and the length, not the floats (`checkVector` does, where a caller needs it). Pure.
 */
export function decodeVectorPayload(bytes: Uint8Array, offset = 0): VectorPayload | string {
  if (bytes.length < offset + VECTOR_PAYLOAD_HEADER_BYTES) return "vector payload shorter than its header";
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, bytes.byteLength - offset);
  const format = view.getUint8(0);
  if (format !== VECTOR_PAYLOAD_FORMAT) return `unknown vector payload format ${format}`;
  const metric = metricOfCode(view.getUint8(1));
  if (metric === undefined) return `unknown metric code ${view.getUint8(1)}`;
  const m = view.getUint8(2);
  const efConstruction = view.getUint16(4, true);
  const dims = view.getUint16(6, true);
  const id = view.getUint32(8, true);
  if (dims < 1 || dims > VECTOR_MAX_DIMS || m < 2 || m > 100 || efConstruction < 2 * m || efConstruction > 1000) {
    return `invalid vector index parameters (dims ${dims}, m ${m}, ef_construction ${efConstruction})`;
  }
  const floatsAt = offset + VECTOR_PAYLOAD_HEADER_BYTES;
  if (bytes.length - floatsAt !== dims * 4) return `vector payload holds ${bytes.length - floatsAt} float bytes for ${dims} dimensions`;
  return { params: { id, dims, metric, m, efConstruction }, floats: bytes.subarray(floatsAt) };
}

/**
 * The vector of a payload decoded by `decodeVectorPayload`, or undefined when it holds NaN or an
 * infinity (which `putVector` never writes; a damaged value must not reach the index).
 */
export function payloadVector(payload: VectorPayload): Float32Array | undefined {
  const vector = bytesToVector(payload.floats);
  try {
    checkVector(vector, payload.params.dims);
  } catch {
    return undefined;
  }
  return vector;
}
