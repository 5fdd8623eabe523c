/**
 * The server's log: pino, one JSON object per line (pretty, coloured lines when stdout is a
 * terminal). Writes are synchronous so that nothing is lost when the process exits right after
 * logging (a refused start, the end of a drain).
 */
import { pino, type Logger } from "pino";
import { PinoPretty } from "pino-pretty";
import type { LogLevelName } from "../config/server-config.js";
import type { PgLogger } from "../api/pgwire/index.js";

export type { Logger } from "pino";

export interface LoggerOptions {
  readonly level: LogLevelName;
  readonly format: "auto" | "json" | "pretty";
  /** Where lines go (stdout by default); tests pass a stream they read. */
  readonly destination?: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** A logger per the config's `log` section. */
export function createLogger(options: LoggerOptions): Logger {
  const out = options.destination ?? process.stdout;
  const pretty = options.format === "pretty" || (options.format === "auto" && out.isTTY === true);
  const base = { level: options.level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (pretty) return pino(base, PinoPretty({ destination: out, sync: true, colorize: out.isTTY === true, translateTime: "SYS:standard", ignore: "pid,hostname", singleLine: true }));
  if (options.destination !== undefined) return pino(base, options.destination);
  return pino(base, pino.destination({ dest: 1, sync: true }));
}

/** The wire server's logger interface over pino, its lines tagged `api: "pgwire"`. */
export function pgLoggerOf(logger: Logger): PgLogger {
  const child = logger.child({ api: "pgwire" });
  return { log: (level, message, fields) => child[level]({ ...fields }, message) };
}
