/**
 * to_char: PostgreSQL's formatting of dates, timestamps, intervals and numbers by template (formatting.c),
 * for the template patterns in common use.
 *
 * Date/time: HH HH12 HH24 MI SS MS US SSSS, AM PM A.M. P.M. (and lower case), Y,YYY YYYY YYY YY
 * Y, IYYY IYY IY I, MONTH Month month MON Mon mon MM, DAY Day day DY Dy dy, DDD DD D, WW IW, Q,
 * J, CC, BC AD (and B.C. A.D., lower case), TZ tz OF TZH TZM; the FM prefix drops padding, a TH
 * or th suffix makes a number ordinal; text in double quotes is copied as it is (\" gives a quote), as is anything that is
 * no pattern.
 *
 * Numbers: 9 and 0 digits, . or D, , or G, S (leading or trailing), MI (trailing), PR (angle
 * brackets around a negative value), and FM. The
 * sign takes a position in front of the first digit (a space when positive) unless S or MI
 * places it; a value with more integer digits than the template has becomes #s.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import { err } from "./common.js";
import { civilFromDays, daysFromCivil, Dec, type Interval, intervalFields } from "../types/index.js";

const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Longest first, so that HH24 wins over HH and MONTH over MON. */
const DATE_PATTERNS = [
  "Y,YYY", "MONTH", "Month", "month", "A.M.", "P.M.", "a.m.", "p.m.", "B.C.", "A.D.", "b.c.", "a.d.", "HH24", "HH12", "YYYY", "IYYY", "SSSS",
  "DAY", "Day", "day", "MON", "Mon", "mon", "DDD", "YYY", "IYY", "TZH", "TZM", "HH", "MI", "SS", "MS", "US", "AM", "PM", "am", "pm",
  "BC", "AD", "bc", "ad", "YY", "IY", "MM", "DD", "DY", "Dy", "dy", "WW", "IW", "CC", "TZ", "tz", "OF", "Y", "I", "D", "Q", "J",
];

/** Patterns printing a number, which a TH or th suffix turns into an ordinal (5th, 21st). */
const NUMERIC_PATTERNS = new Set(["HH24", "HH12", "YYYY", "IYYY", "SSSS", "DDD", "YYY", "IYY", "HH", "MI", "SS", "MS", "US", "YY", "IY", "MM", "DD", "WW", "IW", "CC", "Y", "I", "D", "Q", "J"]);

/** The English ordinal suffix of a number as formatting.c's get_th writes it. */
function ordinalSuffix(digits: string, upper: boolean): string {
  const n = Number(digits.replace(/[^0-9]/g, "")) % 100;
  const last = n % 10;
  const s = n >= 11 && n <= 13 ? "th" : last === 1 ? "st" : last === 2 ? "nd" : last === 3 ? "rd" : "th";
  return upper ? s.toUpperCase() : s;
}

/** The ISO 8601 week-numbering year and week of a day (days since 1970-01-01). */
function isoWeek(days: number): { isoYear: number; week: number } {
  const mondayBased = (((days + 3) % 7) + 7) % 7;
  const thursday = days - mondayBased + 3;
  const isoYear = civilFromDays(thursday).year;
  return { isoYear, week: Math.floor((thursday - daysFromCivil(isoYear, 1, 1)) / 7) + 1 };
}

const pad = (n: number, width: number, fill: boolean) => (fill ? String(n).padStart(width, "0") : String(n));

function casedName(name: string, pattern: string): string {
  if (pattern === pattern.toUpperCase()) return name.toUpperCase();
  if (pattern === pattern.toLowerCase()) return name.toLowerCase();
  return name;
}

/**
 * Walks a template: text in double quotes (and \" outside them) is copied, FM turns padding off
 * for the pattern after it, each pattern becomes what `render` makes of it, a TH or th suffix on
 * a numeric pattern adds the ordinal, and anything else is copied as it is.
 */
