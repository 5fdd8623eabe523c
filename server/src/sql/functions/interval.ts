/**
 * Interval operators and functions: interval arithmetic, dates and timestamps plus or minus an
 * interval, timestamp differences, age, extract / date_part / date_trunc of an interval, the
 * justify functions and make_interval. The session time zone is UTC, so timestamptz arithmetic is
 * timestamp arithmetic.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import {
  addIntervals,
  civilFromDays,
  daysFromCivil,
  Dec,
  Interval,
  intervalFields,
  justifyDays,
  justifyHours,
  justifyInterval,
  makeIntervalChecked,
  negateInterval,
  Numeric,
  scaleInterval,
  type SqlValue,
  subtractIntervals,
  TIMESTAMP_END,
  TIMESTAMP_MIN,
  USECS_PER_DAY,
} from "../types/index.js";
import { splitMicros } from "../types/datetime.js";
import { err, fn } from "./common.js";
import { datePartOf, type DatePart } from "./datetime.js";
import type { Overload } from "./registry.js";

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  return m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!;
}

function timestampOutOfRange(): Error {
  return err("timestamp out of range", "22008");
}

/** t + delta microseconds, refused when out of range or not exactly representable (see types/value.ts). */
function addMicros(t: number, delta: number): number {
  let r = t + delta;
  if (!(Math.abs(t) < 2 ** 53 && Math.abs(delta) < 2 ** 53 && Math.abs(r) < 2 ** 53)) {
    const exact = BigInt(t) + BigInt(delta);
    r = Number(exact);
    if (BigInt(r) !== exact) throw timestampOutOfRange();
  }
  if (r < TIMESTAMP_MIN || r >= TIMESTAMP_END) throw timestampOutOfRange();
  return r;
}

/**
 * timestamp_pl_interval: months move the calendar month (clamping the day to the month's end),
 * then days move calendar days, then the time part is added.
 */
export function addIntervalToTimestamp(us: number, span: Interval): number {
  if (!Number.isFinite(us)) return us;
  let t = us;
  if (span.months !== 0) {
    const { days, micros } = splitMicros(t);
    const c = civilFromDays(days);
    const total = c.year * 12 + (c.month - 1) + span.months;
    const year = Math.floor(total / 12);
    const month = total - year * 12 + 1;
    const day = Math.min(c.day, daysInMonth(year, month));
    t = addMicros(daysFromCivil(year, month, day) * USECS_PER_DAY, micros);
  }
  if (span.days !== 0) {
    // No day count this large leaves the range; below it the product is exact (27 + 26 bits).
    if (Math.abs(span.days) > 2 ** 27) throw timestampOutOfRange();
    t = addMicros(t, span.days * USECS_PER_DAY);
  }
  return addMicros(t, span.micros);
}

/** timestamp_mi: the difference in microseconds, justified into days and time. */
export function subtractTimestamps(a: number, b: number): Interval {
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw err("cannot subtract infinite timestamps", "22008");
  const d = splitMicros(a);
  const e = splitMicros(b);
  return justifyHours(makeIntervalChecked(0, 0, (d.days - e.days) * USECS_PER_DAY + (d.micros - e.micros)));
}

interface Tm {
  year: number;
  mon: number;
  mday: number;
  hour: number;
  min: number;
  sec: number;
  usec: number;
}

function tmOf(us: number): Tm {
  const { days, micros } = splitMicros(us);
  const c = civilFromDays(days);
  const sec = Math.floor(micros / 1e6);
  return { year: c.year, mon: c.month, mday: c.day, hour: Math.floor(sec / 3600), min: Math.floor(sec / 60) % 60, sec: sec % 60, usec: micros % 1e6 };
}

/** timestamp_age: the field-by-field difference, borrowing from the next larger field. */
export function age(a: number, b: number): Interval {
  if (!Number.isFinite(a) || !Number.isFinite(b)) throw err("cannot subtract infinite timestamps", "22008");
  const t1 = tmOf(a);
  const t2 = tmOf(b);
  const flip = a < b ? -1 : 1;
  let usec = flip * (t1.usec - t2.usec);
  let sec = flip * (t1.sec - t2.sec);
  let min = flip * (t1.min - t2.min);
  let hour = flip * (t1.hour - t2.hour);
  let mday = flip * (t1.mday - t2.mday);
  let mon = flip * (t1.mon - t2.mon);
  let year = flip * (t1.year - t2.year);
  while (usec < 0) {
    usec += 1e6;
    sec--;
  }
  while (sec < 0) {
    sec += 60;
    min--;
  }
  while (min < 0) {
    min += 60;
    hour--;
  }
  while (hour < 0) {
    hour += 24;
    mday--;
  }
  while (mday < 0) {
    // Borrow the length of the earlier timestamp's month.
    const from = a < b ? t1 : t2;
    mday += daysInMonth(from.year, from.mon);
    mon--;
  }
  while (mon < 0) {
    mon += 12;
    year--;
  }
  const micros = ((hour * 60 + min) * 60 + sec) * 1e6 + usec;
  return makeIntervalChecked(flip * (year * 12 + mon), flip * mday, flip * micros);
}

