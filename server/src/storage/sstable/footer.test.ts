import { describe, expect, it } from "vitest";
import { decodeFooter, encodeFooter } from "./footer.js";
import { FOOTER_BYTES, FORMAT_VERSION } from "./format.js";

describe("footer", () => {
  const sections = {
    meta: { offset: 2 ** 40 + 3, sizeBytes: 100 },
    index: { offset: 7, sizeBytes: 2 ** 32 - 1 },
    bloom: { offset: 0, sizeBytes: 0 },
  };

  it.each([
    ["with a vector segment", { offset: 123_456, sizeBytes: 99 }],
    ["without a vector segment", undefined],
  ])("round trips %s", (_name, vector) => {
    const bytes = encodeFooter({ ...sections, vector });
    expect(bytes.length).toBe(FOOTER_BYTES);
    expect(decodeFooter(bytes)).toEqual({ ...sections, vector, formatVersion: FORMAT_VERSION });
  });

  it("detects a flip of every bit", () => {
    const bytes = encodeFooter({ ...sections, vector: undefined });
    for (let i = 0; i < bytes.length * 8; i++) {
      const copy = Buffer.from(bytes);
      copy[i >> 3]! ^= 1 << (i & 7);
      expect(decodeFooter(copy)).toBeTypeOf("string");
    }
  });

  it.each([
    ["a short buffer", (b: Buffer) => b.subarray(1), /expected 68/],
    ["another file's magic", (b: Buffer) => Buffer.concat([b.subarray(0, 60), Buffer.from("LEVELDB!")]), /magic/],
  ])("rejects %s", (_name, damage, reason) => {
    expect(decodeFooter(damage(encodeFooter({ ...sections, vector: undefined })))).toMatch(reason);
  });
});
