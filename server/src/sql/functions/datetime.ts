/**
 * Date and time functions: the statement clock (now(), current_date ...), date_part / extract,
 * date_trunc, make_date and date arithmetic with integers. The session time zone is UTC (as
 * everywhere in the type system), so timestamp and timestamptz behave alike here.
 *
 * Interval arithmetic, age() and timestamp - timestamp are in interval.ts. Not covered: date_trunc
 * with a time zone argument.
 */
import {
  civilFromDays,
  DATE_MAX,
  DATE_MIN,
  daysFromCivil,
  Dec,
  Numeric,
  type SqlType,
  type SqlValue,
  typeNameForMessages,
  USECS_PER_DAY,
  type Interval,
} from "../types/index.js";
import { checkTimestampRange, splitMicros } from "../types/datetime.js";
import { err, fn } from "./common.js";
import { intervalToChar, numberToChar, timestampToChar } from "./to-char.js";
import type { Overload } from "./registry.js";

/** A field EXTRACT, date_part and date_trunc name (functions/interval.ts takes a subset). */
export type DatePart =
  | "microseconds"
  | "milliseconds"
  | "second"
  | "minute"
  | "hour"
  | "day"
  | "week"
  | "month"
  | "quarter"
  | "year"
  | "decade"
  | "century"
  | "millennium"
  | "epoch"
  | "dow"
  | "isodow"
  | "doy"
  | "isoyear"
  | "timezone"
  | "timezone_hour"
  | "timezone_minute"
  | "julian";

/** Unit spellings DecodeUnits accepts, for the common units. */
const UNITS: Readonly<Record<string, DatePart>> = {
  microsecond: "microseconds", microseconds: "microseconds", us: "microseconds", usec: "microseconds", usecs: "microseconds", useconds: "microseconds",
  millisecond: "milliseconds", milliseconds: "milliseconds", ms: "milliseconds", msec: "milliseconds", msecs: "milliseconds", mseconds: "milliseconds",
  second: "second", seconds: "second", s: "second", sec: "second", secs: "second",
  minute: "minute", minutes: "minute", m: "minute", min: "minute", mins: "minute",
  hour: "hour", hours: "hour", h: "hour", hr: "hour", hrs: "hour",
  day: "day", days: "day", d: "day",
  week: "week", weeks: "week", w: "week",
  month: "month", months: "month", mon: "month", mons: "month",
  quarter: "quarter", qtr: "quarter",
  year: "year", years: "year", y: "year", yr: "year", yrs: "year",
  decade: "decade", decades: "decade", dec: "decade", decs: "decade",
  century: "century", centuries: "century", c: "century", cent: "century",
  millennium: "millennium", millennia: "millennium", millenniums: "millennium", mil: "millennium", mils: "millennium",
  epoch: "epoch", dow: "dow", isodow: "isodow", doy: "doy", isoyear: "isoyear", julian: "julian", j: "julian",
  timezone: "timezone", timezone_hour: "timezone_hour", timezone_minute: "timezone_minute",
};

/** Fields whose value is ±Infinity for infinite inputs (the rest are NULL). */
const MONOTONIC: ReadonlySet<DatePart> = new Set(["year", "decade", "century", "millennium", "epoch", "julian", "isoyear"]);

/** The field a unit word names (PostgreSQL's DecodeUnits spellings), if any. */
export function datePartOf(text: string): DatePart | undefined {
  return UNITS[text.toLowerCase()];
}

function unitOf(text: string, t: SqlType): DatePart {
  const f = datePartOf(text);
  if (f === undefined) throw err(`unit "${text}" not recognized for type ${typeNameForMessages(t)}`, "22023");
  return f;
}

function unsupported(text: string, t: SqlType): Error {
  return err(`unit "${text}" not supported for type ${typeNameForMessages(t)}`, "0A000");
}

const cdiv = (a: number, b: number): number => Math.trunc(a / b);

interface Parts {
  year: number;
  month: number;
  day: number;
  days: number;
  micros: number;
}

function partsOf(us: number): Parts {
  const { days, micros } = splitMicros(us);
  return { ...civilFromDays(days), days, micros };
}

function isoWeek(days: number): { week: number; year: number } {
  const dow = (((days + 4) % 7) + 7) % 7;
  const thursday = days - ((dow + 6) % 7) + 3;
  const { year } = civilFromDays(thursday);
  return { week: Math.floor((thursday - daysFromCivil(year, 1, 1)) / 7) + 1, year };
}