type IntervalUnit = "microseconds" | "milliseconds" | "second" | "minute" | "hour" | "day" | "week" | "month" | "quarter" | "year" | "decade" | "century" | "millennium" | "epoch";

const INTERVAL_UNITS: ReadonlySet<DatePart> = new Set<IntervalUnit>([
  "microseconds",
  "milliseconds",
  "second",
  "minute",
  "hour",
  "day",
  "week",
  "month",
  "quarter",
  "year",
  "decade",
  "century",
  "millennium",
  "epoch",
]);

function unitOf(text: string): IntervalUnit {
  const u = datePartOf(text);
  if (u !== undefined && INTERVAL_UNITS.has(u)) return u as IntervalUnit;
  // A field of dates and times (dow, timezone, ...) that an interval does not have.
  if (u !== undefined) throw unsupported(text);
  throw err(`unit "${text}" not recognized for type interval`, "22023");
}

function unsupported(text: string): Error {
  return err(`unit "${text}" not supported for type interval`, "0A000");
}

/** interval_part: a field of interval2itm, or the epoch (a year counted as 365.25 days). */
export function extractInterval(unit: string, v: Interval, asNumeric: boolean): SqlValue {
  const u = unitOf(unit);
  const f = intervalFields(v);
  let d: Dec;
  let scale = 0;
  switch (u) {
    case "microseconds":
      d = new Dec(f.second * 1e6 + f.micro);
      break;
    case "milliseconds":
      d = new Dec(f.second * 1e6 + f.micro).div(1000);
      scale = 3;
      break;
    case "second":
      d = new Dec(f.second * 1e6 + f.micro).div(1e6);
      scale = 6;
      break;
    case "minute":
      d = new Dec(f.minute);
      break;
    case "hour":
      d = new Dec(f.hour);
      break;
    case "day":
      d = new Dec(f.day);
      break;
    case "month":
      d = new Dec(f.month);
      break;
    case "quarter":
      d = new Dec(Math.trunc(f.month / 3) + 1);
      break;
    case "year":
      d = new Dec(f.year);
      break;
    case "decade":
      d = new Dec(Math.trunc(f.year / 10));
      break;
    case "century":
      d = new Dec(Math.trunc(f.year / 100));
      break;
    case "millennium":
      d = new Dec(Math.trunc(f.year / 1000));
      break;
    case "epoch": {
      const seconds = new Dec(31557600).times(Math.trunc(v.months / 12)).plus(new Dec(2592000).times(v.months % 12)).plus(new Dec(86400).times(v.days));
      d = seconds.plus(new Dec(v.micros).div(1e6));
      scale = 6;
      break;
    }
    case "week":
      throw unsupported(unit);
  }
  if (!asNumeric) return d.toNumber();
  return Numeric.of(d, Math.max(scale, d.decimalPlaces()));
}

/** interval_trunc: zeroes every field below the unit. */
export function truncInterval(unit: string, v: Interval): Interval {
  const u = unitOf(unit);
  const f = intervalFields(v);
  let { year, month, day, hour, minute, second, micro } = f;
  const order: IntervalUnit[] = ["millennium", "century", "decade", "year", "quarter", "month", "day", "hour", "minute", "second"];
  const from = order.indexOf(u);
  if (u === "milliseconds") micro -= micro % 1000;
  else if (u === "microseconds") {
    // Nothing below a microsecond.
  } else if (from < 0) {
    throw u === "week" ? new SqlStateError(`unit "${unit}" not supported for type interval`, "0A000", { detail: "Months usually have fractional weeks." }) : unsupported(unit);
  } else {
    for (let i = from; i < order.length; i++) {
      switch (order[i]) {
        case "millennium":
          year = Math.trunc(year / 1000) * 1000;
          break;
        case "century":
          year = Math.trunc(year / 100) * 100;
          break;
        case "decade":
          year = Math.trunc(year / 10) * 10;
          break;
        case "year":
          month = 0;
          break;
        case "quarter":
          month = 3 * Math.trunc(month / 3);
          break;
        case "month":
          day = 0;
          break;
        case "day":
          hour = 0;
          break;
        case "hour":
          minute = 0;
          break;
        case "minute":
          second = 0;
          break;
        case "second":
          micro = 0;
          break;
      }
    }
  }
  return makeIntervalChecked(year * 12 + month, day, ((hour * 60 + minute) * 60 + second) * 1e6 + micro);
}

