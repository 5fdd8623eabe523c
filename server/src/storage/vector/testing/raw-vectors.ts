/**
 * Vector entries for engine tests without the MVCC layer: the value of a vector entry is the
 * bare vector payload, and every other value is plain.
 */
import { bytesToVector, decodeVectorPayload, encodeVectorPayload, validateVectorIndexParams, vectorToBytes, type ValidVectorIndexParams, type VectorIndexParams } from "../../../vector/index.js";
import type { VectorEntryOf } from "../vector-entries.js";

export const rawVectorEntryOf: VectorEntryOf = (_key, value) => {
  const payload = decodeVectorPayload(value);
  return typeof payload === "string" ? undefined : { index: payload.params, vector: bytesToVector(payload.floats) };
};

/** Where a background worker thread finds rawVectorEntryOf (EngineOptions.vectorEntryOfModule). */
export const rawVectorEntryOfModule = { moduleUrl: import.meta.url, exportName: "rawVectorEntryOf" } as const;

export function rawVectorValue(index: ValidVectorIndexParams, vector: Float32Array): Buffer {
  return encodeVectorPayload(index, vectorToBytes(vector));
}

export function params(p: VectorIndexParams): ValidVectorIndexParams {
  return validateVectorIndexParams(p);
}