/** A field's value as an exact decimal (extract's numeric; date_part converts to float8). */
function fieldValue(f: DatePart, p: Parts, isDate: boolean, us: number): Dec {
  const y = p.year;
  const sec = Math.floor(p.micros / 1e6) % 60;
  const usInMinute = sec * 1e6 + (p.micros % 1e6);
  switch (f) {
    case "microseconds":
      return new Dec(usInMinute);
    case "milliseconds":
      return new Dec(usInMinute).div(1000);
    case "second":
      return new Dec(usInMinute).div(1e6);
    case "minute":
      return new Dec(Math.floor(p.micros / 60e6) % 60);
    case "hour":
      return new Dec(Math.floor(p.micros / 3600e6));
    case "day":
      return new Dec(p.day);
    case "week":
      return new Dec(isoWeek(p.days).week);
    case "month":
      return new Dec(p.month);
    case "quarter":
      return new Dec(cdiv(p.month - 1, 3) + 1);
    case "year":
      return new Dec(y > 0 ? y : y - 1);
    case "decade":
      return new Dec(y >= 0 ? cdiv(y, 10) : -cdiv(8 - (y - 1), 10));
    case "century":
      return new Dec(y > 0 ? cdiv(y + 99, 100) : -cdiv(99 - (y - 1), 100));
    case "millennium":
      return new Dec(y > 0 ? cdiv(y + 999, 1000) : -cdiv(999 - (y - 1), 1000));
    case "epoch":
      return isDate ? new Dec(p.days).times(86400) : new Dec(us).div(1e6);
    case "dow":
      return new Dec((((p.days + 4) % 7) + 7) % 7);
    case "isodow":
      return new Dec(((((p.days + 4) % 7) + 7) % 7) || 7);
    case "doy":
      return new Dec(p.days - daysFromCivil(y, 1, 1) + 1);
    case "isoyear": {
      const iy = isoWeek(p.days).year;
      return new Dec(iy > 0 ? iy : iy - 1);
    }
    case "julian":
      return new Dec(p.days + 2440588).plus(new Dec(p.micros).div(USECS_PER_DAY));
    case "timezone":
    case "timezone_hour":
    case "timezone_minute":
      return new Dec(0);
  }
}

/** The display scale PostgreSQL 15's extract gives each field. */
function extractScale(f: DatePart, isDate: boolean): number {
  if (f === "second" || (f === "epoch" && !isDate)) return 6;
  if (f === "milliseconds") return 3;
  return 0;
}

const DATE_FIELDS: ReadonlySet<DatePart> = new Set(["day", "week", "month", "quarter", "year", "decade", "century", "millennium", "epoch", "dow", "isodow", "doy", "isoyear", "julian"]);

function extract(unit: string, v: number, t: SqlType, asNumeric: boolean): SqlValue {
  const f = unitOf(unit, t);
  const isDate = t.kind === "date";
  // Order of checks as PostgreSQL's: dates reject time units first, timestamps answer for infinities first.
  if (isDate && !DATE_FIELDS.has(f)) throw unsupported(unit, t);
  if (!Number.isFinite(v)) {
    if (!MONOTONIC.has(f)) return null;
    return asNumeric ? (v > 0 ? Numeric.POSITIVE_INFINITY : Numeric.NEGATIVE_INFINITY) : v;
  }
  if (t.kind === "timestamp" && f.startsWith("timezone")) throw unsupported(unit, t);
  const us = isDate ? v * USECS_PER_DAY : v;
  const d = fieldValue(f, partsOf(us), isDate, us);
  if (!asNumeric) return d.toNumber();
  return Numeric.of(d, Math.max(extractScale(f, isDate), d.decimalPlaces()));
}

const TRUNC_UNITS: ReadonlySet<DatePart> = new Set(["microseconds", "milliseconds", "second", "minute", "hour", "day", "week", "month", "quarter", "year", "decade", "century", "millennium"]);

function dateTrunc(unit: string, us: number, t: SqlType): number {
  if (!Number.isFinite(us)) return us;
  const f = UNITS[unit.toLowerCase()];
  if (f === undefined || !TRUNC_UNITS.has(f)) throw err(`unit "${unit}" not recognized for type ${typeNameForMessages(t)}`, "22023");
  const p = partsOf(us);
  let { year, month, day } = p;
  let micros = p.micros;
  switch (f) {
    case "microseconds":
      return us;
    case "milliseconds":
      micros -= micros % 1000;
      break;
    case "second":
      micros -= micros % 1e6;
      break;
    case "minute":
      micros -= micros % 60e6;
      break;
    case "hour":
      micros -= micros % 3600e6;
      break;
    case "week": {
      const dow = (((p.days + 4) % 7) + 7) % 7;
      ({ year, month, day } = civilFromDays(p.days - ((dow + 6) % 7)));
      micros = 0;
      break;
    }
    default: {
      micros = 0;
      if (f === "millennium") year = year > 0 ? cdiv(year + 999, 1000) * 1000 - 999 : -cdiv(999 - (year - 1), 1000) * 1000 + 1;
      else if (f === "century") year = year > 0 ? cdiv(year + 99, 100) * 100 - 99 : -cdiv(99 - (year - 1), 100) * 100 + 1;
      else if (f === "decade") year = year > 0 ? cdiv(year, 10) * 10 : -cdiv(8 - (year - 1), 10) * 10;
      if (f === "quarter") month = 3 * cdiv(month - 1, 3) + 1;
      else if (f !== "month" && f !== "day") month = 1;
      if (f !== "day") day = 1;
    }
  }
  return checkTimestampRange(daysFromCivil(year, month, day) * USECS_PER_DAY + micros);
}

