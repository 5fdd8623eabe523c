import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { SqlTypeError } from "./errors.js";
import { MAX_JSON_DEPTH } from "./json.js";
import { shortest, shortestExact } from "./number-text.js";
import { typeFromName } from "./sql-type.js";
import { golden, type GoldenIo } from "./testing/golden.js";
import { formatText, parseText } from "./text-io.js";

type Outcome = { out: string } | { err: string; msg: string; detail?: string };

function run(c: GoldenIo): Outcome {
  try {
    const t = typeFromName(c.type);
    return { out: formatText(parseText(c.in, t), t) };
  } catch (e) {
    const detail = e instanceof SqlTypeError ? e.detail : undefined;
    return { err: sqlstateOf(e) ?? "?", msg: (e as Error).message, ...(detail === undefined ? {} : { detail }) };
  }
}

function expected(c: GoldenIo): Outcome {
  const deviation = DEVIATIONS[`${c.type} ${c.in}`];
  if (deviation !== undefined) return deviation;
  if (c.err !== undefined) return { err: c.err, msg: c.msg!, ...(c.detail === undefined ? {} : { detail: c.detail }) };
  return { out: c.out! };
}

/**
 * Where Alopex deliberately differs from PostgreSQL: timestamps are doubles of microseconds (see
 * value.ts), and a timestamp the double cannot hold exactly is rejected instead of moved.
 */
const DEVIATIONS: Record<string, Outcome> = {
  "timestamp 294276-12-31 23:59:59": { err: "22008", msg: 'timestamp out of range: "294276-12-31 23:59:59"' },
  "timestamp 9999-12-31 23:59:59.999": { err: "22008", msg: 'timestamp out of range: "9999-12-31 23:59:59.999"' },
  "timestamp 1684-06-24 00:00:00.000001": { err: "22008", msg: 'timestamp out of range: "1684-06-24 00:00:00.000001"' },
};

const byType = new Map<string, GoldenIo[]>();
for (const c of golden("io")) byType.set(c.type, [...(byType.get(c.type) ?? []), c]);

describe("text input and output match PostgreSQL 15", () => {
  for (const [type, cases] of byType) {
    it(`${type} (${cases.length} cases)`, () => {
      const mismatches = cases.map((c) => ({ in: c.in, got: run(c), want: expected(c) })).filter((m) => JSON.stringify(m.got) !== JSON.stringify(m.want));
      expect(mismatches).toEqual([]);
    });
  }
});

describe("float output fast paths agree with the exact search", () => {
  it("for random float4 and float8 values", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), (f, d) => {
        if (f !== 0) expect(shortest(Math.abs(f), true)).toEqual(shortestExact(Math.abs(f), true));
        if (d !== 0) expect(shortest(Math.abs(d), false)).toEqual(shortestExact(Math.abs(d), false));
      }),
      { numRuns: 3000 },
    );
  });

  it("for powers of two, integers and short decimals", () => {
    const xs = [2 ** -149, 2 ** -126, 2 ** 24, 2 ** 53, 2 ** 60, 5e-324, 2 ** 1023, 0.5, 0.25, 16777217, 2 ** 53 + 2, 541816e16, 60989.5625, 655999232];
    for (const x of xs) {
      expect(shortest(x, false)).toEqual(shortestExact(x, false));
      const f = Math.fround(x);
      if (f !== 0 && Number.isFinite(f)) expect(shortest(f, true)).toEqual(shortestExact(f, true));
    }
  });
});

type Case = [type: string, input: string, expected: string | { err: string; msg?: string }];

