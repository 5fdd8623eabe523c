import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { compareValues } from "./compare.js";
import { decodeRow, encodeRow, numericFromKey, numericKey, ROW_FORMAT_VERSION, RowCodec, type RowColumn } from "./row-codec.js";
import { type SqlType, typeFromName } from "./sql-type.js";
import { typeArb, valueArb } from "./testing/arbitraries.js";
import { formatText, parseText } from "./text-io.js";
import type { Numeric, SqlValue } from "./value.js";

function sameValue(a: SqlValue, b: SqlValue, t: SqlType): boolean {
  if (a === null || b === null) return a === b;
  return t.kind === "json" ? a === b : compareValues(a, b, t) === 0 && formatText(a, t) === formatText(b, t);
}

/** A schema (unique column ids in random order) with a row for it. */
const schemaAndRow = fc
  .uniqueArray(fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })), { minLength: 0, maxLength: 12 })
  .chain((ids) =>
    fc.tuple(...ids.map((id) => typeArb().map((type): RowColumn => ({ id, type })))).chain((columns) =>
      fc.tuple(fc.constant(columns), fc.tuple(...columns.map((c) => valueArb(c.type)))),
    ),
  );

describe("row codec", () => {
  it("round-trips random schemas and rows, whole and column by column", () => {
    fc.assert(
      fc.property(schemaAndRow, ([columns, values]) => {
        const codec = new RowCodec(columns);
        const bytes = codec.encode(values);
        expect(bytes[0]).toBe(ROW_FORMAT_VERSION);
        const decoded = codec.decode(bytes);
        columns.forEach((c, i) => {
          expect(sameValue(decoded[i]!, values[i]!, c.type)).toBe(true);
          expect(sameValue(codec.decodeColumn(bytes, i), values[i]!, c.type)).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  it("decodes a selection of columns as decode does, the others NULL", () => {
    fc.assert(
      fc.property(
        schemaAndRow.chain(([columns, values]) => fc.tuple(fc.constant(columns), fc.constant(values), fc.array(fc.boolean(), { minLength: columns.length, maxLength: columns.length }))),
        ([columns, values, wanted]) => {
          const codec = new RowCodec(columns);
          const bytes = codec.encode(values);
          const selection = codec.select(wanted.flatMap((w, i) => (w ? [i] : [])));
          const some = codec.decodeSome(bytes, selection);
          expect(some.length).toBe(columns.length);
          columns.forEach((c, i) => expect(sameValue(some[i]!, wanted[i] ? values[i]! : null, c.type)).toBe(true));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("selects columns of rows written before ADD COLUMN and after DROP COLUMN", () => {
    const v1: RowColumn[] = [
      { id: 1, type: typeFromName("int4") },
      { id: 2, type: typeFromName("text") },
      { id: 4, type: typeFromName("int8") },
    ];
    const old = encodeRow(v1, [7, "dropped later", 9n]);
    // id 2 dropped; 3 and 5 added (5 with a default old rows read).
    const v2: RowColumn[] = [
      { id: 5, type: typeFromName("text"), missing: "dflt" },
      { id: 1, type: typeFromName("int4") },
      { id: 3, type: typeFromName("int4") },
      { id: 4, type: typeFromName("int8") },
    ];
    const codec = new RowCodec(v2);
    expect(codec.decodeSome(old, codec.select([0, 3]))).toEqual(["dflt", null, null, 9n]);
    expect(codec.decodeSome(old, codec.select([1, 2]))).toEqual([null, 7, null, null]);
    expect(codec.decodeSome(old, codec.select([]))).toEqual([null, null, null, null]);
    const fresh = codec.encode([null, 1, 2, 3n]);
    expect(codec.decodeSome(fresh, codec.select([0, 2]))).toEqual([null, null, 2, null]);
    expect(() => codec.decodeSome(fresh, new RowCodec(v2).select([0]))).toThrow(RangeError);
    expect(() => codec.select([4])).toThrow(RangeError);
  });

  it("reads rows written before ADD COLUMN and after DROP COLUMN", () => {
    fc.assert(
      fc.property(schemaAndRow, fc.integer({ min: 0, max: 12 }), ([columns, values], dropCount) => {
        const bytes = encodeRow(columns, values);
        // Drop some columns, add two new ones (one with a default for old rows).
        const kept = columns.slice(dropCount);
        const maxId = Math.max(-1, ...columns.map((c) => c.id));
        const added: RowColumn[] =
          maxId + 2 < 2 ** 32
            ? [
                { id: maxId + 1, type: typeFromName("int4") },
                { id: maxId + 2, type: typeFromName("text"), missing: "default" },
              ]
            : [];
        const later = [...added, ...kept];
        const decoded = decodeRow(bytes, later);
        expect(decoded.slice(0, added.length)).toEqual(added.map((c) => c.missing ?? null));
        kept.forEach((c, i) => expect(sameValue(decoded[added.length + i]!, values[dropCount + i]!, c.type)).toBe(true));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps an explicit NULL distinct from a missing column", () => {
    const v1 = [{ id: 1, type: typeFromName("int4") }];
    const v2 = [...v1, { id: 2, type: typeFromName("text"), missing: "dflt" }];
    expect(decodeRow(encodeRow(v2, [5, null]), v2)).toEqual([5, null]);
    expect(decodeRow(encodeRow(v1, [5]), v2)).toEqual([5, "dflt"]);
  });

  it("has a stable, compact layout", () => {
    const columns: RowColumn[] = [
      { id: 3, type: typeFromName("text") },
      { id: 1, type: typeFromName("int4") },
      { id: 7, type: typeFromName("bool") },
      { id: 8, type: typeFromName("numeric") },
    ];
    const bytes = encodeRow(columns, ["hi", -2, null, parseText("1.50", typeFromName("numeric"))]);
    // version, 4 columns; id deltas and lengths+1: (1, 2) (2, 3) (4, NULL) (1, 5); payloads:
    // -2 zigzag, "hi", 1.50 as positive, scale 2, exponent 1 (0.15 × 10^1) zigzag, digits "15"
    expect(bytes.toString("hex")).toBe("01" + "04" + "0102" + "0203" + "0400" + "0105" + "03" + "6869" + "00" + "02" + "02" + "0f");
  });

  it("rejects corrupt rows with XX001", () => {
    const columns: RowColumn[] = [{ id: 1, type: typeFromName("int8") }];
    const good = encodeRow(columns, [123n]);
    const bad = [Buffer.from([2, 0]), good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.from([0])]), Buffer.from([1, 2, 1, 1, 0, 1])];
    for (const b of bad) {
      let code: string | undefined;
      try {
        decodeRow(b, columns);
      } catch (e) {
        code = sqlstateOf(e);
      }
      expect(code).toBe("XX001");
    }
  });

  it("finds the same structural corruption when decoding no column or some", () => {
    const columns: RowColumn[] = [
      { id: 1, type: typeFromName("int4") },
      { id: 3, type: typeFromName("text") },
      { id: 6, type: typeFromName("int8") },
    ];
    const codec = new RowCodec(columns);
    const good = codec.encode([1, "some text", 3n]);
    const header = good.subarray(0, 2 + 2 * columns.length);
    const bad = [
      Buffer.alloc(0),
      Buffer.from([2, 0]),
      // A header cut short, then a varint running past the end.
      good.subarray(0, 4),
      Buffer.from([1, 1, 0x81]),
      // Payloads cut short or followed by more bytes.
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from([0])]),
      // Ids not ascending (the second delta 0; the first column NULL, so no payload is read before).
      Buffer.from([1, 2, 1, 0, 0, 2, 2]),
      // Lengths pointing past the payloads.
      Buffer.concat([header.subarray(0, 5), Buffer.from([0x7f]), header.subarray(6), good.subarray(header.length)]),
    ];
    for (const b of bad) {
      for (const positions of [[], [0], [1], [0, 1, 2]]) {
        let whole: string | undefined;
        let some: string | undefined;
        try {
          codec.decode(b);
        } catch (e) {
          whole = `${sqlstateOf(e)} ${(e as Error).message}`;
        }
        try {
          codec.decodeSome(b, codec.select(positions));
        } catch (e) {
          some = `${sqlstateOf(e)} ${(e as Error).message}`;
        }
        expect(whole, b.toString("hex")).toMatch(/^XX001 corrupt row/);
        expect(some, `${b.toString("hex")} selecting ${positions.join(",")}`).toBe(whole);
      }
    }
    // Payload contents are checked only where they are read.
    const badUtf8 = Buffer.from(good);
    badUtf8[good.length - 1 - "some text".length] = 0xff;
    expect(() => codec.decode(badUtf8)).toThrow(expect.objectContaining({ sqlstate: "XX001" }));
    expect(() => codec.decodeSome(badUtf8, codec.select([1]))).toThrow(expect.objectContaining({ sqlstate: "XX001" }));
    expect(codec.decodeSome(badUtf8, codec.select([0, 2]))).toEqual([1, null, 3n]);
  });

  it("rejects values in the wrong representation", () => {
    expect(() => encodeRow([{ id: 1, type: typeFromName("int4") }], [1n])).toThrow(expect.objectContaining({ sqlstate: "XX000" }));
    expect(() => encodeRow([{ id: 1, type: typeFromName("int2") }], [40000])).toThrow(expect.objectContaining({ sqlstate: "XX000" }));
    expect(() => new RowCodec([{ id: 1, type: typeFromName("int4") }, { id: 1, type: typeFromName("int4") }])).toThrow("duplicate column id 1");
  });
});

describe("numeric keys", () => {
  const num = (s: string) => parseText(s, typeFromName("numeric")) as Numeric;
  it("sort like the numbers and ignore the display scale", () => {
    const ordered = ["-Infinity", "-1e100", "-12.5", "-12.4999", "-1", "-0.001", "0", "1e-20", "0.1", "0.105", "0.11", "1", "1.0001", "9.99", "10", "1e100", "Infinity", "NaN"];
    const keys = ordered.map((s) => Buffer.from(numericKey(num(s))));
    for (let i = 1; i < keys.length; i++) expect(Buffer.compare(keys[i - 1]!, keys[i]!)).toBe(-1);
    expect(Buffer.from(numericKey(num("1.50")))).toEqual(Buffer.from(numericKey(num("1.5"))));
    expect(numericFromKey(numericKey(num("-12.340"))).toString()).toBe("-12.34");
  });
});
