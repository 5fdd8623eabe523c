/**
 * The interval type: months, days and microseconds kept apart, as PostgreSQL keeps them, because a
 * month and a day have no fixed length ('1 month' added to January 31 gives February's last day;
 * '1 day' is a calendar day). Text input takes PostgreSQL's forms ('1 day 02:00:00', '3 hours',
 * '-1 year 2 mons', '1-2', '@ 1 day ago', ISO 8601 'P1Y2M3DT4H5M6S' and 'P0001-02-03T04:05:06');
 * output is IntervalStyle postgres.
 *
 * Ordering and equality use the total span with 30-day months and 24-hour days (interval_cmp), so
 * '1 mon' = '30 days' = '720 hours' although they print differently.
 *
 * Microseconds are a safe-integer number: PostgreSQL's int64 time part allows about 292000 years,
 * this one about 285 (beyond that, input and arithmetic fail with "interval out of range").
 */
import { SqlTypeError } from "./errors.js";
import type { IntervalRange } from "./sql-type.js";

export const USECS_PER_HOUR = 3_600_000_000;
export const USECS_PER_MINUTE = 60_000_000;
const USECS_PER_SECOND = 1_000_000;
const USECS_PER_DAY_N = 86_400_000_000;
const DAYS_PER_MONTH = 30;
const MONTHS_PER_YEAR = 12;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

export class Interval {
  constructor(
    readonly months: number,
    readonly days: number,
    readonly micros: number,
  ) {}
}

export function intervalOutOfRange(): SqlTypeError {
  return new SqlTypeError("interval out of range", "22008");
}

/** An interval from parts that must be int32 months and days and safe-integer microseconds. */
export function makeIntervalChecked(months: number, days: number, micros: number): Interval {
  if (!isInt32(months) || !isInt32(days) || !Number.isSafeInteger(micros)) throw intervalOutOfRange();
  return new Interval(months, days, micros === 0 ? 0 : micros);
}

function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;
}

// ---- comparison -------------------------------------------------------------------------------

const BIG_DAY = BigInt(USECS_PER_DAY_N);
const BIG_MONTH = BIG_DAY * 30n;

/** interval_cmp_value: the span in microseconds with 30-day months, exactly. */
export function intervalSpan(v: Interval): bigint {
  return BigInt(v.months) * BIG_MONTH + BigInt(v.days) * BIG_DAY + BigInt(v.micros);
}

function approxSpan(v: Interval): number {
  return v.months * 2_592_000_000_000 + v.days * USECS_PER_DAY_N + v.micros;
}

/** -1, 0 or 1 as PostgreSQL's interval_cmp orders them. */
export function compareIntervals(a: Interval, b: Interval): -1 | 0 | 1 {
  const x = approxSpan(a);
  const y = approxSpan(b);
  // Spans reach 2^73; doubles settle every comparison whose operands differ by far more than their rounding.
  if (Math.abs(x) < 2 ** 53 && Math.abs(y) < 2 ** 53) return x < y ? -1 : x > y ? 1 : 0;
  if (Math.abs(x - y) > 2 ** 24) return x < y ? -1 : 1;
  const p = intervalSpan(a);
  const q = intervalSpan(b);
  return p < q ? -1 : p > q ? 1 : 0;
}

/** A string equal for exactly the intervals that compare equal (hash joins, GROUP BY). */
export function intervalHashKey(v: Interval): string {
  const x = approxSpan(v);
  return Math.abs(x) < 2 ** 53 ? String(x) : intervalSpan(v).toString();
}

const SPAN_OFFSET = 1n << 127n;

