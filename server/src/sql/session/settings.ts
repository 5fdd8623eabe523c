/**
 * Session settings (SET / SHOW / RESET): PostgreSQL's names and defaults for what clients read
 * at startup, plus Alopex's own (hnsw.ef_search). Values are kept as text, as PostgreSQL does.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";

export interface SettingDef {
  readonly default: string;
  /** Reported to the client in ParameterStatus when it changes. */
  readonly reported?: boolean;
  /** Normalises and validates a new value (throws 22023 on a bad one). */
  readonly check?: (value: string) => string;
  readonly readOnly?: boolean;
}

/** An integer setting, with PostgreSQL's messages for text that is not one and for values out of range. */
const integer = (name: string, min: number, max: number) => (v: string) => {
  const num = leadingNumber(v);
  if (!num || num.rest.trim() !== "" || !Number.isFinite(num.value)) throw new SqlStateError(`invalid value for parameter "${name}": "${v}"`, "22023");
  const n = roundHalfEven(num.value);
  if (n < min || n > max) throw new SqlStateError(`${n} is outside the valid range for parameter "${name}" (${min} .. ${max})`, "22023");
  return String(n);
};

/** Time units of a millisecond setting, largest first, in ms (PostgreSQL's time_unit_conversion_table). */
const TIME_UNITS: readonly (readonly [string, number])[] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1000],
  ["ms", 1],
  ["us", 0.001],
];

/** The milliseconds a time setting's text stands for: a number with an optional unit; a bare number is ms. */
function parseDurationMs(name: string, v: string): number {
  const invalid = (hint?: string) => new SqlStateError(`invalid value for parameter "${name}": "${v}"`, "22023", hint ? { hint } : undefined);
  const num = leadingNumber(v);
  if (!num || !Number.isFinite(num.value)) throw invalid();
  const unit = num.rest.trim();
  let ms = num.value;
  if (unit !== "") {
    const u = TIME_UNITS.find(([x]) => x === unit);
    if (!u || /\s/.test(unit)) throw invalid('Valid units for this parameter are "us", "ms", "s", "min", "h", and "d".');
    ms = num.value * u[1];
  }
  ms = roundHalfEven(ms);
  if (ms < 0 || ms > INT_MAX) throw new SqlStateError(`${ms} ms is outside the valid range for parameter "${name}" (0 .. ${INT_MAX})`, "22023");
  return ms;
}

