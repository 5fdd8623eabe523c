import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../common/sqlstate-error.js";
import {
  bytesToVector,
  decodeVectorPayload,
  encodeVectorPayload,
  payloadVector,
  validateVectorIndexParams,
  VECTOR_PAYLOAD_HEADER_BYTES,
  vectorIndexKey,
  vectorToBytes,
  type VectorIndexParams,
} from "./index-entry.js";

const params = validateVectorIndexParams({ id: 42, dims: 3, metric: "cosine" });

describe("vector index params", () => {
  it("fills pgvector's defaults", () => {
    expect(params).toEqual({ id: 42, dims: 3, metric: "cosine", m: 16, efConstruction: 64 });
    expect(vectorIndexKey(params)).toBe("42/cosine/3/16/64");
  });

  it.each<[string, VectorIndexParams]>([
    ["negative id", { id: -1, dims: 3, metric: "l2" }],
    ["id past u32", { id: 2 ** 32, dims: 3, metric: "l2" }],
    ["fractional id", { id: 1.5, dims: 3, metric: "l2" }],
    ["zero dims", { id: 1, dims: 0, metric: "l2" }],
    ["too many dims", { id: 1, dims: 16001, metric: "l2" }],
    ["m below 2", { id: 1, dims: 3, metric: "l2", m: 1 }],
    ["ef_construction below 2m", { id: 1, dims: 3, metric: "l2", m: 16, efConstruction: 20 }],
    ["unknown metric", { id: 1, dims: 3, metric: "hamming" as "l2" }],
  ])("rejects %s with 22023", (_, bad) => {
    expect(() => validateVectorIndexParams(bad)).toThrow();
    try {
      validateVectorIndexParams(bad);
    } catch (e) {
      expect(sqlstateOf(e)).toBe("22023");
    }
  });
});

describe("vector payload", () => {
  it("round-trips any index and vector, at any prefix", () => {
    const metric = fc.constantFrom("l2" as const, "cosine" as const, "inner" as const);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        metric,
        fc.integer({ min: 2, max: 100 }),
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 40 }),
        fc.nat(3),
        (id, metric, m, floats, prefix) => {
          const p = validateVectorIndexParams({ id, dims: floats.length, metric, m, efConstruction: Math.max(2 * m, 4) });
          const vector = Float32Array.from(floats);
          const bytes = encodeVectorPayload(p, vectorToBytes(vector), prefix);
          expect(bytes.length).toBe(prefix + VECTOR_PAYLOAD_HEADER_BYTES + 4 * floats.length);
          const decoded = decodeVectorPayload(bytes, prefix);
          if (typeof decoded === "string") throw new Error(decoded);
          expect(decoded.params).toEqual(p);
          expect(bytesToVector(decoded.floats)).toEqual(vector);
          expect(payloadVector(decoded)).toEqual(vector);
        },
      ),
    );
  });

  it("stores the floats little-endian after a 12-byte header", () => {
    const bytes = encodeVectorPayload(params, vectorToBytes(Float32Array.of(1, -2, 0.5)));
    expect(bytes.subarray(12).toString("hex")).toBe("0000803f000000c00000003f");
    expect(bytes.subarray(0, 12).toString("hex")).toBe("01021000400003002a000000");
  });

  it.each<[string, (b: Buffer) => Buffer]>([
    ["short header", (b) => b.subarray(0, 11)],
    ["unknown format", (b) => (b.writeUInt8(9, 0), b)],
    ["unknown metric", (b) => (b.writeUInt8(7, 1), b)],
    ["bad m", (b) => (b.writeUInt8(1, 2), b)],
    ["zero dims", (b) => (b.writeUInt16LE(0, 6), b)],
    ["missing floats", (b) => b.subarray(0, b.length - 4)],
    ["extra bytes", (b) => Buffer.concat([b, Buffer.alloc(4)])],
  ])("says why a malformed payload is not one: %s", (_, damage) => {
    const bytes = damage(encodeVectorPayload(params, vectorToBytes(Float32Array.of(1, 2, 3))));
    expect(typeof decodeVectorPayload(bytes)).toBe("string");
  });

  it("refuses floats of other dimensions, and hides NaN from the index", () => {
    expect(() => encodeVectorPayload(params, vectorToBytes(Float32Array.of(1, 2)))).toThrow(RangeError);
    const decoded = decodeVectorPayload(encodeVectorPayload(params, vectorToBytes(Float32Array.of(1, NaN, 3))));
    if (typeof decoded === "string") throw new Error(decoded);
    expect(payloadVector(decoded)).toBeUndefined();
  });
});
