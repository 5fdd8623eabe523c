import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sqlstateOf } from "../../common/sqlstate-error.js";
import { SqlTypeError } from "./errors.js";
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
