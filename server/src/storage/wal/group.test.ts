import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkGroupStructure, decodeGroup, encodeGroupRecord, WalRecordType } from "./group.js";
import { decodeRecord, RECORD_HEADER_BYTES } from "./record.js";

const payloadsArb = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 40 });

describe("group codec", () => {
  it("round-trips any non-empty list of payloads through one record", () => {
    fc.assert(
      fc.property(payloadsArb, (payloads) => {
        const record = encodeGroupRecord(payloads);
        const decoded = decodeRecord(record, 0);
        if (decoded.kind !== "record") throw new Error(`not a record: ${decoded.kind}`);
        expect(decoded.type).toBe(WalRecordType.Group);
        expect(decoded.nextOffset).toBe(record.length);
        const group = decodeGroup(decoded.data);
        expect(group).toEqual({ kind: "group", payloads: payloads.map((p) => Buffer.from(p)) });
        expect(checkGroupStructure(record, RECORD_HEADER_BYTES, record.length)).toBeGreaterThan(0);
      }),
    );
  });

  it("agrees with the structural check on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const data = Buffer.from(bytes);
        const valid = decodeGroup(data).kind === "group";
        expect(checkGroupStructure(data, 0, data.length) > 0).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ["empty data", []],
    ["zero count", [0]],
    ["count larger than data", [5, 0]],
    ["entry past the end", [1, 4, 1, 2]],
    ["trailing bytes", [1, 1, 7, 9]],
    ["overlong varint", [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  ])("rejects %s", (_name, bytes) => {
    expect(decodeGroup(Buffer.from(bytes)).kind).toBe("invalid");
  });
});
