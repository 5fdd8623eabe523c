import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeBytes, prefixEnd } from "../kv/key-encoding.js";
import { DATA_PREFIX, decodeVersionKey, encodeKeyBound, encodeVersionKey, versionKeyAt, versionsEnd, versionsEndOf, versionTsOf } from "./mvcc-key.js";

// Bytes rich in the escape byte and its neighbours, where an encoder goes wrong.
const keyBytes = fc.uint8Array({ maxLength: 40 }).chain((a) => fc.constantFrom(a, a.map((b) => [0x00, 0x01, 0xff][b % 3]!)));
const ts = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

describe("mvcc-key", () => {
  it("builds the layout the file comment documents, from escapeBytes and prefixEnd", () => {
    fc.assert(
      fc.property(keyBytes, ts, (key, t) => {
        const bound = Buffer.concat([Buffer.from([DATA_PREFIX]), escapeBytes(key)]);
        expect(encodeKeyBound(key)).toEqual(bound);
        expect(versionsEnd(key)).toEqual(prefixEnd(bound));
        const v = encodeVersionKey(key, t);
        expect(v.subarray(0, bound.length)).toEqual(bound);
        expect(v.length).toBe(bound.length + 8);
        expect(versionTsOf(v)).toBe(t);
        expect(decodeVersionKey(v)).toEqual({ userKey: Buffer.from(key), ts: t });
      }),
    );
  });

  it("sorts every version of a key inside [bound, versionsEnd), newest first", () => {
    fc.assert(
      fc.property(keyBytes, ts, ts, (key, a, b) => {
        const [older, newer] = a < b ? [a, b] : [b, a];
        const vo = encodeVersionKey(key, older);
        const vn = encodeVersionKey(key, newer);
        expect(Buffer.compare(encodeKeyBound(key), vn)).toBeLessThanOrEqual(0);
        expect(Buffer.compare(vn, vo)).toBeLessThanOrEqual(0);
        expect(Buffer.compare(vo, versionsEnd(key))).toBeLessThan(0);
      }),
    );
  });

  it("derives another version's key and the versions' end from a version key", () => {
    fc.assert(
      fc.property(keyBytes, ts, ts, (key, a, b) => {
        const version = encodeVersionKey(key, a);
        expect(versionKeyAt(version, b).equals(encodeVersionKey(key, b))).toBe(true);
        expect(versionsEndOf(version).equals(versionsEnd(key))).toBe(true);
        // The input is left as it was.
        expect(version.equals(encodeVersionKey(key, a))).toBe(true);
      }),
    );
  });
});