/** make_interval(years, months, weeks, days, hours, mins, secs), missing arguments zero. */
export function makeInterval(args: readonly SqlValue[]): Interval {
  const [years = 0, months = 0, weeks = 0, days = 0, hours = 0, mins = 0, secs = 0] = args as number[];
  if (!Number.isFinite(secs)) throw err("interval out of range", "22008");
  return makeIntervalChecked(years * 12 + months, weeks * 7 + days, hours * 3_600_000_000 + mins * 60_000_000 + rint(secs * 1e6));
}

/** C's rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const iv = (v: SqlValue | undefined): Interval => v as Interval;
const num = (v: SqlValue | undefined): number => v as number;

const MAKE_INTERVAL_PARAMS = ["int4", "int4", "int4", "int4", "int4", "int4", "float8"] as const;

export const INTERVAL_FUNCTIONS: readonly Overload[] = [
  fn("+", ["interval", "interval"], "interval", ([a, b]) => addIntervals(iv(a), iv(b))),
  fn("-", ["interval", "interval"], "interval", ([a, b]) => subtractIntervals(iv(a), iv(b))),
  fn("-", ["interval"], "interval", ([a]) => negateInterval(iv(a))),
  fn("*", ["interval", "float8"], "interval", ([a, k]) => scaleInterval(iv(a), num(k), false)),
  fn("*", ["float8", "interval"], "interval", ([k, a]) => scaleInterval(iv(a), num(k), false)),
  fn("/", ["interval", "float8"], "interval", ([a, k]) => scaleInterval(iv(a), num(k), true)),
  fn("+", ["date", "interval"], "timestamp", ([d, a]) => addIntervalToTimestamp(num(d) * USECS_PER_DAY, iv(a))),
  fn("+", ["interval", "date"], "timestamp", ([a, d]) => addIntervalToTimestamp(num(d) * USECS_PER_DAY, iv(a))),
  fn("-", ["date", "interval"], "timestamp", ([d, a]) => addIntervalToTimestamp(num(d) * USECS_PER_DAY, negateInterval(iv(a)))),
  ...(["timestamp", "timestamptz"] as const).flatMap((k) => [
    fn("+", [k, "interval"], k, ([t, a]) => addIntervalToTimestamp(num(t), iv(a))),
    fn("+", ["interval", k], k, ([a, t]) => addIntervalToTimestamp(num(t), iv(a))),
    fn("-", [k, "interval"], k, ([t, a]) => addIntervalToTimestamp(num(t), negateInterval(iv(a)))),
    fn("-", [k, k], "interval", ([a, b]) => subtractTimestamps(num(a), num(b))),
    fn("age", [k, k], "interval", ([a, b]) => age(num(a), num(b))),
    // age(ts) measures from midnight of the current date.
    fn("age", [k], "interval", ([a], ctx) => age(Math.floor(ctx.now / USECS_PER_DAY) * USECS_PER_DAY, num(a))),
  ]),
  fn("date_part", ["text", "interval"], "float8", ([u, v]) => extractInterval(u as string, iv(v), false)),
  fn("extract", ["text", "interval"], "numeric", ([u, v]) => extractInterval(u as string, iv(v), true)),
  fn("date_trunc", ["text", "interval"], "interval", ([u, v]) => truncInterval(u as string, iv(v))),
  fn("justify_days", ["interval"], "interval", ([a]) => justifyDays(iv(a))),
  fn("justify_hours", ["interval"], "interval", ([a]) => justifyHours(iv(a))),
  fn("justify_interval", ["interval"], "interval", ([a]) => justifyInterval(iv(a))),
  ...MAKE_INTERVAL_PARAMS.map((_, i) => fn("make_interval", MAKE_INTERVAL_PARAMS.slice(0, i + 1), "interval", (args) => makeInterval(args))),
  fn("make_interval", [], "interval", () => new Interval(0, 0, 0)),
];
