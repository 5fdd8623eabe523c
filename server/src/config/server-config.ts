/**
 * The server's configuration: listeners, authentication, TLS, limits, logging, shutdown and the
 * storage settings, as one zod schema with snake_case keys (the same names in a config file, in
 * `ALOPEX_*` environment variables and behind command-line flags; see load-server-config.ts).
 */
import * as os from "node:os";
import * as path from "node:path";
import { z } from "zod";
import { parseSizeBytes } from "./size.js";
import { storageConfigSchema } from "./storage-config.js";

const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  try {
    return parseSizeBytes(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: (e as Error).message });
    return z.NEVER;
  }
});

/** 0 asks the OS for a free port (tests; the bound port is logged). */
const port = z.number().int().min(0).max(65535);
const durationMs = z.number().int().min(0).max(2 ** 31 - 1);

export const AUTH_METHODS = ["trust", "password", "scram-sha-256"] as const;
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** The data directory when none is configured. */
export const DEFAULT_DATA_DIR = path.join(os.homedir(), ".alopex", "data");

const authSchema = z
  .object({
    /**
     * `trust` lets any user name in without a password (local use); `scram-sha-256` and
     * `password` check the role's SCRAM verifier. Unset: scram-sha-256 when a bootstrap password
     * is given, trust otherwise.
     */
    method: z.enum(AUTH_METHODS).optional(),
    /** The bootstrap superuser, created (or given `password`) at startup. */
    user: z
      .string()
      .min(1)
      .max(63)
      .regex(/^[^\0]+$/, "must not contain NUL")
      .default("alopex"),
    /** The bootstrap superuser's password; stored only as a SCRAM-SHA-256 verifier. */
    password: z.string().min(1).optional(),
  })
  .strict()
  .transform((a) => ({ ...a, method: a.method ?? (a.password === undefined ? "trust" : "scram-sha-256") }));

const tlsSchema = z
  .object({
    /** PEM certificate chain; with key_file, pgwire accepts SSLRequest and REST/gRPC serve TLS. */
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** pgwire refuses connections that did not negotiate TLS (28000). */
    require: z.boolean().default(false),
  })
  .strict()
  .superRefine((t, ctx) => {
    if ((t.cert_file === undefined) !== (t.key_file === undefined)) {
      ctx.addIssue({ code: "custom", message: "cert_file and key_file go together" });
    }
    if (t.require && t.cert_file === undefined) ctx.addIssue({ code: "custom", path: ["require"], message: "require needs cert_file and key_file" });
  });

const limitsSchema = z
  .object({
    /** pgwire sessions at once (53300 past it); also the REST listener's socket limit. */
    max_connections: z.number().int().min(1).max(100_000).default(100),
    /** Largest pgwire message, REST body and gRPC message. */
    max_message_size: size.default(64 * 1024 * 1024),
    /** Default statement_timeout of every session (0: none). */
    statement_timeout_ms: durationMs.default(0),
    /** pgwire: a session idle inside a transaction this long is ended (0: never). */
    idle_in_transaction_timeout_ms: durationMs.default(0),
    /** pgwire: from accept to the end of authentication. */
    auth_timeout_ms: durationMs.min(1).default(60_000),
  })
  .strict()
  .superRefine((l, ctx) => {
    if (l.max_message_size < 10_000) ctx.addIssue({ code: "custom", path: ["max_message_size"], message: "must be at least 10000 bytes" });
  });

const logSchema = z
  .object({
    level: z.enum(LOG_LEVELS).default("info"),
    /** `auto`: pretty when stdout is a terminal, JSON lines otherwise. */
    format: z.enum(["auto", "json", "pretty"]).default("auto"),
    /** Statements that take at least this long are logged at warn (0: every statement). */
    slow_query_ms: durationMs.default(1000),
  })
  .strict();

const serverSchema = z
  .object({
    data_dir: z.string().min(1).default(DEFAULT_DATA_DIR),
    /** Address every listener binds; 0.0.0.0 (or ::) for all interfaces. */
    listen_host: z.string().min(1).default("127.0.0.1"),
    ports: z
      .object({ pgwire: port.default(5432), rest: port.default(8080), grpc: port.default(9090), admin: port.default(8081) })
      .strict()
      .prefault({}),
    auth: authSchema.prefault({}),
    tls: tlsSchema.prefault({}),
    limits: limitsSchema.prefault({}),
    log: logSchema.prefault({}),
    shutdown: z
      .object({
        /** On SIGTERM/SIGINT, running statements get this long before they are cancelled. */
        drain_timeout_ms: durationMs.default(10_000),
      })
      .strict()
      .prefault({}),
    grpc: z
      .object({
        /** A Begin session unused this long is rolled back and forgotten. */
        session_timeout_ms: durationMs.min(1).default(60_000),
        /** Begin sessions at once (RESOURCE_EXHAUSTED past it). */
        max_sessions: z.number().int().min(1).max(100_000).default(1000),
      })
      .strict()
      .prefault({}),
    rest: z
      .object({
        /** Rows one /v1/sql answer may hold (54000 past it; stream larger results over gRPC or pgwire). */
        max_result_rows: z.number().int().min(1).default(100_000),
      })
      .strict()
      .prefault({}),
    storage: storageConfigSchema.prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Map<number, string>();
    for (const [name, p] of Object.entries(c.ports)) {
      if (p === 0) continue;
      const other = seen.get(p);
      if (other !== undefined) ctx.addIssue({ code: "custom", path: ["ports", name], message: `port ${p} is also the ${other} port` });
      seen.set(p, name);
    }
  });

export const serverConfigSchema = serverSchema;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;
export type ServerConfig = z.output<typeof serverConfigSchema>;
export type AuthMethodName = (typeof AUTH_METHODS)[number];
export type LogLevelName = (typeof LOG_LEVELS)[number];
