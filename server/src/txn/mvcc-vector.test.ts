import { describe, expect, it } from "vitest";
import { validateVectorIndexParams, vectorToBytes } from "../vector/index.js";
import { encodeVectorVersionValue, isVectorVersionOf, storedVectorOf, VECTOR_PAYLOAD_RESERVED_AT, vectorVersionPrefix } from "./mvcc-vector.js";

const index = validateVectorIndexParams({ id: 7, dims: 3, metric: "l2", m: 16, efConstruction: 64 });
const floats = vectorToBytes(Float32Array.of(1, 2, 3));
const stored = encodeVectorVersionValue(index, floats);
const prefix = vectorVersionPrefix(index);

describe("isVectorVersionOf", () => {
  const others: [string, Buffer][] = [
    ["another index id", encodeVectorVersionValue({ ...index, id: 8 }, floats)],
    ["another metric", encodeVectorVersionValue({ ...index, metric: "cosine" }, floats)],
    ["another m", encodeVectorVersionValue({ ...index, m: 8 }, floats)],
    ["another ef_construction", encodeVectorVersionValue({ ...index, efConstruction: 65 }, floats)],
    ["other dimensions", encodeVectorVersionValue({ ...index, dims: 2 }, floats.subarray(0, 8))],
    ["a value cut short", stored.subarray(0, stored.length - 1)],
    ["a value too long", Buffer.concat([stored, Buffer.alloc(4)])],
    ["a plain value", Buffer.concat([Buffer.of(0), stored.subarray(1)])],
  ];
  it.each(others)("refuses %s", (_, value) => {
    expect(isVectorVersionOf(value, prefix, index.dims)).toBe(false);
  });

  it("accepts the index's versions, whatever the reserved header byte holds (as decoding does)", () => {
    expect(isVectorVersionOf(stored, prefix, index.dims)).toBe(true);
    const reserved = Buffer.from(stored);
    reserved[VECTOR_PAYLOAD_RESERVED_AT] = 9;
    expect(storedVectorOf(reserved)?.index).toEqual(index);
    expect(isVectorVersionOf(reserved, prefix, index.dims)).toBe(true);
    expect(stored.subarray(prefix.length)).toEqual(floats);
  });
});
