/**
 * What a startup packet asks for: the user and database, and run-time settings given either as
 * parameters of their own (`application_name`, `statement_timeout`, ...) or inside `options`
 * (`-c name=value`, `--name=value`), as PostgreSQL accepts them.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";

export interface StartupRequest {
  readonly user: string;
  readonly database: string;
  /** The raw `options` parameter ("" when absent). */
  readonly options: string;
  /** Every setting from the packet, `options` included (later ones win), without user/database/options/_pq_.*. */
  readonly settings: ReadonlyMap<string, string>;
  /** `_pq_.*` protocol extensions the client asked for; none is supported. */
  readonly protocolExtensions: readonly string[];
}

const NOT_SETTINGS = new Set(["user", "database", "options", "replication"]);

/** Reads the startup parameters (28000 without a user, 22023 for a malformed `options`). */
export function parseStartupParameters(parameters: ReadonlyMap<string, string>): StartupRequest {
  const user = parameters.get("user");
  if (user === undefined || user === "") throw new SqlStateError("no PostgreSQL user name specified in startup packet", "28000");
  const database = parameters.get("database") || user;
  const options = parameters.get("options") ?? "";
  const settings = new Map<string, string>();
  const protocolExtensions: string[] = [];
  for (const [name, value] of parameters) {
    if (name.startsWith("_pq_.")) protocolExtensions.push(name);
    else if (!NOT_SETTINGS.has(name)) settings.set(name, value);
  }
  for (const [name, value] of parseOptions(options)) settings.set(name, value);
  return { user, database, options, settings, protocolExtensions };
}

/**
 * The settings in an `options` string: words split at unescaped whitespace (`\` escapes the
 * next character), each `-c name=value` or `--name=value`, as PostgreSQL's pg_split_opts and
 * process_postgres_switches read them. Dashes in names become underscores, as there.
 */
export function parseOptions(options: string): Map<string, string> {
  const words = splitOptions(options);
  const out = new Map<string, string>();
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    let assignment: string;
    if (word === "-c") {
      const next = words[++i];
      if (next === undefined) throw invalidOptions(options);
      assignment = next;
    } else if (word.startsWith("-c")) assignment = word.slice(2);
    else if (word.startsWith("--")) assignment = word.slice(2);
    else throw invalidOptions(options);
    const eq = assignment.indexOf("=");
    if (eq <= 0) throw new SqlStateError(`-c ${assignment} requires a value`, "42601");
    out.set(assignment.slice(0, eq).replace(/-/g, "_"), assignment.slice(eq + 1));
  }
  return out;
}

function splitOptions(options: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < options.length; i++) {
    const ch = options[i]!;
    if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      inWord = true;
      if (ch === "\\" && i + 1 < options.length) word += options[++i];
      else word += ch;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function invalidOptions(options: string): SqlStateError {
  return new SqlStateError(`invalid command-line argument for server process: ${options}`, "22023");
}

const TIME_UNITS_MS: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * A millisecond setting as PostgreSQL reads one: a number with an optional unit (us, ms, s, min,
 * h, d; ms when none). 0 disables. 22023 for anything else, PostgreSQL's wording.
 */
export function parseMillisecondsSetting(name: string, value: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(value);
  const ms = m === null ? NaN : Math.round(Number(m[1]) * TIME_UNITS_MS[m[2] ?? "ms"]!);
  if (!Number.isFinite(ms) || ms > MAX_TIMEOUT_MS) {
    throw new SqlStateError(`invalid value for parameter "${name}": "${value}"`, "22023");
  }
  return ms;
}

/** Client encodings that need no conversion from UTF-8 (SQL_ASCII clients take the bytes as they are). */
const ACCEPTED_CLIENT_ENCODINGS = new Set(["utf8", "utf-8", "unicode", "sql_ascii", "auto"]);

/** Checks the requested client_encoding: Alopex speaks UTF-8 only and does not convert. */
export function checkClientEncoding(value: string | undefined): void {
  if (value === undefined || ACCEPTED_CLIENT_ENCODINGS.has(value.trim().toLowerCase())) return;
  const e = new SqlStateError(`invalid value for parameter "client_encoding": "${value}"`, "22023");
  throw Object.assign(e, { detail: "Alopex supports only the UTF8 client encoding." });
}
