/**
 * date, timestamp and timestamptz text input and output.
 *
 * Input accepts ISO 8601 as PostgreSQL does ('2024-01-02', '2024-01-02 03:04:05.123456',
 * '2024-01-02T03:04:05Z', '... +05:30', ' BC' suffixes, the special values infinity, -infinity,
 * epoch, now, today, tomorrow, yesterday); PostgreSQL's other styles (month names, 'MDY' slashes,
 * Julian days, time zone names other than UTC/GMT/Z) are rejected as invalid syntax. The session
 * time zone is UTC. Output is DateStyle ISO.
 *
 * Calendar: proleptic Gregorian with astronomical year numbering internally (year 0 = 1 BC), as
 * PostgreSQL's date2j/j2date compute it.
 */
import { datetimeFieldOutOfRange, datetimeOutOfRange, invalidDatetime, SqlTypeError } from "./errors.js";
import { trimCSpace } from "./number-text.js";
import { DATE_MAX, DATE_MIN, PG_EPOCH_USECS, TIMESTAMP_END, TIMESTAMP_MIN, USECS_PER_DAY } from "./value.js";

/** Days since 1970-01-01 of a proleptic Gregorian date (astronomical year). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date (astronomical year) of a day count since 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!;
}

/** Options for input that depends on the clock ('now', 'today'). */
export interface DatetimeInputOptions {
  /** The transaction timestamp, in microseconds since the Unix epoch; defaults to the clock. */
  now?: number;
}

type TargetKind = "date" | "timestamp" | "timestamptz";

const TYPE_NAMES: Record<TargetKind, string> = {
  date: "date",
  timestamp: "timestamp",
  timestamptz: "timestamp with time zone",
};

interface Parsed {
  /** Days since the Unix epoch of the date part. */
  days: number;
  /** Seconds into the day, possibly 86400 (24:00:00) or a leap second. */
  seconds: number;
  micros: number;
  /** Offset east of UTC, in seconds, when the input names one. */
  offset: number | undefined;
}

