import { decodeVectorPayload, encodeVectorPayload, payloadVector, type ValidVectorIndexParams, type VectorPayload } from "../vector/index.js";
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

/** The index and vector of a stored version value, or undefined when it is not a (well-formed) vector. */
export function storedVectorOf(stored: Buffer): VectorEntry | undefined {
  if (stored[0] !== VersionTag.Vector) return undefined;
  const payload = decodeVectorPayload(stored, 1);
  if (typeof payload === "string") return undefined;
  const vector = payloadVector(payload);
  return vector && { index: payload.params, vector };
}

/**
 * The payload of a stored vector version (its index and a view of its float bytes, not checked
 * for NaN), or undefined when the value is not a well-formed vector payload. No copy.
 */
export function storedVectorPayloadOf(stored: Buffer): VectorPayload | undefined {
  if (stored[0] !== VersionTag.Vector) return undefined;
  const payload = decodeVectorPayload(stored, 1);
  return typeof payload === "string" ? undefined : payload;
}

/** Where a background worker thread finds mvccVectorEntryOf (EngineOptions.vectorEntryOfModule). */
export const mvccVectorEntryOfModule = { moduleUrl: import.meta.url, exportName: "mvccVectorEntryOf" } as const;

/** The engine's hook: the vector entry a storage put is, if it is a vector version. */
export function mvccVectorEntryOf(storageKey: Uint8Array, stored: Uint8Array): VectorEntry | undefined {
  // Checked before making a Buffer view: this runs on every put a memtable takes.
  if (storageKey[0] !== DATA_PREFIX || stored[0] !== VersionTag.Vector) return undefined;
  return storedVectorOf(Buffer.isBuffer(stored) ? stored : Buffer.from(stored.buffer, stored.byteOffset, stored.length));
}
