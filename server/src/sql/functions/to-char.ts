/**
 * to_char: PostgreSQL's formatting of dates, timestamps and numbers by template (formatting.c),
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
import { err } from "./common.js";
import { civilFromDays, daysFromCivil, Dec } from "../types/index.js";

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
    const fill = !fm;
    const before = out.length;
    const name = (full: string, width: number) => {
      const s = casedName(full, p);
      return fill ? s.padEnd(width) : s;
    };
    switch (p) {
      case "HH":
      case "HH12":
        out += pad(hour12, 2, fill);
        break;
      case "HH24":
        out += pad(hour, 2, fill);
        break;
      case "MI":
        out += pad(minute, 2, fill);
        break;
      case "SS":
        out += pad(second, 2, fill);
        break;
      case "MS":
        out += pad(Math.floor(micro / 1000), 3, fill);
        break;
      case "US":
        out += pad(micro, 6, fill);
        break;
      case "SSSS":
        out += String(Math.floor(inDay / 1_000_000));
        break;
      case "AM":
      case "PM":
        out += hour < 12 ? "AM" : "PM";
        break;
      case "am":
      case "pm":
        out += hour < 12 ? "am" : "pm";
        break;
      case "A.M.":
      case "P.M.":
        out += hour < 12 ? "A.M." : "P.M.";
        break;
      case "a.m.":
      case "p.m.":
        out += hour < 12 ? "a.m." : "p.m.";
        break;
      case "Y,YYY":
        out += `${Math.floor(yearShown / 1000)},${pad(yearShown % 1000, 3, true)}`;
        break;
      case "YYYY":
        out += pad(yearShown, 4, fill);
        break;
      case "YYY":
        out += pad(yearShown % 1000, 3, fill);
        break;
      case "YY":
        out += pad(yearShown % 100, 2, fill);
        break;
      case "Y":
        out += String(yearShown % 10);
        break;
      case "MONTH":
      case "Month":
      case "month":
        out += name(MONTH_NAMES[month - 1]!, 9);
        break;
      case "MON":
      case "Mon":
      case "mon":
        out += casedName(MONTH_NAMES[month - 1]!.slice(0, 3), p);
        break;
      case "MM":
        out += pad(month, 2, fill);
        break;
      case "DAY":
      case "Day":
      case "day":
        out += name(DAY_NAMES[dow]!, 9);
        break;
      case "DY":
      case "Dy":
      case "dy":
        out += casedName(DAY_NAMES[dow]!.slice(0, 3), p);
        break;
      case "DDD":
        out += pad(doy, 3, fill);
        break;
      case "DD":
        out += pad(day, 2, fill);
        break;
      case "D":
        out += String(dow + 1);
        break;
      case "Q":
        out += String(Math.floor((month - 1) / 3) + 1);
        break;
      case "J":
        out += String(days + 2440588);
        break;
      case "IYYY":
        out += pad(isoShown, 4, fill);
        break;
      case "IYY":
        out += pad(isoShown % 1000, 3, fill);
        break;
      case "IY":
        out += pad(isoShown % 100, 2, fill);
        break;
      case "I":
        out += String(isoShown % 10);
        break;
      case "IW":
        out += pad(iso.week, 2, fill);
        break;
      case "WW":
        out += pad(Math.floor((doy - 1) / 7) + 1, 2, fill);
        break;
      case "CC":
        out += century < 0 ? `-${pad(-century, 2, fill)}` : pad(century, 2, fill);
        break;
      case "BC":
      case "AD":
        out += year <= 0 ? "BC" : "AD";
        break;
      case "bc":
      case "ad":
        out += year <= 0 ? "bc" : "ad";
        break;
      case "B.C.":
      case "A.D.":
        out += year <= 0 ? "B.C." : "A.D.";
        break;
      case "b.c.":
      case "a.d.":
        out += year <= 0 ? "b.c." : "a.d.";
        break;
      // Alopex sessions run in UTC; a timestamp without time zone has no zone to name.
      case "TZ":
        out += withZone ? "UTC" : "";
        break;
      case "tz":
        out += withZone ? "utc" : "";
        break;
      case "OF":
      case "TZH":
        out += "+00";
        break;
      case "TZM":
        out += "00";
        break;
    }
    i = at + p.length;
    const suffix = template.slice(i, i + 2);
    if ((suffix === "TH" || suffix === "th") && NUMERIC_PATTERNS.has(p)) {
      out += ordinalSuffix(out.slice(before), suffix === "TH");
      i += 2;
    }
  }
  return out;
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