const DATE_PART = /^(\d+)-(\d{1,2})-(\d{1,2})|^(\d{4})(\d{2})(\d{2})(?!\d)/;
const TIME_PART = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(\.\d*)?)?/;
const ZONE_PART = /^(?:(z|utc|gmt|zulu)|([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)(?![a-z0-9])/i;
/** Why input failed: 22007 syntax, 22008 field out of range, 22009 time zone offset out of range. */
type Failure = "syntax" | "field" | "zone";

/** C's rint: round half to even, which PostgreSQL applies to fractional seconds. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** A month name or abbreviation as PostgreSQL's datetktbl has them (january, jan, sept, ...), 1-based. */
function monthNumber(word: string): number | undefined {
  if (word === "sept") return 9;
  const i = MONTHS.indexOf(word.slice(0, 3));
  if (i < 0) return undefined;
  const full = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"][i]!;
  return word.length === 3 || word === full ? i + 1 : undefined;
}

/**
 * The date forms besides ISO that PostgreSQL reads with DateStyle MDY: "January 8, 1999",
 * "Jan 8 1999", "8 Jan 1999", "1999-Jan-08" and "1/8/1999" (month first), rewritten as an ISO
 * date so the rest of the input goes through the ISO path.
 */
function textualDate(rest: string): string | undefined {
  const iso = (y: string, m: number, d: string) => `${y.padStart(4, "0")}-${m}-${d}`;
  let m = /^([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?![\d:])/.exec(rest);
  if (m && monthNumber(m[1]!) !== undefined) return iso(m[3]!, monthNumber(m[1]!)!, m[2]!) + rest.slice(m[0].length);
  m = /^(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]+)\.?,?[\s-]+(\d{4})(?![\d:])/.exec(rest);
  if (m && monthNumber(m[2]!) !== undefined) return iso(m[3]!, monthNumber(m[2]!)!, m[1]!) + rest.slice(m[0].length);
  m = /^(\d{4})-([a-z]+)-(\d{1,2})(?!\d)/.exec(rest);
  if (m && monthNumber(m[2]!) !== undefined) return iso(m[1]!, monthNumber(m[2]!)!, m[3]!) + rest.slice(m[0].length);
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?!\d)/.exec(rest);
  if (m) return iso(m[3]!, Number(m[1]), m[2]!) + rest.slice(m[0].length);
  return undefined;
}

/** Splits a date/time string into fields, or names the failure. */
function parseFields(text: string): Parsed | Failure {
  let rest = trimCSpace(text).toLowerCase();
  rest = textualDate(rest) ?? rest;
  const d = DATE_PART.exec(rest);
  // A lone number is taken by PostgreSQL as a day or year field missing its companions.
  if (!d) return /^\d+$/.test(rest) ? "field" : "syntax";
  const yearText = d[1] ?? d[4]!;
  let year = Number(yearText);
  const month = Number(d[2] ?? d[5]);
  const day = Number(d[3] ?? d[6]);
  rest = rest.slice(d[0].length);
  let seconds = 0;
  let micros = 0;
  let offset: number | undefined;
  let bc = false;
  let sawTime = false;
  while (rest.length > 0) {
    const sep = /^[\s]+|^t(?=\d)/.exec(rest);
    if (sep) rest = rest.slice(sep[0].length);
    if (rest.length === 0) break;
    const t = sawTime ? null : TIME_PART.exec(rest);
    if (t) {
      sawTime = true;
      const h = Number(t[1]);
      const mi = Number(t[2]);
      const s = t[3] === undefined ? 0 : Number(t[3]);
      const frac = t[4] === undefined || t[4] === "." ? 0 : rint(Number("0" + t[4]) * 1e6);
      if (h < 0 || h > 24 || mi > 59 || s > 60 || (h === 24 && (mi > 0 || s > 0 || frac > 0))) return "field";
      seconds = h * 3600 + mi * 60 + s;
      micros = frac;
      rest = rest.slice(t[0].length);
      continue;
    }
    const z = offset === undefined ? ZONE_PART.exec(rest) : null;
    // Numeric offsets only follow a time; a zone name may stand after a bare date.
    if (z && (sawTime || z[1] !== undefined)) {
      if (z[1] !== undefined) offset = 0;
      else {
        const oh = Number(z[3]);
        const om = z[4] === undefined ? 0 : Number(z[4]);
        const os = z[5] === undefined ? 0 : Number(z[5]);
        if (oh > 15 || om > 59 || os > 59) return "zone";
        offset = (z[2] === "-" ? -1 : 1) * (oh * 3600 + om * 60 + os);
      }
      rest = rest.slice(z[0].length);
      continue;
    }
    const era = /^(bc|ad)(?![a-z0-9])/.exec(rest);
    if (era) {
      bc = era[1] === "bc";
      rest = rest.slice(era[0].length);
      continue;
    }
    return "syntax";
  }
  // One- and two-digit leading fields are month or day in PostgreSQL's other date styles.
  if (year === 0 || yearText.length <= 2) return "field";
  if (bc) year = 1 - year;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return "field";
  return { days: daysFromCivil(year, month, day), seconds, micros, offset };
}

function nowMicros(options: DatetimeInputOptions | undefined): number {
  return options?.now ?? Date.now() * 1000;
}

/** The value of a special word, in days (date) or microseconds (timestamps), or undefined. */
function specialValue(word: string, kind: TargetKind, options: DatetimeInputOptions | undefined): number | undefined {
  const today = () => Math.floor(nowMicros(options) / USECS_PER_DAY);
  const dayValue = (d: number) => (kind === "date" ? d : d * USECS_PER_DAY);
  switch (word) {
    case "infinity":
      return Infinity;
    case "-infinity":
      return -Infinity;
    case "epoch":
      return 0;
    case "now":
      return kind === "date" ? today() : nowMicros(options);
    case "today":
      return dayValue(today());
    case "tomorrow":
      return dayValue(today() + 1);
    case "yesterday":
      return dayValue(today() - 1);
    default:
      return undefined;
  }
}

function fail(kind: TargetKind, text: string, why: Failure): SqlTypeError {
  if (why === "zone") return new SqlTypeError(`time zone displacement out of range: "${text}"`, "22009");
  return why === "syntax" ? invalidDatetime(TYPE_NAMES[kind], text) : datetimeFieldOutOfRange(text);
}

/** date_in: days since 1970-01-01, or ±Infinity. */
export function parseDate(text: string, options?: DatetimeInputOptions): number {
  const special = specialValue(trimCSpace(text).toLowerCase(), "date", options);
  if (special !== undefined) return special;
  const p = parseFields(text);
  if (typeof p === "string") throw fail("date", text, p);
  if (p.days < DATE_MIN || p.days > DATE_MAX) throw datetimeOutOfRange("date", text);
  return p.days;
}

/** timestamp_in / timestamptz_in: microseconds since 1970-01-01 00:00 UTC, or ±Infinity. */
export function parseTimestamp(text: string, withTimeZone: boolean, precision?: number, options?: DatetimeInputOptions): number {
  const kind: TargetKind = withTimeZone ? "timestamptz" : "timestamp";
  const special = specialValue(trimCSpace(text).toLowerCase(), kind, options);
  if (special !== undefined) return adjustTimestampPrecision(special, precision);
  const p = parseFields(text);
  if (typeof p === "string") throw fail(kind, text, p);
  // A timestamp without time zone ignores a written offset, as PostgreSQL does.
  const offset = withTimeZone ? (p.offset ?? 0) : 0;
  const seconds = p.days * 86400 + p.seconds - offset;
  const us = exactMicros(seconds, p.micros);
  if (us === undefined || us < TIMESTAMP_MIN || us >= TIMESTAMP_END) throw datetimeOutOfRange("timestamp", text);
  return adjustTimestampPrecision(us, precision, text);
}

/**
 * seconds·10^6 + micros as a double, or undefined when the double cannot hold it exactly (see
 * value.ts: such timestamps are rejected rather than moved).
 */
export function exactMicros(seconds: number, micros: number): number | undefined {
  const approx = seconds * 1e6 + micros;
  if (Math.abs(approx) < 2 ** 53) return approx;
  const exact = BigInt(seconds) * 1_000_000n + BigInt(micros);
  const us = Number(exact);
  return BigInt(us) === exact ? us : undefined;
}

/** Whether a finite timestamp is representable: inside PostgreSQL's range (exactness is by construction). */
export function checkTimestampRange(us: number): number {
  if (Number.isFinite(us) && (us < TIMESTAMP_MIN || us >= TIMESTAMP_END)) throw datetimeOutOfRange("timestamp");
  return us;
}

const SCALES = [1_000_000n, 100_000n, 10_000n, 1_000n, 100n, 10n];

/**
 * AdjustTimestampForTypmod: rounds to `precision` fractional digits, half away from zero measured
 * from PostgreSQL's 2000-01-01 epoch (which decides ties before 2000 the way PostgreSQL does).
 */
export function adjustTimestampPrecision(us: number, precision: number | undefined, text?: string): number {
  if (precision === undefined || precision >= 6 || !Number.isFinite(us)) return us;
  const scale = SCALES[precision]!;
  const t = BigInt(us) - BigInt(PG_EPOCH_USECS);
  const half = scale / 2n;
  const r = t >= 0n ? ((t + half) / scale) * scale : -(((-t + half) / scale) * scale);
  const exact = r + BigInt(PG_EPOCH_USECS);
  const out = Number(exact);
  if (BigInt(out) !== exact || out < TIMESTAMP_MIN || out >= TIMESTAMP_END) throw datetimeOutOfRange("timestamp", text);
  return out;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Year as PostgreSQL prints it (at least 4 digits) and whether it is BC. */
function displayYear(year: number): { text: string; bc: boolean } {
  return year <= 0 ? { text: pad(1 - year, 4), bc: true } : { text: pad(year, 4), bc: false };
}

/** date_out (DateStyle ISO). */
export function formatDate(days: number): string {
  if (days === Infinity) return "infinity";
  if (days === -Infinity) return "-infinity";
  const { year, month, day } = civilFromDays(days);
  const y = displayYear(year);
  return `${y.text}-${pad(month, 2)}-${pad(day, 2)}${y.bc ? " BC" : ""}`;
}

/** timestamp_out / timestamptz_out (DateStyle ISO, session time zone UTC). */
export function formatTimestamp(us: number, withTimeZone: boolean): string {
  if (us === Infinity) return "infinity";
  if (us === -Infinity) return "-infinity";
  const { days, micros } = splitMicros(us);
  const { year, month, day } = civilFromDays(days);
  const y = displayYear(year);
  const secs = Math.floor(micros / 1e6);
  const frac = micros - secs * 1e6;
  const time = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  const fraction = frac === 0 ? "" : "." + pad(frac, 6).replace(/0+$/, "");
  return `${y.text}-${pad(month, 2)}-${pad(day, 2)} ${time}${fraction}${withTimeZone ? "+00" : ""}${y.bc ? " BC" : ""}`;
}

/** Whole days since the epoch and microseconds into the day, exactly even past 2^53. */
export function splitMicros(us: number): { days: number; micros: number } {
  if (Math.abs(us) < 2 ** 53) {
    const days = Math.floor(us / USECS_PER_DAY);
    return { days, micros: us - days * USECS_PER_DAY };
  }
  const big = BigInt(us);
  const perDay = BigInt(USECS_PER_DAY);
  let days = big / perDay;
  let rem = big % perDay;
  if (rem < 0n) {
    days -= 1n;
    rem += perDay;
  }
  return { days: Number(days), micros: Number(rem) };
}
