import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatInterval, Interval, parseInterval } from "../types/index.js";
import { formatTimestamp, parseTimestamp } from "../types/datetime.js";
import { addIntervalToTimestamp, age, extractInterval, makeInterval, subtractTimestamps, truncInterval } from "./interval.js";

const ts = (text: string) => parseTimestamp(text, false);
const show = (us: number) => formatTimestamp(us, false);

/** Timestamps between 1900 and 2100, whole microseconds. */
const timestampArb = fc.integer({ min: -2_208_988_800, max: 4_102_444_800 }).chain((s) => fc.integer({ min: 0, max: 999_999 }).map((us) => s * 1_000_000 + us));

describe("timestamp arithmetic with intervals", () => {
  it.each([
    ["2024-01-31", "1 mon", "2024-02-29 00:00:00"],
    ["2024-02-29", "1 year", "2025-02-28 00:00:00"],
    ["2024-03-31 10:00", "-1 mon -1 day -1 hour", "2024-02-28 09:00:00"],
    ["2024-01-01 23:00", "2 hours", "2024-01-02 01:00:00"],
    ["0001-01-01", "-1 day", "0001-12-31 00:00:00 BC"],
  ])("%s + %s = %s", (t, i, out) => {
    expect(show(addIntervalToTimestamp(ts(t), parseInterval(i)))).toBe(out);
  });

  it("leaves infinities alone and refuses results out of range", () => {
    expect(addIntervalToTimestamp(Infinity, parseInterval("1 day"))).toBe(Infinity);
    expect(() => addIntervalToTimestamp(ts("294276-12-31"), parseInterval("1 year"))).toThrow(expect.objectContaining({ sqlstate: "22008" }));
  });

  it("adds a difference back to give the minuend", () => {
    fc.assert(
      fc.property(timestampArb, timestampArb, (a, b) => {
        expect(addIntervalToTimestamp(b, subtractTimestamps(a, b))).toBe(a);
      }),
    );
  });

  it("computes age field by field, borrowing the earlier month's length", () => {
    expect(formatInterval(age(ts("2024-03-01"), ts("2023-01-31 12:00")))).toBe("1 year 1 mon 12:00:00");
    expect(formatInterval(age(ts("2023-01-31"), ts("2024-03-01 12:00")))).toBe("-1 years -1 mons -1 days -12:00:00");
    expect(formatInterval(age(ts("2001-04-10"), ts("1957-06-13")))).toBe("43 years 9 mons 27 days");
  });
});

describe("interval fields", () => {
  it("extracts fields truncated toward zero and the epoch with 365.25-day years", () => {
    expect(extractInterval("hour", parseInterval("-25 hours 3 min"), false)).toBe(-24);
    expect(String(extractInterval("epoch", parseInterval("1 year 2 days 3.5 seconds"), true))).toBe("31730403.500000");
    expect(String(extractInterval("second", parseInterval("61.25 seconds"), true))).toBe("1.250000");
    expect(() => extractInterval("week", parseInterval("1 day"), true)).toThrow(expect.objectContaining({ sqlstate: "0A000" }));
    expect(() => extractInterval("fortnight", parseInterval("1 day"), true)).toThrow(expect.objectContaining({ sqlstate: "22023" }));
  });

  it("truncates to a unit and builds intervals from parts", () => {
    expect(formatInterval(truncInterval("quarter", parseInterval("1 year 5 mons 3 days")))).toBe("1 year 3 mons");
    expect(formatInterval(truncInterval("milliseconds", parseInterval("1.2345678 sec")))).toBe("00:00:01.234");
    expect(formatInterval(makeInterval([1, 2, 3, 4, 5, 6, 7.5]))).toBe("1 year 2 mons 25 days 05:06:07.5");
    expect(makeInterval([])).toEqual(new Interval(0, 0, 0));
  });
});
