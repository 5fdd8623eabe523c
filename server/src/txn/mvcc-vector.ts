import { decodeVectorPayload, encodeVectorPayload, payloadVector, VECTOR_PAYLOAD_HEADER_BYTES, type ValidVectorIndexParams } from "../vector/index.js";
import type { VectorEntry } from "../storage/index.js";
import { DATA_PREFIX, VersionTag } from "./mvcc-key.js";

/**
 * Vector versions: how `putVector` values are stored, and how the storage engine recognises them
 * (`EngineOptions.vectorEntryOf`). The stored value is the Vector tag, then the vector payload.
 */

/** The stored value of a vector version: `floats` are the dims × 4 little-endian float32 bytes. */
export function encodeVectorVersionValue(index: ValidVectorIndexParams, floats: Uint8Array): Buffer {
  const out = encodeVectorPayload(index, floats, 1);
  out[0] = VersionTag.Vector;
  return out;
}

/**
 * The bytes every stored vector version of `index` starts with (the tag and the payload header),
 * for telling such a value apart with a byte comparison instead of decoding it. NB: the header's
 * reserved byte (`VECTOR_PAYLOAD_RESERVED_AT` past the tag) is not compared, as decoding ignores it.
 */
export function vectorVersionPrefix(index: ValidVectorIndexParams): Buffer {
  return encodeVectorVersionValue(index, new Uint8Array(index.dims * 4)).subarray(0, 1 + VECTOR_PAYLOAD_HEADER_BYTES);
}

/** Where the reserved header byte sits in a stored vector version (see `vectorVersionPrefix`). */
export const VECTOR_PAYLOAD_RESERVED_AT = 1 + 3;

/**
 * Whether `stored` is a vector version of the index whose `vectorVersionPrefix` is `prefix`, with
 * the right length for its `dims`: then its float bytes are `stored[prefix.length, ...)`.
 */
export function isVectorVersionOf(stored: Buffer, prefix: Buffer, dims: number): boolean {
  if (stored.length !== prefix.length + dims * 4) return false;
  for (let i = 0; i < prefix.length; i++) if (stored[i] !== prefix[i] && i !== VECTOR_PAYLOAD_RESERVED_AT) return false;
  return true;
}

/** The index and vector of a stored version value, or undefined when it is not a (well-formed) vector. */
export function storedVectorOf(stored: Buffer): VectorEntry | undefined {
  if (stored[0] !== VersionTag.Vector) return undefined;
  const payload = decodeVectorPayload(stored, 1);
  if (typeof payload === "string") return undefined;
  const vector = payloadVector(payload);
  return vector && { index: payload.params, vector };
}

/** Where a background worker thread finds mvccVectorEntryOf (EngineOptions.vectorEntryOfModule). */
export const mvccVectorEntryOfModule = { moduleUrl: import.meta.url, exportName: "mvccVectorEntryOf" } as const;

/** The engine's hook: the vector entry a storage put is, if it is a vector version. */
export function mvccVectorEntryOf(storageKey: Uint8Array, stored: Uint8Array): VectorEntry | undefined {
  // Checked before making a Buffer view: this runs on every put a memtable takes.
  if (storageKey[0] !== DATA_PREFIX || stored[0] !== VersionTag.Vector) return undefined;
  return storedVectorOf(Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.length));
}
