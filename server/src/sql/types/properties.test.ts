import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { compareKeyValues, decodeTuple, encodeTuple } from "../../kv/key-encoding.js";
import { decodeBinary, encodeBinary } from "./binary-io.js";
import { castValue } from "./cast.js";
import { compareValues, hashKey } from "./compare.js";
import { fromKeyValue, toKeyValue } from "./row-codec.js";
import { type SqlType, typeFromName } from "./sql-type.js";
import { KEY_KINDS, scalarArb, typeArb, typedScalarArb } from "./testing/arbitraries.js";
import { formatText, parseText } from "./text-io.js";
import type { SqlScalar } from "./value.js";

const RUNS = { numRuns: 600 };

/** Values compare equal under the type's order (json, which has none, by text). */
function same(a: SqlScalar, b: SqlScalar, t: SqlType): boolean {
  return t.kind === "json" ? a === b : compareValues(a, b, t) === 0;
}

describe("round trips", () => {
  it("text output parses back to the same value and prints the same", () => {
    fc.assert(
      fc.property(typedScalarArb(), ({ t, v }) => {
        const text = formatText(v, t);
        const back = parseText(text, t);
        expect(same(back, v, t)).toBe(true);
        expect(formatText(back, t)).toBe(text);
      }),
      RUNS,
    );
  });

  it("binary send and receive are inverse", () => {
    fc.assert(
      fc.property(typedScalarArb(), ({ t, v }) => {
        const back = decodeBinary(encodeBinary(v, t), t);
        expect(same(back, v, t)).toBe(true);
        expect(formatText(back, t)).toBe(formatText(v, t));
      }),
      RUNS,
    );
  });
});

describe("key components", () => {
  const pairArb = typeArb(KEY_KINDS).chain((t) => fc.tuple(fc.constant(t), scalarArb(t), scalarArb(t)));

  it("encoded key order equals compareValues order", () => {
    fc.assert(
      fc.property(pairArb, ([t, a, b]) => {
        const ka = encodeTuple([toKeyValue(a, t)]);
        const kb = encodeTuple([toKeyValue(b, t)]);
        expect(Math.sign(Buffer.compare(ka, kb))).toBe(compareValues(a, b, t));
        expect(Math.sign(compareKeyValues(toKeyValue(a, t), toKeyValue(b, t)))).toBe(compareValues(a, b, t));
      }),
      { numRuns: 2000 },
    );
  });

  it("keys decode to equal values", () => {
    fc.assert(
      fc.property(typedScalarArb(KEY_KINDS), ({ t, v }) => {
        const [k] = decodeTuple(encodeTuple([toKeyValue(v, t)]));
        const back = fromKeyValue(k!, t);
        expect(back).not.toBeNull();
        expect(compareValues(back!, v, t)).toBe(0);
        expect(hashKey([back], [t])).toEqual(hashKey([v], [t]));
      }),
      RUNS,
    );
  });

  it("equal hash keys exactly when values compare equal", () => {
    const arb = typeArb(KEY_KINDS.concat(["jsonb", "vector"])).chain((t) => fc.tuple(fc.constant(t), scalarArb(t), scalarArb(t)));
    fc.assert(
      fc.property(arb, ([t, a, b]) => {
        const sameKey = new Map([[hashKey([a], [t]), 1]]).has(hashKey([b], [t]));
        expect(sameKey).toBe(compareValues(a, b, t) === 0);
        expect(hashKey([a, b], [t, t]) === hashKey([b, a], [t, t])).toBe(compareValues(a, b, t) === 0);
      }),
      { numRuns: 2000 },
    );
  });

  it("rejects types without a key form", () => {
    expect(() => toKeyValue("{}", typeFromName("json"))).toThrow(expect.objectContaining({ sqlstate: "42704" }));
    expect(() => toKeyValue(Float32Array.of(1), typeFromName("vector"))).toThrow(expect.objectContaining({ sqlstate: "0A000" }));
  });
});

describe("casts to a wider type and back are the identity", () => {
  const pairs: [string, string][] = [
    ["int2", "int4"],
    ["int2", "int8"],
    ["int4", "int8"],
    ["int2", "numeric"],
    ["int4", "numeric"],
    ["int8", "numeric"],
    ["int2", "float4"],
    ["int2", "float8"],
    ["int4", "float8"],
    ["float4", "float8"],
    ["varchar", "text"],
    ["text", "varchar"],
    ["char(5)", "text"],
    ["date", "timestamp"],
    ["date", "timestamptz"],
    ["timestamp", "timestamptz"],
    ["uuid", "text"],
    ["bytea", "text"],
    ["jsonb", "text"],
    ["numeric", "text"],
    ["float8", "text"],
  ];
  for (const [narrowName, wideName] of pairs) {
    it(`${narrowName} -> ${wideName} -> ${narrowName}`, () => {
      const narrow = typeFromName(narrowName);
      const wide = typeFromName(wideName);
      fc.assert(
        fc.property(scalarArb(narrow), (v) => {
          let up;
          try {
            up = castValue(v, narrow, wide, "assignment");
          } catch (e) {
            // Dates beyond 294276 AD have no timestamp, as in PostgreSQL.
            expect(sqlstateOf(e)).toBe("22008");
            return;
          }
          const down = castValue(up, wide, narrow, "explicit");
          expect(same(down!, v, narrow)).toBe(true);
        }),
        { numRuns: 300 },
      );
    });
  }
});