function applyTemplate(template: string, render: (pattern: string, fill: boolean) => string): string {
  let out = "";
  for (let i = 0; i < template.length; ) {
    if (template[i] === '"') {
      const close = template.indexOf('"', i + 1);
      const end = close < 0 ? template.length : close;
      out += template.slice(i + 1, end).replace(/\\(.)/g, "$1");
      i = end + 1;
      continue;
    }
    // A backslash protects only a double quote (\" is a quote in the output); elsewhere it is text.
    if (template[i] === "\\" && template[i + 1] === '"') {
      out += '"';
      i += 2;
      continue;
    }
    const fm = template.startsWith("FM", i);
    const at = fm ? i + 2 : i;
    const p = DATE_PATTERNS.find((x) => template.startsWith(x, at));
    if (!p) {
      out += template[i];
      i++;
      continue;
    }
    const rendered = render(p, !fm);
    out += rendered;
    i = at + p.length;
    const suffix = template.slice(i, i + 2);
    if ((suffix === "TH" || suffix === "th") && NUMERIC_PATTERNS.has(p)) {
      out += ordinalSuffix(rendered, suffix === "TH");
      i += 2;
    }
  }
  return out;
}

/**
 * A date or timestamp by template. `micros` is the local time in microseconds since
 * 1970-01-01 00:00 (a timestamptz already shifted into the session time zone).
 */
export function timestampToChar(micros: number, template: string, withZone = false): string {
  const dayMicros = 86_400_000_000;
  const days = Math.floor(micros / dayMicros);
  const inDay = micros - days * dayMicros;
  const { year, month, day } = civilFromDays(days);
  const hour = Math.floor(inDay / 3_600_000_000);
  const minute = Math.floor(inDay / 60_000_000) % 60;
  const second = Math.floor(inDay / 1_000_000) % 60;
  const micro = inDay % 1_000_000;
  const dow = (((days + 4) % 7) + 7) % 7;
  const doy = days - daysFromCivil(year, 1, 1) + 1;
  const hour12 = hour % 12 === 0 ? 12 : hour % 12;
  const yearShown = year <= 0 ? 1 - year : year;
  const iso = isoWeek(days);
  const isoShown = iso.isoYear <= 0 ? 1 - iso.isoYear : iso.isoYear;
  const century = year > 0 ? Math.floor((year + 99) / 100) : -Math.floor((yearShown + 99) / 100);
  const render = (p: string, fill: boolean): string => {
    const name = (full: string, width: number) => {
      const s = casedName(full, p);
      return fill ? s.padEnd(width) : s;
    };
    switch (p) {
      case "HH":
      case "HH12":
        return pad(hour12, 2, fill);
      case "HH24":
        return pad(hour, 2, fill);
      case "MI":
        return pad(minute, 2, fill);
      case "SS":
        return pad(second, 2, fill);
      case "MS":
        return pad(Math.floor(micro / 1000), 3, fill);
      case "US":
        return pad(micro, 6, fill);
      case "SSSS":
        return String(Math.floor(inDay / 1_000_000));
      case "AM":
      case "PM":
        return hour < 12 ? "AM" : "PM";
      case "am":
      case "pm":
        return hour < 12 ? "am" : "pm";
      case "A.M.":
      case "P.M.":
        return hour < 12 ? "A.M." : "P.M.";
      case "a.m.":
      case "p.m.":
        return hour < 12 ? "a.m." : "p.m.";
      case "Y,YYY":
        return `${Math.floor(yearShown / 1000)},${pad(yearShown % 1000, 3, true)}`;
      case "YYYY":
        return pad(yearShown, 4, fill);
      case "YYY":
        return pad(yearShown % 1000, 3, fill);
      case "YY":
        return pad(yearShown % 100, 2, fill);
      case "Y":
        return String(yearShown % 10);
      case "MONTH":
      case "Month":
      case "month":
        return name(MONTH_NAMES[month - 1]!, 9);
      case "MON":
      case "Mon":
      case "mon":
        return casedName(MONTH_NAMES[month - 1]!.slice(0, 3), p);
      case "MM":
        return pad(month, 2, fill);
      case "DAY":
      case "Day":
      case "day":
        return name(DAY_NAMES[dow]!, 9);
      case "DY":
      case "Dy":
      case "dy":
        return casedName(DAY_NAMES[dow]!.slice(0, 3), p);
      case "DDD":
        return pad(doy, 3, fill);
      case "DD":
        return pad(day, 2, fill);
      case "D":
        return String(dow + 1);
      case "Q":
        return String(Math.floor((month - 1) / 3) + 1);
      case "J":
        return String(days + 2440588);
      case "IYYY":
        return pad(isoShown, 4, fill);
      case "IYY":
        return pad(isoShown % 1000, 3, fill);
      case "IY":
        return pad(isoShown % 100, 2, fill);
      case "I":
        return String(isoShown % 10);
      case "IW":
        return pad(iso.week, 2, fill);
      case "WW":
        return pad(Math.floor((doy - 1) / 7) + 1, 2, fill);
      case "CC":
        return century < 0 ? `-${pad(-century, 2, fill)}` : pad(century, 2, fill);
      case "BC":
      case "AD":
        return year <= 0 ? "BC" : "AD";
      case "bc":
      case "ad":
        return year <= 0 ? "bc" : "ad";
      case "B.C.":
      case "A.D.":
        return year <= 0 ? "B.C." : "A.D.";
      case "b.c.":
      case "a.d.":
        return year <= 0 ? "b.c." : "a.d.";
      // Alopex sessions run in UTC; a timestamp without time zone has no zone to name.
      case "TZ":
        return withZone ? "UTC" : "";
      case "tz":
        return withZone ? "utc" : "";
      case "OF":
      case "TZH":
        return "+00";
      case "TZM":
        return "00";
    }
    return "";
  };
  return applyTemplate(template, render);
}

