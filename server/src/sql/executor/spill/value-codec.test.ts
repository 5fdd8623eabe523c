/** The spill record codec: every value comes back exactly, JS type included. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Jsonb, JsonbObject, Numeric, parseText, type SqlValue } from "../../types/index.js";
import { typeArb, valueArb } from "../../types/testing/arbitraries.js";
import { RECORD_HEADER_BYTES, RecordDecoder, RecordEncoder } from "./value-codec.js";
import { rowBytes, valueBytes } from "./row-size.js";
import { exactlyEqual } from "./testing/exact-equal.js";

function roundTrip(values: SqlValue[]): SqlValue[] {
  const enc = new RecordEncoder(16);
  const size = enc.append(values);
  expect(size).toBe(enc.len);
  const payload = enc.buf.readUInt32LE(0);
  expect(payload + RECORD_HEADER_BYTES).toBe(enc.len);
  return new RecordDecoder().decode(enc.buf, RECORD_HEADER_BYTES, enc.len);
}

const nanPayload = new Float32Array(new Uint32Array([0x7fc00001, 0xffc12345]).buffer);

const cases: [string, SqlValue][] = [
  ["NULL", null],
  ["true", true],
  ["false", false],
  ["zero", 0],
  ["negative zero", -0],
  ["NaN", NaN],
  ["+Infinity", Infinity],
  ["-Infinity", -Infinity],
  ["small negative", -1],
  ["int4 min", -2147483648],
  ["2^52 (float path)", 2 ** 52],
  ["-(2^52) + 1 (varint path)", -(2 ** 52) + 1],
  ["max safe integer", Number.MAX_SAFE_INTEGER],
  ["fraction", 0.1],
  ["denormal", 5e-324],
  ["bigint zero", 0n],
  ["int8 min", -(2n ** 63n)],
  ["int8 max", 2n ** 63n - 1n],
  ["bigint beyond int64", -(10n ** 40n) - 7n],
  ["empty string", ""],
  ["unicode", "é漢😀\u0000"],
  ["lone high surrogate", "a\ud800b"],
  ["lone low surrogate", "\udc00"],
  ["numeric with trailing zeros", Numeric.of("1.50", 2)],
  ["numeric NaN", Numeric.NaN],
  ["numeric +Infinity", Numeric.POSITIVE_INFINITY],
  ["numeric -Infinity", Numeric.NEGATIVE_INFINITY],
  ["numeric huge", Numeric.of("-123456789012345678901234567890.000000000000000000001")],
  ["numeric tiny", Numeric.of("1e-300", 310)],
  ["empty Uint8Array", new Uint8Array(0)],
  ["Uint8Array", Uint8Array.from([0, 255, 7])],
  ["Buffer", Buffer.from([1, 2, 3])],
  ["Buffer slice", Buffer.from([9, 8, 7, 6]).subarray(1, 3)],
  ["Float32Array", Float32Array.from([1.5, -0, Infinity])],
  ["Float32Array NaN payloads", nanPayload],
  ["jsonb scalar null", new Jsonb(null)],
  ["jsonb nested", parseText('{"a": [1, 2.50, {"b": null}], "é": "x\\u00e9", "t": true}', { kind: "jsonb" })],
  ["jsonb with lone surrogate key", new Jsonb(new JsonbObject(["\udfff"], [Numeric.of("-0.0", 1)]))],
  ["empty array", [] as unknown as SqlValue],
  ["array with NULLs, mixed values and a nested array", [1, null, -0, "x", 2n, Numeric.of("1.50"), [Buffer.from([1])]] as unknown as SqlValue],
];

describe("spill record codec", () => {
  it.each(cases)("round-trips %s", (_name, v) => {
    const [back] = roundTrip([v]);
    expect(exactlyEqual(back!, v)).toBe(true);
  });

  it("round-trips a row of every case, and an empty row", () => {
    const row = cases.map(([, v]) => v);
    const back = roundTrip(row);
    expect(back.length).toBe(row.length);
    back.forEach((v, i) => expect(exactlyEqual(v, row[i]!), cases[i]![0]).toBe(true));
    expect(roundTrip([])).toEqual([]);
  });

  it("round-trips random rows of random types", () => {
    const rowArb = fc.array(typeArb().chain((t) => valueArb(t)), { maxLength: 12 });
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 8 }), (rows) => {
        const enc = new RecordEncoder(8);
        for (const r of rows) enc.append(r);
        const dec = new RecordDecoder();
        let at = 0;
        for (const r of rows) {
          const end = at + RECORD_HEADER_BYTES + enc.buf.readUInt32LE(at);
          const back = dec.decode(enc.buf, at + RECORD_HEADER_BYTES, end);
          expect(back.length).toBe(r.length);
          back.forEach((v, i) => expect(exactlyEqual(v, r[i]!)).toBe(true));
          at = end;
        }
        expect(at).toBe(enc.len);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects truncated and trailing bytes as internal errors", () => {
    const enc = new RecordEncoder();
    enc.append(["abc", 1n, Numeric.of("2.5")]);
    const dec = new RecordDecoder();
    expect(() => dec.decode(enc.buf, RECORD_HEADER_BYTES, enc.len - 1)).toThrow(/malformed spill record/);
    const longer = Buffer.concat([enc.buf.subarray(0, enc.len), Buffer.from([0])]);
    expect(() => dec.decode(longer, RECORD_HEADER_BYTES, longer.length)).toThrow(/trailing bytes/);
  });

  it("refuses values that are not SQL values", () => {
    const enc = new RecordEncoder();
    expect(() => enc.append([new Date() as unknown as SqlValue])).toThrow(/cannot spill a value of JS type Date/);
  });
});

describe("row size estimates", () => {
  it("grow with content and count wide strings double", () => {
    expect(valueBytes(null)).toBe(0);
    expect(valueBytes("a".repeat(1000))).toBeGreaterThanOrEqual(1000);
    expect(valueBytes("漢".repeat(1000))).toBeGreaterThanOrEqual(2000);
    expect(valueBytes(new Uint8Array(4096))).toBeGreaterThan(4096);
    expect(valueBytes(Numeric.of("1".repeat(700)))).toBeGreaterThan(valueBytes(Numeric.of("1")));
    expect(valueBytes(parseText('[1,2,3,"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]', { kind: "jsonb" }))).toBeGreaterThan(100);
    expect(rowBytes([1, 2, 3])).toBeLessThan(rowBytes([1, 2, 3, "x".repeat(100)]));
  });
});