/** As SHOW prints a time setting: 0, or in the largest unit that divides it. */
function formatDurationMs(ms: number): string {
  if (ms === 0) return "0";
  for (const [unit, size] of TIME_UNITS) if (size >= 1 && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

const duration = (name: string) => (v: string) => formatDurationMs(parseDurationMs(name, v));

/**
 * Values parsed before, by their text (the result depends on nothing else; `name` only words
 * errors, which are not kept). Every statement of every session reads the same few values.
 */
const MAX_PARSED = 64;
const parsedDurations = new Map<string, number>();
const parsedWorkMem = new Map<string, number>();

function remember(cache: Map<string, number>, text: string, value: number): number {
  if (cache.size >= MAX_PARSED) cache.clear();
  cache.set(text, value);
  return value;
}

/** The milliseconds of a time setting's value (as kept, or given as a session option). */
export function durationMs(name: string, value: string): number {
  return parsedDurations.get(value) ?? remember(parsedDurations, value, parseDurationMs(name, value));
}

/** Memory units of a kB-based setting, largest first, with their size in kB (PostgreSQL's memory_unit_conversion_table). */
const MEMORY_UNITS: readonly (readonly [string, number])[] = [
  ["TB", 1024 ** 3],
  ["GB", 1024 ** 2],
  ["MB", 1024],
  ["kB", 1],
  ["B", 1 / 1024],
];

const INT_MAX = 2147483647;
const WORK_MEM_MIN_KB = 64;

/**
 * A number as PostgreSQL's parse_int reads it: strtol with base 0 (so 0x1F is hex and 017 is
 * octal), or strtod when a '.' or exponent follows the digits. Returns the value and the rest.
 */
function leadingNumber(v: string): { value: number; rest: string } | undefined {
  const int = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(v);
  const next = int ? v[int[0].length] : undefined;
  if (int && next !== "." && next !== "e" && next !== "E") {
    const digits = int[2]!;
    const magnitude = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith("0") ? parseInt(digits.slice(1), 8) : Number(digits);
    return { value: int[1] === "-" ? -magnitude : magnitude, rest: v.slice(int[0].length) };
  }
  const dbl = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(v);
  if (!dbl) return undefined;
  return { value: Number(dbl[0]), rest: v.slice(dbl[0].length) };
}

/**
 * A memory setting in kB, as PostgreSQL takes it: a number with an optional unit (B, kB, MB,
 * GB, TB; case-sensitive, spaces allowed around it); a bare number is kB; fractions round to
 * the nearest kB.
 */
function parseMemoryKb(name: string, v: string, min: number, max: number): number {
  const invalid = (hint?: string) => new SqlStateError(`invalid value for parameter "${name}": "${v}"`, "22023", hint ? { hint } : undefined);
  const num = leadingNumber(v);
  if (!num || !Number.isFinite(num.value)) throw invalid();
  let kb = num.value;
  const unit = num.rest.trim();
  if (unit !== "") {
    const i = /\s/.test(unit) ? -1 : MEMORY_UNITS.findIndex(([u]) => u === unit);
    if (i < 0) throw invalid('Valid units for this parameter are "B", "kB", "MB", "GB", and "TB".');
    kb = num.value * MEMORY_UNITS[i]![1];
    // A fractional value rounds to the next smaller unit ("1.5GB" is 1536MB), as guc.c does.
    const smaller = MEMORY_UNITS[i + 1];
    if (smaller) kb = roundHalfEven(kb / smaller[1]) * smaller[1];
  }
  kb = roundHalfEven(kb);
  if (kb > INT_MAX || kb < -INT_MAX - 1) throw invalid("Value exceeds integer range.");
  if (kb < min || kb > max) throw new SqlStateError(`${kb} kB is outside the valid range for parameter "${name}" (${min} .. ${max})`, "22023");
  return kb;
}

const memoryKb = (name: string, min: number, max: number) => (v: string) => formatMemoryKb(parseMemoryKb(name, v, min, max));

/** C's rint in the default rounding mode: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** As SHOW prints it: in the largest unit that divides it. */
function formatMemoryKb(kb: number): string {
  for (const [unit, size] of MEMORY_UNITS) if (size >= 1 && kb % size === 0) return `${kb / size}${unit}`;
  return `${kb}kB`;
}

/** The bytes work_mem's text stands for (validated again: session options bypass SET's check). */
export function workMemBytes(value: string): number {
  return parsedWorkMem.get(value) ?? remember(parsedWorkMem, value, parseMemoryKb("work_mem", value, WORK_MEM_MIN_KB, INT_MAX) * 1024);
}

/** A boolean setting as PostgreSQL's parse_bool reads it (on, off, true, false, yes, no, 1, 0 and unique prefixes), kept as on/off. */
const boolean = (name: string) => (v: string) => {
  const s = v.trim().toLowerCase();
  const on = ["true", "yes", "on", "1"];
  const off = ["false", "no", "off", "0"];
  // "o" alone is ambiguous (on/off); every other prefix names one word.
  if (s.length > 0 && s !== "o") {
    if (on.some((w) => w.startsWith(s))) return "on";
    if (off.some((w) => w.startsWith(s))) return "off";
  }
  throw new SqlStateError(`parameter "${name}" requires a Boolean value`, "22023");
};

const isolation = (v: string) => {
  const s = v.toLowerCase().replace(/[-_]/g, " ");
  if (!["read uncommitted", "read committed", "repeatable read", "snapshot", "serializable"].includes(s)) throw new SqlStateError(`invalid value for parameter "default_transaction_isolation": "${v}"`, "22023");
  return s;
};

export const SETTINGS: Readonly<Record<string, SettingDef>> = {
  server_version: { default: "15.0 (Alopex 0.1.0)", reported: true, readOnly: true },
  server_version_num: { default: "150000", readOnly: true },
  server_encoding: { default: "UTF8", reported: true, readOnly: true },
  client_encoding: {
    default: "UTF8",
    reported: true,
    check: (v) => {
      if (!/^utf-?8$/i.test(v) && !/^unicode$/i.test(v)) throw new SqlStateError(`invalid value for parameter "client_encoding": "${v}"`, "22023");
      return "UTF8";
    },
  },
  datestyle: { default: "ISO, MDY", reported: true },
  intervalstyle: { default: "postgres", reported: true },
  timezone: { default: "UTC", reported: true },
  integer_datetimes: { default: "on", reported: true, readOnly: true },
  standard_conforming_strings: { default: "on", reported: true },
  application_name: { default: "", reported: true },
  is_superuser: { default: "on", reported: true, readOnly: true },
  session_authorization: { default: "", reported: true, readOnly: true },
  search_path: { default: '"$user", public' },
  default_transaction_isolation: { default: "snapshot", check: isolation },
  default_transaction_read_only: { default: "off", check: boolean("default_transaction_read_only") },
  statement_timeout: { default: "0", check: duration("statement_timeout") },
  lock_timeout: { default: "0", check: duration("lock_timeout") },
  idle_in_transaction_session_timeout: { default: "0", check: duration("idle_in_transaction_session_timeout") },
  extra_float_digits: { default: "1", check: integer("extra_float_digits", -15, 3) },
  max_identifier_length: { default: "63", readOnly: true },
  work_mem: { default: "4MB", check: memoryKb("work_mem", WORK_MEM_MIN_KB, INT_MAX) },
  "hnsw.ef_search": { default: "40", check: integer("hnsw.ef_search", 1, 1000) },
  client_min_messages: { default: "notice" },
  bytea_output: { default: "hex" },
  synchronous_commit: { default: "on" },
  row_security: { default: "on" },
};

export class Settings {
  private readonly values = new Map<string, string>();
  private changes = 0;

  /** `sessionAuthorization`: the session's role, unless `overrides` names another. */
  constructor(overrides?: Readonly<Record<string, string>>, sessionAuthorization?: string) {
    if (sessionAuthorization !== undefined) this.values.set("session_authorization", sessionAuthorization);
    if (overrides !== undefined) for (const [k, v] of Object.entries(overrides)) this.values.set(k.toLowerCase(), v);
  }

  /** Changes whenever a value may have: what is derived from the values can be kept until then. */
  get version(): number {
    return this.changes;
  }

  get(name: string): string {
    const key = name.toLowerCase();
    const v = this.values.get(key);
    if (v !== undefined) return v;
    const def = SETTINGS[key];
    if (def) return def.default;
    if (key.includes(".")) throw new SqlStateError(`unrecognized configuration parameter "${name}"`, "42704");
    throw new SqlStateError(`unrecognized configuration parameter "${name}"`, "42704");
  }

  /** Sets a value; returns true when the client must be told (ParameterStatus). */
  set(name: string, value: string): boolean {
    const key = name.toLowerCase();
    const def = SETTINGS[key];
    if (!def && !key.includes(".")) throw new SqlStateError(`unrecognized configuration parameter "${name}"`, "42704");
    if (def?.readOnly) throw new SqlStateError(`parameter "${name}" cannot be changed`, "55P02");
    this.values.set(key, def?.check ? def.check(value) : value);
    this.changes++;
    return def?.reported ?? false;
  }

  reset(name: string): boolean {
    const key = name.toLowerCase();
    if (!SETTINGS[key] && !this.values.has(key)) throw new SqlStateError(`unrecognized configuration parameter "${name}"`, "42704");
    this.values.delete(key);
    this.changes++;
    return SETTINGS[key]?.reported ?? false;
  }

  /** The values set in this session (not defaults), to go back to with restore. */
  snapshot(): Map<string, string> {
    return new Map(this.values);
  }

  restore(snapshot: ReadonlyMap<string, string>): void {
    this.changes++;
    this.values.clear();
    for (const [k, v] of snapshot) this.values.set(k, v);
  }

  /** The value SET gave a setting, or undefined while it has its default. */
  setValue(name: string): string | undefined {
    return this.values.get(name.toLowerCase());
  }

  /** Puts back what setValue returned (undefined: the default). */
  restoreValue(name: string, value: string | undefined): void {
    this.changes++;
    if (value === undefined) this.values.delete(name.toLowerCase());
    else this.values.set(name.toLowerCase(), value);
  }

  resetAll(): void {
    this.changes++;
    for (const k of [...this.values.keys()]) if (!SETTINGS[k]?.readOnly) this.values.delete(k);
  }

  /** Every known setting with its current value (SHOW ALL). */
  all(): [string, string][] {
    const names = new Set([...Object.keys(SETTINGS), ...this.values.keys()]);
    return [...names].sort().map((n) => [n, this.get(n)]);
  }

  /**
   * The values ParameterStatus reports, by their reported names. The wire protocol reads them
   * at every ReadyForQuery: the map is kept until a setting changes (do not modify it).
   */
  reported(): ReadonlyMap<string, string> {
    if (this.reportedCache?.version === this.changes) return this.reportedCache.map;
    const m = new Map<string, string>();
    for (const [k, d] of Object.entries(SETTINGS)) if (d.reported) m.set(REPORTED_NAMES[k] ?? k, this.get(k));
    this.reportedCache = { version: this.changes, map: m };
    return m;
  }

  private reportedCache: { readonly version: number; readonly map: ReadonlyMap<string, string> } | undefined;
}

/** ParameterStatus uses PostgreSQL's mixed-case spellings. */
const REPORTED_NAMES: Record<string, string> = { datestyle: "DateStyle", intervalstyle: "IntervalStyle", timezone: "TimeZone" };