interface NumberTemplate {
  readonly fm: boolean;
  /** The integer part's pattern characters, left to right: "9", "0" or ",". */
  readonly int: string[];
  /** Digits after the point: "9" or "0". */
  readonly frac: string[];
  readonly point: boolean;
  readonly sign: "default" | "S-lead" | "S-trail" | "MI" | "PR";
}

function parseNumberTemplate(template: string): NumberTemplate {
  let fm = false;
  let point = false;
  const int: string[] = [];
  const frac: string[] = [];
  let sign: NumberTemplate["sign"] = "default";
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    const up = template.slice(i, i + 2).toUpperCase();
    if (up === "FM") {
      fm = true;
      i++;
    } else if (up === "MI") {
      sign = "MI";
      i++;
    } else if (up === "PR") {
      sign = "PR";
      i++;
    } else if (c === "9" || c === "0") {
      (point ? frac : int).push(c);
    } else if (c === "." || c === "D" || c === "d") {
      if (point) throw err('multiple decimal points', "42601");
      point = true;
    } else if (c === "," || c === "G" || c === "g") {
      if (!point) int.push(",");
    } else if (c === "S" || c === "s") {
      sign = int.length === 0 && !point ? "S-lead" : "S-trail";
    } else if (c !== " ") {
      throw err(`"${c}" is not a number format pattern supported here`, "0A000");
    }
  }
  return { fm, int, frac, point, sign };
}

