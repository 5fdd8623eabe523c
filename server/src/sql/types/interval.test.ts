import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareIntervals,
  formatInterval,
  Interval,
  intervalFromKeyBytes,
  intervalHashKey,
  intervalKeyBytes,
  justifyHours,
  justifyInterval,
  parseInterval,
  scaleInterval,
} from "./interval.js";
import { formatType, typeFromName, typeModifier } from "./sql-type.js";

const show = (text: string) => formatInterval(parseInterval(text));

const intervalArb = fc
  .tuple(fc.integer({ min: -2147483648, max: 2147483647 }), fc.integer({ min: -2147483648, max: 2147483647 }), fc.maxSafeInteger())
  .map(([m, d, us]) => new Interval(m, d, us === 0 ? 0 : us));
/** Small parts, so that equal spans with different parts turn up often. */
const nearArb = fc.tuple(fc.integer({ min: -3, max: 3 }), fc.integer({ min: -90, max: 90 }), fc.integer({ min: -3, max: 3 })).map(([m, d, h]) => new Interval(m, d, h * 86_400_000_000));

describe("interval text input and output", () => {
  it.each([
    ["1 day 02:00:00", "1 day 02:00:00"],
    ["3 hours", "03:00:00"],
    ["-1 year 2 mons", "-10 mons"],
    ["P1Y2M", "1 year 2 mons"],
    ["PT1H30M", "01:30:00"],
    ["P0001-02-03T04:05:06", "1 year 2 mons 3 days 04:05:06"],
    ["@ 1 day ago", "-1 days"],
    ["1.5 months", "1 mon 15 days"],
    ["1 day -00:00:01", "1 day -00:00:01"],
    ["-1 day +02:00", "-1 days +02:00:00"],
    ["1-2", "1 year 2 mons"],
    ["10:30.5", "00:10:30.5"],
    ["1 year 2 mons 3 days 04:05:06.5", "1 year 2 mons 3 days 04:05:06.5"],
    ["0", "00:00:00"],
  ])("%s prints as %s", (input, output) => {
    expect(show(input)).toBe(output);
  });

  it.each([
    ["xyz", "22007"],
    ["1 day 1 day", "22007"],
    ["", "22007"],
    ["10:70", "22015"],
    ["3000000000 days", "22015"],
  ])("rejects %s with %s", (input, code) => {
    expect(() => parseInterval(input)).toThrow(expect.objectContaining({ sqlstate: code }));
  });

  it("prints every value so that it parses back to the same parts", () => {
    fc.assert(
      fc.property(intervalArb, (v) => {
        const back = parseInterval(formatInterval(v));
        expect([back.months, back.days, back.micros]).toEqual([v.months, v.days, v.micros]);
      }),
    );
  });
});

describe("interval comparison and keys", () => {
  it("compares by span with 30-day months", () => {
    expect(compareIntervals(parseInterval("1 mon"), parseInterval("30 days"))).toBe(0);
    expect(compareIntervals(parseInterval("1 day"), parseInterval("23 hours"))).toBe(1);
    expect(compareIntervals(parseInterval("-2147483648 mons"), parseInterval("2147483647 days"))).toBe(-1);
  });

  it("orders keys as compareIntervals and gives equal intervals one key and one hash key", () => {
    fc.assert(
      fc.property(fc.oneof(intervalArb, nearArb), fc.oneof(intervalArb, nearArb), (a, b) => {
        const c = compareIntervals(a, b);
        expect(Math.sign(Buffer.compare(intervalKeyBytes(a), intervalKeyBytes(b)))).toBe(c);
        expect(intervalHashKey(a) === intervalHashKey(b)).toBe(c === 0);
        expect(compareIntervals(intervalFromKeyBytes(intervalKeyBytes(a)), a)).toBe(0);
      }),
    );
  });
});

describe("interval arithmetic", () => {
  it("cascades fractions of months and days down when scaling", () => {
    expect(formatInterval(scaleInterval(parseInterval("1 mon"), 0.7, false))).toBe("21 days");
    expect(formatInterval(scaleInterval(parseInterval("1 day"), 7, true))).toBe("03:25:42.857143");
    expect(formatInterval(scaleInterval(parseInterval("-1 mon"), 1.5, false))).toBe("-1 mons -15 days");
    expect(() => scaleInterval(parseInterval("1 day"), 0, true)).toThrow(expect.objectContaining({ sqlstate: "22012" }));
  });

  it("justifies with one sign", () => {
    expect(formatInterval(justifyHours(parseInterval("-50 hours")))).toBe("-2 days -02:00:00");
    expect(formatInterval(justifyInterval(parseInterval("1 mon -1 hour")))).toBe("29 days 23:00:00");
    expect(formatInterval(justifyInterval(parseInterval("-1 mon 35 days 1 hour")))).toBe("5 days 01:00:00");
  });
});

describe("interval field ranges and precision", () => {
  it.each([
    ["1", "day", undefined, "1 day"],
    ["1", "year", undefined, "1 year"],
    ["14", "year to month", undefined, "1 year 2 mons"],
    ["3:04", "minute to second", undefined, "00:03:04"],
    ["1 day 02:03:04.5678", "hour to minute", undefined, "1 day 02:03:00"],
    ["2 years 3 mons 4 days", "year", undefined, "2 years"],
    ["1.23456", undefined, 2, "00:00:01.23"],
    ["-1.235", "second", 2, "-00:00:01.24"],
  ] as const)("%s as interval %s (%s) is %s", (text, range, precision, out) => {
    expect(formatInterval(parseInterval(text, range, precision))).toBe(out);
  });

  it("names and encodes the types as PostgreSQL's format_type and atttypmod do", () => {
    for (const [name, typmod] of [
      ["interval day to second(3)", 470286339],
      ["interval year", 327679],
      ["interval(1)", 2147418113],
      ["interval", -1],
    ] as const) {
      const t = typeFromName(name);
      expect(formatType(t)).toBe(name);
      expect(typeModifier(t)).toBe(typmod);
    }
    expect(() => typeFromName("interval month to year")).toThrow(expect.objectContaining({ sqlstate: "42601" }));
  });
});
