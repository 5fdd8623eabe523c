/** The PostgreSQL wire protocol (v3) server: PgServer and what configuring it needs. */
export { PgServer, DEFAULT_SERVER_VERSION, type PgServerOptions } from "./server.js";
export type { LogLevel, PgLogger, SessionFactory, SessionStartup } from "./connection.js";
export type { AuthMethod } from "./authenticate.js";
export { DEFAULT_LIMITS, type PgLimits } from "./limits.js";
export { makeScramVerifier, parseScramVerifier, verifyScramPassword, type ScramVerifier } from "./scram.js";
export type { PgServerStats } from "./stats.js";