/** A number by template; `value` is its exact decimal text (numeric's output, or an integer). */
export function numberToChar(value: string, template: string): string {
  const t = parseNumberTemplate(template);
  const d = new Dec(value);
  if (d.isNaN()) return " NaN";
  const digitsIn = (xs: string[]) => xs.filter((x) => x !== ",").length;
  const rounded = d.abs().toFixed(t.frac.length, Dec.ROUND_HALF_UP);
  const [ipRaw, fp = ""] = rounded.split(".");
  const negative = d.isNegative() && !new Dec(rounded).isZero();
  const intPositions = digitsIn(t.int);
  // A zero integer part shows only where the template asks for it (a 0, or no fraction at all).
  const ip = ipRaw === "0" && t.point && t.frac.length > 0 ? "" : ipRaw!;
  if (ip.length > intPositions) {
    const hashes = t.int.map((c) => (c === "," ? "," : "#")).join("") + (t.point ? "." + "#".repeat(t.frac.length) : "");
    return (t.fm ? "" : " ") + hashes;
  }
  const firstZero = t.int.filter((c) => c !== ",").indexOf("0");
  let intOut = "";
  let position = 0;
  let started = false;
  for (const c of t.int) {
    if (c === ",") {
      intOut += started ? "," : " ";
      continue;
    }
    const k = position - (intPositions - ip.length);
    if (k >= 0) {
      intOut += ip[k];
      started = true;
    } else if (firstZero >= 0 && position >= firstZero) {
      intOut += "0";
      started = true;
    } else {
      intOut += " ";
    }
    position++;
  }
  let fracOut = fp;
  if (t.fm) {
    // FM drops trailing zeros the template marks with 9, keeping those marked 0.
    let keep = fracOut.length;
    while (keep > 0 && fracOut[keep - 1] === "0" && t.frac[keep - 1] === "9") keep--;
    fracOut = fracOut.slice(0, keep);
  }
  const body = intOut + (t.point ? "." + fracOut : "");
  const lead = body.length - body.trimStart().length;
  const blanks = t.fm ? "" : body.slice(0, lead);
  const number = body.slice(lead);
  switch (t.sign) {
    case "default":
      return blanks + (negative ? "-" : t.fm ? "" : " ") + number;
    case "S-lead":
      return blanks + (negative ? "-" : "+") + number;
    case "S-trail":
      return blanks + number + (negative ? "-" : "+");
    case "MI":
      return blanks + number + (negative ? "-" : t.fm ? "" : " ");
    case "PR":
      return blanks + (negative ? "<" : t.fm ? "" : " ") + number + (negative ? ">" : t.fm ? "" : " ");
  }
}

/** sprintf's "%0*d": zero-padded to `width` characters, a minus sign counting as one. */
function cpad(n: number, width: number): string {
  return n < 0 ? `-${String(-n).padStart(width - 1, "0")}` : String(n).padStart(width, "0");
}

/** formatting.c's width for a field that may be negative: one more character when it is. */
const signedWidth = (n: number, width: number, fill: boolean) => (fill ? (n >= 0 ? width : width + 1) : 0);

/** PostgreSQL's date2j (a Julian day from a year, month and day that may be out of range), in its integer arithmetic. */
function date2j(year: number, month: number, day: number): number {
  let y = year;
  let m = month;
  if (m > 2) {
    m += 1;
    y += 4800;
  } else {
    m += 13;
    y += 4799;
  }
  const century = Math.trunc(y / 100);
  return y * 365 - 32167 + Math.trunc(y / 4) - century + Math.trunc(century / 4) + Math.trunc((7834 * m) / 256) + day;
}

/** j2day: the day of the week (0 = Sunday) of a Julian day. */
function j2day(j: number): number {
  const d = (j + 1) % 7;
  return d < 0 ? d + 7 : d;
}

/** date2isoyear and date2isoweek: the ISO week-numbering year and week of date2j's day. */
function isoYearWeek(year: number, mon: number, mday: number): { isoYear: number; week: number } {
  const dayn = date2j(year, mon, mday);
  let y = year;
  let day4 = date2j(y, 1, 4);
  let day0 = j2day(day4 - 1);
  if (dayn < day4 - day0) {
    y--;
    day4 = date2j(y, 1, 4);
    day0 = j2day(day4 - 1);
  }
  let week = (dayn - (day4 - day0)) / 7 + 1;
  if (week >= 52) {
    const next4 = date2j(y + 1, 1, 4);
    const next0 = j2day(next4 - 1);
    if (dayn >= next4 - next0) {
      y++;
      week = (dayn - (next4 - next0)) / 7 + 1;
    }
  }
  return { isoYear: y, week: Math.trunc(week) };
}