function makeDate(y: number, m: number, d: number): number {
  const shown = `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
  // Negative years are BC; there is no year 0.
  if (y === 0) throw err(`date field value out of range: ${shown}`, "22008");
  const year = y < 0 ? y + 1 : y;
  const days = daysFromCivil(year, m, d);
  const back = civilFromDays(days);
  if (m < 1 || m > 12 || d < 1 || back.year !== year || back.month !== m || back.day !== d) throw err(`date field value out of range: ${shown}`, "22008");
  if (days < DATE_MIN || days > DATE_MAX) throw err(`date out of range: ${shown}`, "22008");
  return days;
}

function dateAdd(days: number, k: number): number {
  if (!Number.isFinite(days)) return days;
  const r = days + k;
  if (r < DATE_MIN || r > DATE_MAX) throw err("date out of range", "22008");
  return r;
}

const num = (v: SqlValue | undefined): number => v as number;
const str = (v: SqlValue | undefined): string => v as string;

export const DATETIME_FUNCTIONS: readonly Overload[] = [
  ...["now", "current_timestamp", "statement_timestamp", "transaction_timestamp"].map((name) => fn(name, [], "timestamptz", (_a, ctx) => ctx.now)),
  fn("clock_timestamp", [], "timestamptz", () => Date.now() * 1000, { volatile: true }),
  fn("to_timestamp", ["float8"], "timestamptz", ([x]) => {
    const seconds = num(x);
    if (Number.isNaN(seconds)) throw err("timestamp cannot be NaN", "22008");
    if (!Number.isFinite(seconds)) return seconds;
    return checkTimestampRange(Math.round(seconds * 1e6));
  }),
  fn("localtimestamp", [], "timestamp", (_a, ctx) => ctx.now),
  fn("current_date", [], "date", (_a, ctx) => Math.floor(ctx.now / USECS_PER_DAY)),
  ...(["timestamp", "timestamptz"] as const).flatMap((k) => [
    fn("date_part", ["text", k], "float8", ([u, v], _c, t) => extract(str(u), num(v), t[1]!, false)),
    fn("extract", ["text", k], "numeric", ([u, v], _c, t) => extract(str(u), num(v), t[1]!, true)),
    fn("date_trunc", ["text", k], k, ([u, v], _c, t) => dateTrunc(str(u), num(v), t[1]!)),
  ]),
  fn("extract", ["text", "date"], "numeric", ([u, v], _c, t) => extract(str(u), num(v), t[1]!, true)),
  fn("make_date", ["int4", "int4", "int4"], "date", ([y, m, d]) => makeDate(num(y), num(m), num(d))),
  // Timestamps with time zone are shown in UTC, the session time zone Alopex runs in.
  ...(["timestamp", "timestamptz"] as const).map((k) =>
    fn("to_char", [k, "text"], "text", ([v, f]) => (Number.isFinite(num(v)) ? timestampToChar(num(v), str(f), k === "timestamptz") : null)),
  ),
  ...(["int2", "int4", "float4", "float8"] as const).map((k) => fn("to_char", [k, "text"], "text", ([v, f]) => numberToChar(String(num(v)), str(f)))),
  fn("to_char", ["int8", "text"], "text", ([v, f]) => numberToChar(String(v), str(f))),
  fn("to_char", ["numeric", "text"], "text", ([v, f]) => numberToChar((v as Numeric).toString(), str(f))),
  fn("to_char", ["interval", "text"], "text", ([v, f]) => intervalToChar(v as Interval, str(f))),
  fn("+", ["date", "int4"], "date", ([d, k]) => dateAdd(num(d), num(k))),
  fn("+", ["int4", "date"], "date", ([k, d]) => dateAdd(num(d), num(k))),
  fn("-", ["date", "int4"], "date", ([d, k]) => dateAdd(num(d), -num(k))),
  fn("-", ["date", "date"], "int4", ([a, b]) => {
    if (!Number.isFinite(num(a)) || !Number.isFinite(num(b))) throw err("cannot subtract infinite dates", "22008");
    return num(a) - num(b);
  }),
];
