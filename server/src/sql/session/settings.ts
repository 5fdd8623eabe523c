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

const integer = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new SqlStateError(`invalid value for parameter: "${v}"`, "22023", { hint: `Must be an integer between ${min} and ${max}.` });
  return String(n);
};

/** Milliseconds with an optional unit (ms, s, min), as PostgreSQL's time settings take them. */
const duration = (v: string) => {
  const m = /^\s*(\d+)\s*(ms|s|min|h)?\s*$/.exec(v);
  if (!m) throw new SqlStateError(`invalid value for parameter: "${v}"`, "22023");
  const factor = { ms: 1, s: 1000, min: 60_000, h: 3_600_000 }[m[2] ?? "ms"]!;
  return String(Number(m[1]) * factor);
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
  default_transaction_read_only: { default: "off" },
  statement_timeout: { default: "0", check: duration },
  lock_timeout: { default: "0", check: duration },
  idle_in_transaction_session_timeout: { default: "0", check: duration },
  extra_float_digits: { default: "1", check: integer(-15, 3) },
  max_identifier_length: { default: "63", readOnly: true },
  work_mem: { default: "4MB" },
  "hnsw.ef_search": { default: "40", check: integer(1, 1000) },
  client_min_messages: { default: "notice" },
  bytea_output: { default: "hex" },
  synchronous_commit: { default: "on" },
  row_security: { default: "on" },
};

export class Settings {
  private readonly values = new Map<string, string>();

  constructor(overrides: Readonly<Record<string, string>> = {}) {
    for (const [k, v] of Object.entries(overrides)) this.values.set(k.toLowerCase(), v);
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
    return def?.reported ?? false;
  }

  reset(name: string): boolean {
    const key = name.toLowerCase();
    if (!SETTINGS[key] && !this.values.has(key)) throw new SqlStateError(`unrecognized configuration parameter "${name}"`, "42704");
    this.values.delete(key);
    return SETTINGS[key]?.reported ?? false;
  }

  resetAll(): void {
    for (const k of [...this.values.keys()]) if (!SETTINGS[k]?.readOnly) this.values.delete(k);
  }

  /** Every known setting with its current value (SHOW ALL). */
  all(): [string, string][] {
    const names = new Set([...Object.keys(SETTINGS), ...this.values.keys()]);
    return [...names].sort().map((n) => [n, this.get(n)]);
  }

  reported(): Map<string, string> {
    const m = new Map<string, string>();
    for (const [k, d] of Object.entries(SETTINGS)) if (d.reported) m.set(REPORTED_NAMES[k] ?? k, this.get(k));
    return m;
  }
}

/** ParameterStatus uses PostgreSQL's mixed-case spellings. */
const REPORTED_NAMES: Record<string, string> = { datestyle: "DateStyle", intervalstyle: "IntervalStyle", timezone: "TimeZone" };