/** Patterns that name a calendar date or a zone, which an interval does not have. */
const NOT_FOR_INTERVALS = new Set([
  "MONTH", "Month", "month", "MON", "Mon", "mon", "DAY", "Day", "day", "DY", "Dy", "dy", "D",
  "BC", "AD", "bc", "ad", "B.C.", "A.D.", "b.c.", "a.d.", "TZ", "tz", "OF", "TZH", "TZM",
]);

/**
 * to_char(interval, text) as formatting.c's interval_to_char: the interval's fields (interval2tm:
 * years, months under 12, days, hours that may pass 24, minutes, seconds, each truncated toward
 * zero and negative when the interval is) printed by the date patterns; the day of the year is
 * counted with 30-day months and date2j's arithmetic places J, IW and the ISO year. As there, MS
 * and US keep their zeros under FM, and the ISO years are widened for a sign by the interval's
 * own year, not theirs. Names of
 * months and days, eras and zones are 22007, as intervals are tied to no calendar date.
 */
export function intervalToChar(v: Interval, template: string): string {
  const f = intervalFields(v);
  const { year, month, day, hour, minute, second, micro } = f;
  const yday = (year * 12 + month) * 30 + day;
  const iso = isoYearWeek(year, month, day);
  const render = (p: string, fill: boolean): string => {
    if (NOT_FOR_INTERVALS.has(p)) {
      throw new SqlStateError("invalid format specification for an interval value", "22007", { hint: "Intervals are not tied to specific calendar dates." });
    }
    switch (p) {
      case "HH":
      case "HH12":
        return cpad(hour % 12 === 0 ? 12 : hour % 12, signedWidth(hour, 2, fill));
      case "HH24":
        return cpad(hour, signedWidth(hour, 2, fill));
      case "MI":
        return cpad(minute, signedWidth(minute, 2, fill));
      case "SS":
        return cpad(second, signedWidth(second, 2, fill));
      case "MS":
        return cpad(Math.trunc(micro / 1000), 3);
      case "US":
        return cpad(micro, 6);
      case "SSSS":
        return String(hour * 3600 + minute * 60 + second);
      case "AM":
      case "PM":
        return hour % 24 >= 12 ? "PM" : "AM";
      case "am":
      case "pm":
        return hour % 24 >= 12 ? "pm" : "am";
      case "A.M.":
      case "P.M.":
        return hour % 24 >= 12 ? "P.M." : "A.M.";
      case "a.m.":
      case "p.m.":
        return hour % 24 >= 12 ? "p.m." : "a.m.";
      case "Y,YYY": {
        const thousands = Math.trunc(year / 1000);
        return `${thousands},${cpad(year - thousands * 1000, 3)}`;
      }
      case "YYYY":
        return cpad(year, signedWidth(year, 4, fill));
      case "YYY":
        return cpad(year % 1000, signedWidth(year, 3, fill));
      case "YY":
        return cpad(year % 100, signedWidth(year, 2, fill));
      case "Y":
        return String(year % 10);
      case "IYYY":
        return cpad(iso.isoYear, signedWidth(year, 4, fill));
      case "IYY":
        return cpad(iso.isoYear % 1000, signedWidth(year, 3, fill));
      case "IY":
        return cpad(iso.isoYear % 100, signedWidth(year, 2, fill));
      case "I":
        return String(iso.isoYear % 10);
      case "MM":
        return cpad(month, signedWidth(month, 2, fill));
      case "DD":
        return cpad(day, fill ? 2 : 0);
      case "DDD":
        return cpad(yday, fill ? 3 : 0);
      case "Q":
        return month === 0 ? "" : String(Math.trunc((month - 1) / 3) + 1);
      case "CC": {
        const century = Math.trunc(year / 100);
        return century <= 99 && century >= -99 ? cpad(century, signedWidth(century, 2, fill)) : String(century);
      }
      case "WW":
        return cpad(Math.trunc((yday - 1) / 7) + 1, fill ? 2 : 0);
      case "IW":
        return cpad(iso.week, fill ? 2 : 0);
      case "J":
        return String(date2j(year, month, day));
    }
    return "";
  };
  return applyTemplate(template, render);
}