/** 16 bytes whose byte order is the span order: the span offset to unsigned, big-endian. */
export function intervalKeyBytes(v: Interval): Buffer {
  let u = intervalSpan(v) + SPAN_OFFSET;
  const out = Buffer.alloc(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/**
 * The interval a key stands for. A key keeps only the span, so the value comes back as days and
 * microseconds ('1 mon' as '30 days'); it encodes back to the same key.
 */
export function intervalFromKeyBytes(b: Uint8Array): Interval {
  let u = 0n;
  for (let i = 0; i < 16; i++) u = (u << 8n) | BigInt(b[i]!);
  const span = u - SPAN_OFFSET;
  const days = span / BIG_DAY;
  return new Interval(0, Number(days), Number(span - days * BIG_DAY));
}

// ---- arithmetic -------------------------------------------------------------------------------

export function addIntervals(a: Interval, b: Interval): Interval {
  return makeIntervalChecked(a.months + b.months, a.days + b.days, a.micros + b.micros);
}

export function subtractIntervals(a: Interval, b: Interval): Interval {
  return makeIntervalChecked(a.months - b.months, a.days - b.days, a.micros - b.micros);
}

export function negateInterval(a: Interval): Interval {
  return makeIntervalChecked(-a.months, -a.days, -a.micros);
}

/** C's rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** TSROUND: to microsecond precision, so that near-whole products come out whole. */
function tsRound(x: number): number {
  return rint(x * 1e6) / 1e6;
}

function fitsInt32(x: number): boolean {
  return !Number.isNaN(x) && x >= INT32_MIN && x <= INT32_MAX;
}

/**
 * interval_mul and interval_div: months and days are scaled and truncated, their fractions
 * cascaded down into days and seconds (never up).
 */
export function scaleInterval(a: Interval, factor: number, divide: boolean): Interval {
  if (divide && factor === 0) throw new SqlTypeError("division by zero", "22012");
  const apply = (x: number) => (divide ? x / factor : x * factor);
  const m = apply(a.months);
  if (!fitsInt32(m)) throw intervalOutOfRange();
  const d = apply(a.days);
  if (!fitsInt32(d)) throw intervalOutOfRange();
  const months = Math.trunc(m);
  let days = Math.trunc(d);
  const monthRemainderDays = tsRound((m - months) * DAYS_PER_MONTH);
  let secRemainder = tsRound((d - days + monthRemainderDays - Math.trunc(monthRemainderDays)) * 86400);
  if (Math.abs(secRemainder) >= 86400) {
    const whole = Math.trunc(secRemainder / 86400);
    days += whole;
    secRemainder -= whole * 86400;
  }
  days += Math.trunc(monthRemainderDays);
  const micros = rint(apply(a.micros) + secRemainder * USECS_PER_SECOND);
  if (Number.isNaN(micros)) throw intervalOutOfRange();
  return makeIntervalChecked(months, days, micros);
}

/** Moves whole `unit`s of `small` into `big`: [big, small] after the move. */
function carry(big: number, small: number, unit: number): [number, number] {
  const whole = Math.trunc(small / unit);
  return [big + whole, small - whole * unit];
}

/**
 * Makes the signs of a larger field and the next smaller one agree by borrowing one unit
 * (`smallerSign`: the sign the rest of the smaller fields show, for justify_interval's months
 * against days and time).
 */
function agree(big: number, small: number, unit: number, smallerSign = Math.sign(small)): [number, number] {
  if (big > 0 && smallerSign < 0) return [big - 1, small + unit];
  if (big < 0 && smallerSign > 0) return [big + 1, small - unit];
  return [big, small];
}

/** justify_hours: whole 24-hour periods into days, signs of days and time made to agree. */
export function justifyHours(a: Interval): Interval {
  const [days, micros] = agree(...carry(a.days, a.micros, USECS_PER_DAY_N), USECS_PER_DAY_N);
  return makeIntervalChecked(a.months, days, micros);
}

/** justify_days: whole 30-day periods into months, signs of months and days made to agree. */
export function justifyDays(a: Interval): Interval {
  const [months, days] = agree(...carry(a.months, a.days, DAYS_PER_MONTH), DAYS_PER_MONTH);
  return makeIntervalChecked(months, days, a.micros);
}

/** justify_interval: both justifications, with one sign for the whole result. */
export function justifyInterval(a: Interval): Interval {
  let { months, days, micros } = a;
  if ((days > 0 && micros > 0) || (days < 0 && micros < 0)) [months, days] = carry(months, days, DAYS_PER_MONTH);
  [days, micros] = carry(days, micros, USECS_PER_DAY_N);
  [months, days] = carry(months, days, DAYS_PER_MONTH);
  [months, days] = agree(months, days, DAYS_PER_MONTH, days !== 0 ? Math.sign(days) : Math.sign(micros));
  [days, micros] = agree(days, micros, USECS_PER_DAY_N);
  return makeIntervalChecked(months, days, micros);
}

/** interval2itm: the fields output and extract show, each truncated toward zero. */
export interface IntervalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micro: number;
}

export function intervalFields(v: Interval): IntervalFields {
  let t = v.micros;
  const hour = Math.trunc(t / USECS_PER_HOUR);
  t -= hour * USECS_PER_HOUR;
  const minute = Math.trunc(t / USECS_PER_MINUTE);
  t -= minute * USECS_PER_MINUTE;
  const second = Math.trunc(t / USECS_PER_SECOND);
  t -= second * USECS_PER_SECOND;
  return { year: Math.trunc(v.months / MONTHS_PER_YEAR), month: v.months % MONTHS_PER_YEAR, day: v.days, hour, minute, second, micro: t };
}

// ---- output -----------------------------------------------------------------------------------

/** interval_out with IntervalStyle postgres: '1 year 2 mons -3 days +04:05:06.5'. */
export function formatInterval(v: Interval): string {
  const f = intervalFields(v);
  let out = "";
  let isZero = true;
  let isBefore = false;
  const part = (value: number, unit: string) => {
    if (value === 0) return;
    out += `${isZero ? "" : " "}${isBefore && value > 0 ? "+" : ""}${value} ${unit}${value !== 1 ? "s" : ""}`;
    isBefore = value < 0;
    isZero = false;
  };
  part(f.year, "year");
  part(f.month, "mon");
  part(f.day, "day");
  if (isZero || f.hour !== 0 || f.minute !== 0 || f.second !== 0 || f.micro !== 0) {
    const minus = f.hour < 0 || f.minute < 0 || f.second < 0 || f.micro < 0;
    const pad = (n: number) => String(Math.abs(n)).padStart(2, "0");
    out += `${isZero ? "" : " "}${minus ? "-" : isBefore ? "+" : ""}${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
    if (f.micro !== 0) out += "." + String(Math.abs(f.micro)).padStart(6, "0").replace(/0+$/, "");
  }
  return out;
}

// ---- input ------------------------------------------------------------------------------------

/** The parts being accumulated (pg_itm_in): years and months apart until the end, as PostgreSQL does. */
class Accumulator {
  years = 0;
  months = 0;
  days = 0;
  micros = 0;

  addMicros(val: number, frac: number, scale: number): void {
    this.micros += val * scale;
    this.addFractMicros(frac, scale);
  }

  addFractMicros(frac: number, scale: number): void {
    if (frac === 0) return;
    const x = frac * scale;
    const whole = Math.trunc(x);
    this.micros += whole + rint(x - whole);
  }

  addDays(val: number, scale: number): void {
    this.days += val * scale;
  }

  addFractDays(frac: number, scale: number): void {
    if (frac === 0) return;
    const x = frac * scale;
    const extra = Math.trunc(x);
    this.days += extra;
    this.addFractMicros(x - extra, USECS_PER_DAY_N);
  }

  addYears(val: number, frac: number, scale: number): void {
    this.years += val * scale;
    this.months += rint(frac * scale * MONTHS_PER_YEAR);
  }

  ok(): boolean {
    return Number.isSafeInteger(this.micros) && isInt32(this.days) && isInt32(this.years) && isInt32(this.months);
  }
}

type Unit = "microsecond" | "millisecond" | "second" | "minute" | "hour" | "day" | "week" | "month" | "year" | "decade" | "century" | "millennium";

/** deltatktbl's unit words. */
const UNIT_WORDS: Readonly<Record<string, Unit>> = {
  microsecond: "microsecond", microseconds: "microsecond", microsecon: "microsecond", us: "microsecond", usec: "microsecond", usecs: "microsecond", useconds: "microsecond",
  millisecond: "millisecond", milliseconds: "millisecond", millisecon: "millisecond", ms: "millisecond", msec: "millisecond", msecs: "millisecond", mseconds: "millisecond",
  second: "second", seconds: "second", s: "second", sec: "second", secs: "second",
  minute: "minute", minutes: "minute", m: "minute", min: "minute", mins: "minute",
  hour: "hour", hours: "hour", h: "hour", hr: "hour", hrs: "hour",
  day: "day", days: "day", d: "day",
  week: "week", weeks: "week", w: "week",
  month: "month", months: "month", mon: "month", mons: "month",
  year: "year", years: "year", y: "year", yr: "year", yrs: "year",
  decade: "decade", decades: "decade", dec: "decade", decs: "decade",
  century: "century", centuries: "century", c: "century", cent: "century",
  millennium: "millennium", millennia: "millennium", millenniums: "millennium", mil: "millennium", mils: "millennium",
};

type Failure = "syntax" | "overflow";

class InputFailure {
  constructor(readonly why: Failure) {}
}

const fail = (why: Failure): never => {
  throw new InputFailure(why);
};

/** Integer part and signed fraction of a decimal number token. */
function splitNumber(text: string): { val: number; frac: number } {
  const negative = text.startsWith("-");
  const dot = text.indexOf(".");
  const intText = dot < 0 ? text : text.slice(0, dot);
  const val = intText === "" || intText === "-" || intText === "+" ? 0 : Number(intText);
  if (!Number.isSafeInteger(val)) fail("overflow");
  const frac = dot < 0 ? 0 : Number("0" + text.slice(dot)) * (negative ? -1 : 1);
  return { val: val === 0 ? 0 : val, frac };
}

/** Applies `val` (and its fraction) of `unit`, as DecodeInterval's per-unit cases do. */
function applyUnit(acc: Accumulator, unit: Unit, val: number, frac: number): void {
  switch (unit) {
    case "microsecond":
      return acc.addMicros(val, frac, 1);
    case "millisecond":
      return acc.addMicros(val, frac, 1000);
    case "second":
      return acc.addMicros(val, frac, USECS_PER_SECOND);
    case "minute":
      return acc.addMicros(val, frac, USECS_PER_MINUTE);
    case "hour":
      return acc.addMicros(val, frac, USECS_PER_HOUR);
    case "day":
      acc.addDays(val, 1);
      return acc.addFractMicros(frac, USECS_PER_DAY_N);
    case "week":
      acc.addDays(val, 7);
      return acc.addFractDays(frac, 7);
    case "month":
      acc.months += val;
      return acc.addFractDays(frac, DAYS_PER_MONTH);
    case "year":
      return acc.addYears(val, frac, 1);
    case "decade":
      return acc.addYears(val, frac, 10);
    case "century":
      return acc.addYears(val, frac, 100);
    case "millennium":
      return acc.addYears(val, frac, 1000);
  }
}

const TIME_FIELD = /^(\d+):(\d+)(?::(\d+))?(\.\d*)?$/;

/** DecodeTimeForInterval: 'h:m', 'h:m:s[.f]' or 'm:s.f' (and 'm:s' for MINUTE TO SECOND), as microseconds. */
function timeMicros(text: string, range?: IntervalRange): number {
  const t = TIME_FIELD.exec(text) ?? fail("syntax");
  let hour = Number(t[1]);
  let minute = Number(t[2]);
  let second = t[3] === undefined ? 0 : Number(t[3]);
  const fracText = t[4];
  if (t[3] === undefined && (fracText !== undefined || range === "minute to second")) {
    // 'mm:ss.fff' is minutes and seconds.
    second = minute;
    minute = hour;
    hour = 0;
  }
  const frac = fracText === undefined || fracText === "." ? 0 : rint(Number("0" + fracText) * 1e6);
  if (minute > 59 || second > 60 || frac > USECS_PER_SECOND) fail("overflow");
  return hour * USECS_PER_HOUR + minute * USECS_PER_MINUTE + second * USECS_PER_SECOND + frac;
}

/** ParseDateTime's fields for interval input: numbers, times, words, in order. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /\s*([+-]?(?:\d+(?:[:.-]\d*)*|\.\d+)|[a-z]+|@)/y;
  let pos = 0;
  for (;;) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) break;
    out.push(m[1]!);
    pos = re.lastIndex;
  }
  if (text.slice(pos).trim() !== "") fail("syntax");
  return out;
}

/** DecodeInterval (IntervalStyle postgres), reading the fields right to left so units reach their numbers. */
/** The unit of a number without one: the typmod's last field, else seconds. */
function rightmostUnit(range: IntervalRange | undefined): Unit {
  switch (range) {
    case "year":
      return "year";
    case "month":
    case "year to month":
      return "month";
    case "day":
      return "day";
    case "hour":
    case "day to hour":
      return "hour";
    case "minute":
    case "hour to minute":
    case "day to minute":
      return "minute";
    default:
      return "second";
  }
}

function decodePostgres(text: string, range: IntervalRange | undefined): Accumulator {
  const fields = tokenize(text.toLowerCase());
  const acc = new Accumulator();
  const seen = new Set<string>();
  let unit: Unit | undefined;
  let ago = false;
  let any = false;
  const mark = (what: string) => {
    if (seen.has(what)) fail("syntax");
    seen.add(what);
    any = true;
  };
  for (let i = fields.length - 1; i >= 0; i--) {
    const f = fields[i]!;
    if (f === "@") continue;
    if (/^[a-z]/.test(f)) {
      if (f === "ago") {
        ago = true;
        continue;
      }
      unit = UNIT_WORDS[f] ?? fail("syntax");
      continue;
    }
    if (f.includes(":")) {
      const negative = f.startsWith("-");
      const us = timeMicros(f.replace(/^[+-]/, ""), range);
      acc.micros += negative ? -us : us;
      mark("hour");
      mark("minute");
      mark("second");
      unit = "day";
      continue;
    }
    const ym = /^([+-]?)(\d+)-(\d+)$/.exec(f);
    if (ym) {
      // SQL "years-months".
      const month = Number(ym[3]);
      if (month >= MONTHS_PER_YEAR) fail("overflow");
      const sign = ym[1] === "-" ? -1 : 1;
      acc.months += sign * (Number(ym[2]) * MONTHS_PER_YEAR + month);
      mark("month");
      unit = "month";
      continue;
    }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(f)) fail("syntax");
    const u: Unit = unit ?? rightmostUnit(range);
    const { val, frac } = splitNumber(f);
    applyUnit(acc, u, val, frac);
    mark(u === "second" && frac !== 0 ? "second" : u);
    if (u === "second" && frac !== 0) {
      mark("millisecond");
      mark("microsecond");
    }
    unit = u === "hour" ? "day" : u;
  }
  if (!any) fail("syntax");
  if (ago) {
    acc.years = -acc.years;
    acc.months = -acc.months;
    acc.days = -acc.days;
    acc.micros = -acc.micros;
  }
  return acc;
}

/** A signed decimal at the front of `s`: its value split as splitNumber does, and the rest. */
function isoNumber(s: string): { val: number; frac: number; rest: string } {
  const m = /^[+-]?(\d+(\.\d*)?|\.\d+)/.exec(s) ?? fail("syntax");
  return { ...splitNumber(m[0]), rest: s.slice(m[0].length) };
}

/** DecodeISO8601Interval: 'P[nY][nM][nW][nD][T[nH][nM][nS]]' or the alternative 'PYYYY-MM-DDThh:mm:ss'. */
function decodeIso(text: string): Accumulator {
  const acc = new Accumulator();
  let s = text.trim();
  if (!s.startsWith("P")) fail("syntax");
  s = s.slice(1);
  let timePart = false;
  let any = false;
  while (s.length > 0) {
    if (s[0] === "T") {
      if (timePart) fail("syntax");
      timePart = true;
      s = s.slice(1);
      continue;
    }
    const n = isoNumber(s);
    const designator = n.rest[0];
    s = n.rest.slice(1);
    any = true;
    if (!timePart) {
      switch (designator) {
        case "Y":
          acc.addYears(n.val, n.frac, 1);
          break;
        case "M":
          acc.months += n.val;
          acc.addFractDays(n.frac, DAYS_PER_MONTH);
          break;
        case "W":
          acc.addDays(n.val, 7);
          acc.addFractDays(n.frac, 7);
          break;
        case "D":
          acc.addDays(n.val, 1);
          acc.addFractMicros(n.frac, USECS_PER_DAY_N);
          break;
        case "-": {
          // Alternative format: years-months-days, then an optional Thh:mm:ss.
          acc.addYears(n.val, n.frac, 1);
          const m = isoNumber(s);
          if (m.rest[0] !== "-") fail("syntax");
          acc.months += m.val;
          acc.addFractDays(m.frac, DAYS_PER_MONTH);
          const d = isoNumber(m.rest.slice(1));
          acc.addDays(d.val, 1);
          acc.addFractMicros(d.frac, USECS_PER_DAY_N);
          s = d.rest;
          if (s === "") break;
          if (s[0] !== "T") fail("syntax");
          acc.micros += timeMicros(s.slice(1));
          s = "";
          break;
        }
        default:
          fail("syntax");
      }
    } else {
      switch (designator) {
        case "H":
          acc.addMicros(n.val, n.frac, USECS_PER_HOUR);
          break;
        case "M":
          acc.addMicros(n.val, n.frac, USECS_PER_MINUTE);
          break;
        case "S":
          acc.addMicros(n.val, n.frac, USECS_PER_SECOND);
          break;
        default:
          fail("syntax");
      }
    }
  }
  if (!any) fail("syntax");
  return acc;
}

/**
 * interval_in, with the type's field range and precision applied when given (the range also
 * decides what a number without a unit counts). Errors: 22007 invalid syntax, 22015 a field out
 * of range, 22008 the result out of range.
 */
export function parseInterval(text: string, range?: IntervalRange, precision?: number): Interval {
  let acc: Accumulator;
  try {
    try {
      acc = decodePostgres(text, range);
    } catch (e) {
      // As interval_in: only input the postgres-style decoder cannot read at all is tried as ISO 8601.
      if (!(e instanceof InputFailure) || e.why !== "syntax") throw e;
      acc = decodeIso(text);
    }
  } catch (e) {
    if (!(e instanceof InputFailure)) throw e;
    if (e.why === "overflow") throw new SqlTypeError(`interval field value out of range: "${text}"`, "22015");
    throw new SqlTypeError(`invalid input syntax for type interval: "${text}"`, "22007");
  }
  if (!acc.ok()) throw new SqlTypeError(`interval field value out of range: "${text}"`, "22015");
  return adjustIntervalTypmod(makeIntervalChecked(acc.years * MONTHS_PER_YEAR + acc.months, acc.days, acc.micros), range, precision);
}

const PRECISION_SCALES = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

/** AdjustIntervalForTypmod: drops the fields below the range, rounds to the precision. */
export function adjustIntervalTypmod(v: Interval, range: IntervalRange | undefined, precision: number | undefined): Interval {
  let { months, days, micros } = v;
  switch (range) {
    case undefined:
      break;
    case "year":
      months = Math.trunc(months / MONTHS_PER_YEAR) * MONTHS_PER_YEAR;
      days = 0;
      micros = 0;
      break;
    case "month":
    case "year to month":
      days = 0;
      micros = 0;
      break;
    case "day":
      micros = 0;
      break;
    case "hour":
    case "day to hour":
      micros = Math.trunc(micros / USECS_PER_HOUR) * USECS_PER_HOUR;
      break;
    case "minute":
    case "day to minute":
    case "hour to minute":
      micros = Math.trunc(micros / USECS_PER_MINUTE) * USECS_PER_MINUTE;
      break;
    default:
      break;
  }
  if (precision !== undefined && precision < 6) {
    const scale = PRECISION_SCALES[precision]!;
    const half = scale / 2;
    micros = micros >= 0 ? Math.floor((micros + half) / scale) * scale : -Math.floor((-micros + half) / scale) * scale;
  }
  if (months === v.months && days === v.days && micros === v.micros) return v;
  return makeIntervalChecked(months, days, micros);
}
