import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import {
  formatType,
  isSerialTypeName,
  type SqlType,
  TYPE_KINDS,
  defaultOfKind,
  typeFromName,
  typeFromOid,
  typeModifier,
  typeOid,
  VECTOR_OID,
} from "./sql-type.js";
import { golden } from "./testing/golden.js";

describe("typeFromName and formatType agree with PostgreSQL 15", () => {
  const cases = golden("typename");
  it(`${cases.length} type names as declared columns`, () => {
    const wrong = [];
    for (const c of cases) {
      let got: unknown;
      try {
        got = { out: formatType(typeFromName(c.name)) };
      } catch (e) {
        got = { err: sqlstateOf(e), msg: (e as Error).message };
      }
      const want = c.err === undefined ? { out: c.out } : { err: c.err, msg: c.msg };
      if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push({ name: c.name, got, want });
    }
    expect(wrong).toEqual([]);
  });
});

describe("type names", () => {
  it("takes modifiers in the name or separately", () => {
    expect(typeFromName("varchar", [10])).toEqual({ kind: "varchar", length: 10 });
    expect(typeFromName("NUMERIC ( 10 , 2 )")).toEqual({ kind: "numeric", precision: 10, scale: 2 });
    expect(typeFromName("timestamp(3) with time zone")).toEqual({ kind: "timestamptz", precision: 3 });
  });

  it("parses vector dimensions and metrics", () => {
    expect(typeFromName("VECTOR(3, COSINE)")).toEqual({ kind: "vector", dims: 3, metric: "cosine" });
    expect(typeFromName("vector(3)")).toEqual({ kind: "vector", dims: 3, metric: "l2" });
    expect(typeFromName("vector", [1536, "inner"])).toEqual({ kind: "vector", dims: 1536, metric: "inner" });
    expect(typeFromName("vector")).toEqual({ kind: "vector", metric: "l2" });
    expect(formatType(typeFromName("vector(3)"))).toBe("vector(3)");
    expect(formatType(typeFromName("vector(3, cosine)"))).toBe("vector(3,cosine)");
    expect(typeFromName(formatType(typeFromName("vector(3, inner)")))).toEqual({ kind: "vector", dims: 3, metric: "inner" });
  });

  it.each([
    ["vector(0)", "22023", "dimensions for type vector must be at least 1"],
    ["vector(16001)", "22023", "dimensions for type vector cannot exceed 16000"],
    ["vector(3, manhattan)", "22023", 'invalid distance metric "manhattan" for type vector (expected l2, cosine or inner)'],
    ["numeric(1,2,3)", "22023", "invalid NUMERIC type modifier"],
    ["varchar(x", "42601", 'syntax error in type name "varchar(x"'],
  ])("%s is rejected with %s", (name, sqlstate, message) => {
    expect(() => typeFromName(name)).toThrow(expect.objectContaining({ sqlstate, message }));
  });

  it("maps serial types to integers and recognises them", () => {
    expect(typeFromName("serial")).toEqual({ kind: "int4" });
    expect(typeFromName("bigserial")).toEqual({ kind: "int8" });
    expect(isSerialTypeName("BIGSERIAL")).toBe(true);
    expect(isSerialTypeName("bigint")).toBe(false);
  });
});

describe("OIDs and type modifiers for the wire protocol", () => {
  it.each([
    ["bool", 16],
    ["bytea", 17],
    ["int8", 20],
    ["int2", 21],
    ["int4", 23],
    ["text", 25],
    ["json", 114],
    ["float4", 700],
    ["float8", 701],
    ["unknown", 705],
    ["varchar", 1043],
    ["date", 1082],
    ["timestamp", 1114],
    ["timestamptz", 1184],
    ["numeric", 1700],
    ["uuid", 2950],
    ["jsonb", 3802],
    ["vector", VECTOR_OID],
  ])("%s is OID %i", (name, oid) => {
    expect(typeOid(typeFromName(name))).toBe(oid);
    expect(typeFromOid(oid)?.kind).toBe(typeFromName(name).kind);
  });

  it("encodes modifiers as atttypmod", () => {
    const mods: [SqlType, number][] = [
      [typeFromName("varchar(10)"), 14],
      [typeFromName("char(5)"), 9],
      [typeFromName("numeric(10,2)"), 655366],
      [typeFromName("numeric(5,-2)"), 329730],
      [typeFromName("numeric"), -1],
      [typeFromName("timestamp(3)"), 3],
      [typeFromName("vector(3)"), 3],
      [typeFromName("int4"), -1],
    ];
    for (const [t, m] of mods) expect(typeModifier(t)).toBe(m);
  });

  it("every kind has an OID", () => {
    for (const k of TYPE_KINDS) expect(typeof typeOid(defaultOfKind(k))).toBe("number");
  });
});