/** Cases PostgreSQL cannot produce here: pgvector is not installed, and NUL cannot reach it in a literal. */
const TABLE: Case[] = [
  // pgvector's vector_in / vector_out
  ["vector", "[1,2,3]", "[1,2,3]"],
  ["vector", "  [ 1 , 2.5 ,-3e2 ]  ", "[1,2.5,-300]"],
  ["vector", "[0.1,1e6,1e-7,-0]", "[0.1,1e+06,1e-07,-0]"],
  ["vector", "[1e-50]", "[0]"],
  ["vector(3)", "[1,2,3]", "[1,2,3]"],
  ["vector(3)", "[1,2]", { err: "22000", msg: "expected 3 dimensions, not 2" }],
  ["vector", "[]", { err: "22000", msg: "vector must have at least 1 dimension" }],
  ["vector", "1,2", { err: "22P02", msg: 'invalid input syntax for type vector: "1,2"' }],
  ["vector", "[1,2", { err: "22P02", msg: 'invalid input syntax for type vector: "[1,2"' }],
  ["vector", "[1,,2]", { err: "22P02" }],
  ["vector", "[1,2] x", { err: "22P02" }],
  ["vector", "[a]", { err: "22P02" }],
  ["vector", "[NaN]", { err: "22000", msg: "NaN not allowed in vector" }],
  ["vector", "[inf]", { err: "22000", msg: "infinite value not allowed in vector" }],
  ["vector", "[1e39]", { err: "22003", msg: '"1e39" is out of range for type vector' }],
  ["vector", `[${Array(16001).fill(0).join(",")}]`, { err: "54000", msg: "vector cannot have more than 16000 dimensions" }],
  // text cannot hold NUL or unpaired surrogates (PostgreSQL's UTF-8 rules)
  ["text", "a\u0000b", { err: "22021" }],
  ["text", "a\ud800b", { err: "22021" }],
  ["text", "😀", "😀"],
  ["jsonb", '"\\u0000"', { err: "22P05", msg: "unsupported Unicode escape sequence" }],
  ["json", '"\\u0000"', '"\\u0000"'],
  // jsonb normalisation: key order, duplicates, spacing, numbers as numeric
  ["jsonb", '{"bb":1,"a":2,"a":3,"ccc":{"z":[1,1.50,1e2,-0]}}', '{"a": 3, "bb": 1, "ccc": {"z": [1, 1.50, 100, 0]}}'],
  ["jsonb", '{"é":1,"z":2,"ab":3}', '{"z": 2, "ab": 3, "é": 1}'],
  ["jsonb", '"tab\\there\\u001f\\u007f"', '"tab\\there\\u001f\u007f"'],
  // special date and timestamp words
  ["date", "epoch", "1970-01-01"],
  ["timestamptz", "-infinity", "-infinity"],
  ["timestamp(2)", "infinity", "infinity"],
];

describe("text input and output, hand-written cases", () => {
  it.each(TABLE)("%s %j", (type, input, expected) => {
    const t = typeFromName(type);
    if (typeof expected === "string") {
      expect(formatText(parseText(input, t), t)).toBe(expected);
    } else {
      let error: unknown;
      try {
        parseText(input, t);
      } catch (e) {
        error = e;
      }
      expect(sqlstateOf(error)).toBe(expected.err);
      if (expected.msg !== undefined) expect((error as Error).message).toBe(expected.msg);
    }
  });

  it("takes 'now' and 'today' from the given transaction time", () => {
    const now = Date.UTC(2024, 0, 2, 3, 4, 5, 678) * 1000 + 9;
    expect(formatText(parseText("now", typeFromName("timestamptz"), { now }), typeFromName("timestamptz"))).toBe("2024-01-02 03:04:05.678009+00");
    expect(formatText(parseText("today", typeFromName("timestamp"), { now }), typeFromName("timestamp"))).toBe("2024-01-02 00:00:00");
    expect(formatText(parseText("tomorrow", typeFromName("date"), { now }), typeFromName("date"))).toBe("2024-01-03");
    expect(formatText(parseText(" Yesterday ", typeFromName("date"), { now }), typeFromName("date"))).toBe("2024-01-01");
  });

  it("keeps numeric display scale through typmods and jsonb", () => {
    expect(formatText(parseText("1.5", typeFromName("numeric(10,3)")), typeFromName("numeric"))).toBe("1.500");
    expect(formatText(parseText("[1.50]", typeFromName("jsonb")), typeFromName("jsonb"))).toBe("[1.50]");
  });
});

describe("json nesting", () => {
  it("accepts nesting up to the limit and rejects deeper documents with 54001", () => {
    const nested = (n: number) => "[".repeat(n) + "]".repeat(n);
    for (const type of ["json", "jsonb"]) {
      const t = typeFromName(type);
      expect(formatText(parseText(nested(MAX_JSON_DEPTH), t), t)).toBe(nested(MAX_JSON_DEPTH));
      expect(() => parseText(nested(MAX_JSON_DEPTH + 1), t)).toThrow(expect.objectContaining({ sqlstate: "54001" }));
      expect(() => parseText(nested(100_000), t)).toThrow(expect.objectContaining({ sqlstate: "54001" }));
    }
  });
});
