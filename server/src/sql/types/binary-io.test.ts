import { describe, expect, it } from "vitest";
import { decodeBinary, encodeBinary } from "./binary-io.js";
import { compareValues } from "./compare.js";
import { typeFromName, VECTOR } from "./sql-type.js";
import { golden } from "./testing/golden.js";
import { formatText, parseText } from "./text-io.js";
import { sqlstateOf } from "../../common/sqlstate-error.js";

// The golden file holds PostgreSQL's send output (hex) for every accepted io case.
const cases = golden("io").filter((c) => c.bin !== undefined);
const byType = new Map<string, typeof cases>();
for (const c of cases) byType.set(c.type, [...(byType.get(c.type) ?? []), c]);

describe("binary send matches PostgreSQL 15 and receive inverts it", () => {
  for (const [type, list] of byType) {
    it(`${type} (${list.length} values)`, () => {
      const t = typeFromName(type);
      const bad: unknown[] = [];
      for (const c of list) {
        let v;
        try {
          v = parseText(c.in, t);
        } catch {
          continue; // Known text-input deviations are covered by text-io.test.ts.
        }
        const sent = encodeBinary(v, t).toString("hex");
        const received = decodeBinary(Buffer.from(c.bin!, "hex"), t);
        // JS keeps one NaN, so a negative NaN ('-nan') is sent with the sign bit clear.
        const want = c.in.trim().toLowerCase() === "-nan" ? c.bin!.replace(/^f/, "7") : c.bin;
        const same = t.kind === "json" ? received === v : compareValues(received, v, t) === 0;
        if (sent !== want || formatText(received, t) !== c.out || !same) {
          bad.push({ in: c.in, sent, want: c.bin, received: formatText(received, t) });
        }
      }
      expect(bad).toEqual([]);
    });
  }
});

describe("binary receive rejects malformed data", () => {
  const cases: [string, string, string][] = [
    ["int4", "000001", "08P01"],
    ["int4", "0000000100", "22P03"],
    ["bool", "", "08P01"],
    ["numeric", "0001000000000000", "08P01"],
    ["numeric", "0001000012340000" + "2710", "22P03"], // bad sign
    ["numeric", "00010000000000002710", "22P03"], // digit 10000
    ["numeric", "000100000000c0000001", "22P03"], // negative scale
    ["jsonb", "027b7d", "22P03"],
    ["jsonb", "017b", "22P02"],
    ["text", "ff", "22021"],
    ["text", "6100", "22021"],
    ["varchar(2)", "616263", "22001"],
    ["date", "7ffffffe", "22008"],
    ["timestamp", "7ffffffffffffffe", "22008"],
    ["uuid", "00", "08P01"],
    ["vector(2)", "0002000000000000", "08P01"],
    ["vector(2)", "000100003f800000", "22000"],
    ["vector", "000100017f800000", "22023"],
    ["vector", "000100007fc00000", "22000"],
    ["vector", "000100007f800000", "22000"],
    ["vector", "00000000", "22000"],
  ];
  it.each(cases)("%s from %s fails with %s", (type, hex, sqlstate) => {
    let code: string | undefined;
    try {
      decodeBinary(Buffer.from(hex, "hex"), typeFromName(type));
    } catch (e) {
      code = sqlstateOf(e);
    }
    expect(code).toBe(sqlstate);
  });

  it("vector uses pgvector's layout", () => {
    const v = Float32Array.from([1, -2.5, 3]);
    const bin = encodeBinary(v, VECTOR);
    expect(bin.toString("hex")).toBe("00030000" + "3f800000" + "c0200000" + "40400000");
    expect(decodeBinary(bin, VECTOR)).toEqual(v);
  });

  it("numeric receive truncates digits hidden by the display scale, as PostgreSQL does", () => {
    // 1.2345 sent with dscale 2
    const hex = "0002" + "0000" + "0000" + "0002" + "0001" + "0929";
    expect(formatText(decodeBinary(Buffer.from(hex, "hex"), typeFromName("numeric")), typeFromName("numeric"))).toBe("1.23");
  });
});
