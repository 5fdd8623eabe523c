import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRecord, encodeRecord, RECORD_HEADER_BYTES, RECORD_MAX_DATA_BYTES } from "./record.js";

const typeArb = fc.integer({ min: 0, max: 255 });
const dataArb = fc.uint8Array({ maxLength: 512 });

describe("record codec", () => {
  it("round-trips at any offset, with bytes before and after", () => {
    fc.assert(
      fc.property(typeArb, dataArb, fc.uint8Array({ maxLength: 16 }), fc.uint8Array({ maxLength: 16 }), (type, data, before, after) => {
        const buf = Buffer.concat([before, encodeRecord(type, data), after]);
        const decoded = decodeRecord(buf, before.length);
        expect(decoded).toEqual({
          kind: "record",
          type,
          data: Buffer.from(data),
          nextOffset: before.length + RECORD_HEADER_BYTES + data.length,
        });
      }),
    );
  });

  it("reports every strict prefix as truncated", () => {
    fc.assert(
      fc.property(typeArb, dataArb, (type, data) => {
        const record = encodeRecord(type, data);
        for (let cut = 0; cut < record.length; cut++) {
          expect(decodeRecord(record.subarray(0, cut), 0).kind).toBe("truncated");
        }
      }),
      { numRuns: 50 },
    );
  });

  it("never decodes a record with one flipped bit", () => {
    fc.assert(
      fc.property(typeArb, fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.nat(), fc.integer({ min: 0, max: 7 }), (type, data, at, bit) => {
        const record = encodeRecord(type, data);
        const i = at % record.length;
        record[i] = record[i]! ^ (1 << bit);
        expect(decodeRecord(record, 0).kind).not.toBe("record");
      }),
    );
  });

  it("rejects an absurd length as corrupt without reading past it", () => {
    const record = encodeRecord(1, Buffer.from("x"));
    record.writeUInt32LE(RECORD_MAX_DATA_BYTES + 1, 0);
    expect(decodeRecord(record, 0).kind).toBe("corrupt");
  });

  it("rejects an all-zero header (preallocated space) as corrupt", () => {
    expect(decodeRecord(Buffer.alloc(64), 0).kind).toBe("corrupt");
  });
});
