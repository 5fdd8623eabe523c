import { describe, expect, it } from "vitest";
import { decodeVarint, encodeVarint, varintLength } from "./varint.js";

describe("varint", () => {
  it.each([
    [0, 1],
    [1, 1],
    [127, 1],
    [128, 2],
    [16_383, 2],
    [16_384, 3],
    [2 ** 31 - 1, 5],
    [2 ** 32, 5],
    [2 ** 35, 6],
    [Number.MAX_SAFE_INTEGER, 8],
  ])("round trips %d in %d bytes", (n, bytes) => {
    const buf = new Uint8Array(10);
    expect(encodeVarint(buf, 1, n)).toBe(1 + bytes);
    expect(varintLength(n)).toBe(bytes);
    const cursor = { pos: 1 };
    expect(decodeVarint(buf, cursor, 1 + bytes)).toBe(n);
    expect(cursor.pos).toBe(1 + bytes);
  });

  it.each([
    ["runs past the limit", [0x80, 0x80], 2],
    ["is empty", [], 0],
    ["is longer than 8 bytes", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], 9],
    ["exceeds 2^53", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], 8],
  ])("rejects a varint that %s", (_name, bytes, limit) => {
    expect(decodeVarint(Uint8Array.from(bytes), { pos: 0 }, limit)).toBe(-1);
  });
});
