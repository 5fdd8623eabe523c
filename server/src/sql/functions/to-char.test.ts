/**
 * to_char's week, era, zone and ordinal patterns, and PR, against values PostgreSQL 15 gives; the
 * ISO week is checked against its definition (the week holding the year's first Thursday is
 * week 1) over every day of several centuries.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { civilFromDays, daysFromCivil } from "../types/index.js";
import { numberToChar, timestampToChar } from "./to-char.js";

const DAY = 86_400_000_000;
const at = (y: number, m: number, d: number, hh = 0, mi = 0, ss = 0) => daysFromCivil(y, m, d) * DAY + ((hh * 60 + mi) * 60 + ss) * 1_000_000;

describe("timestampToChar", () => {
  it.each([
    [at(2024, 3, 5, 14, 7, 9), "CC|WW|IW|IYYY|IYY|IY|I", "21|10|10|2024|024|24|4"],
    [at(2021, 1, 1), "IYYY-IW WW I", "2020-53 01 0"],
    [at(2020, 12, 31), "IYYY-IW WW DDD", "2020-53 53 366"],
    [at(2024, 3, 5, 14), "DDth|DDTH|FMDDth|Dth|MMth|YYYYth|HH24th", "05th|05TH|5th|3rd|03rd|2024th|14th"],
    [at(2024, 1, 11), "FMDDth", "11th"],
    [at(2024, 1, 22), "FMDDth", "22nd"],
    [at(0, 1, 1), "YYYY|CC|BC|AD|bc|B.C.", "0001|-01|BC|BC|bc|B.C."],
    [at(2000, 6, 1), "CC AD a.d.", "20 AD a.d."],
    [at(-100, 6, 1), "CC YYYY", "-02 0101"],
    [at(2024, 3, 5), "TZ|tz|OF|TZH:TZM", "||+00|+00:00"],
  ])("%s as %s is %s", (micros, template, want) => {
    expect(timestampToChar(micros, template)).toBe(want);
  });

  it("names UTC for a timestamp with time zone", () => {
    expect(timestampToChar(at(2024, 3, 5), "TZ tz OF", true)).toBe("UTC utc +00");
  });

  it("numbers ISO weeks from the week holding the year's first Thursday", () => {
    fc.assert(
      fc.property(fc.integer({ min: daysFromCivil(1800, 1, 1), max: daysFromCivil(2400, 12, 31) }), (days) => {
        const [iy, iw] = timestampToChar(days * DAY, "IYYY IW").split(" ").map(Number) as [number, number];
        const monday = days - ((((days + 3) % 7) + 7) % 7);
        const thursday = monday + 3;
        expect(civilFromDays(thursday).year).toBe(iy);
        // Week 1's Thursday is the year's first Thursday, so this one is (week - 1) weeks after it.
        const jan1 = daysFromCivil(iy, 1, 1);
        const firstThursday = jan1 + ((((3 - ((jan1 + 3) % 7)) % 7) + 7) % 7);
        expect((thursday - firstThursday) / 7 + 1).toBe(iw);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("numberToChar", () => {
  it("puts a negative value in angle brackets for PR", () => {
    expect(numberToChar("5", "999PR")).toBe("   5 ");
    expect(numberToChar("-5", "999PR")).toBe("  <5>");
    expect(numberToChar("-5", "FM999PR")).toBe("<5>");
    expect(numberToChar("-5.5", "9.9PR")).toBe("<5.5>");
    expect(numberToChar("5", "FM999PR")).toBe("5");
  });
});
