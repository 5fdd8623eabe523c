/**
 * `alopex server`: loads the configuration, starts every listener on the data directory and
 * runs until SIGTERM or SIGINT, which drain and stop it (exit 0). A second signal during the
 * drain exits at once (1). A start that fails (data directory in use, port taken, bad TLS
 * files) is logged and exits 1.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { AUTH_METHODS, LOG_LEVELS } from "../config/server-config.js";
import { loadServerConfig, type FlagValue } from "../config/load-server-config.js";
import { ConfigError } from "../config/storage-config.js";
import { sqlstateOf } from "../common/sqlstate-error.js";
import type { AlopexServer } from "../server/alopex-server.js";

function integer(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError("expected a non-negative integer");
  return Number(v);
}

/** Each flag and the config key it sets. */
const FLAGS: readonly { readonly option: Option; readonly key: string }[] = [
  { option: new Option("--host <address>", "address every listener binds (listen_host; 0.0.0.0 for all)"), key: "listen_host" },
  { option: new Option("--pgwire-port <port>", "PostgreSQL protocol port (default 5432; 0 picks a free one)").argParser(integer), key: "ports.pgwire" },
  { option: new Option("--rest-port <port>", "REST port (default 8080)").argParser(integer), key: "ports.rest" },
  { option: new Option("--grpc-port <port>", "gRPC port (default 9090)").argParser(integer), key: "ports.grpc" },
  { option: new Option("--admin-port <port>", "admin port: /healthz /readyz /metrics (default 8081)").argParser(integer), key: "ports.admin" },
  { option: new Option("--auth <method>", "authentication (default trust, or scram-sha-256 when ALOPEX_PASSWORD is set)").choices(AUTH_METHODS), key: "auth.method" },
  { option: new Option("--user <name>", "bootstrap superuser (default alopex; its password comes from ALOPEX_PASSWORD or the config file)"), key: "auth.user" },
  { option: new Option("--tls-cert <file>", "PEM certificate chain (enables TLS)"), key: "tls.cert_file" },
  { option: new Option("--tls-key <file>", "PEM private key"), key: "tls.key_file" },
  { option: new Option("--require-tls", "refuse pgwire connections without TLS"), key: "tls.require" },
  { option: new Option("--max-connections <n>", "pgwire sessions at once (default 100)").argParser(integer), key: "limits.max_connections" },
  { option: new Option("--statement-timeout-ms <ms>", "default statement timeout (0: none)").argParser(integer), key: "limits.statement_timeout_ms" },
  { option: new Option("--log-level <level>", "log level (default info)").choices(LOG_LEVELS), key: "log.level" },
  { option: new Option("--log-format <format>", "auto (pretty on a terminal) | json | pretty").choices(["auto", "json", "pretty"]), key: "log.format" },
  { option: new Option("--slow-query-ms <ms>", "log statements slower than this (default 1000; 0 logs all)").argParser(integer), key: "log.slow_query_ms" },
  { option: new Option("--drain-timeout-ms <ms>", "on SIGTERM, how long running statements may finish (default 10000)").argParser(integer), key: "shutdown.drain_timeout_ms" },
];

export interface GlobalConfigFlags {
  readonly config?: string;
  readonly flags: readonly FlagValue[];
}

export function addServerCommand(program: Command, globals: () => GlobalConfigFlags): void {
  const cmd = program
    .command("server")
    .description("run the server: PostgreSQL protocol, REST, gRPC and admin listeners on the data directory")
    .addHelpText(
      "after",
      "\nEvery setting can also come from the config file (--config, YAML or JSON) or ALOPEX_* variables;\nflags win over variables, which win over the file. See README.md.",
    );
  for (const f of FLAGS) cmd.addOption(f.option);
  cmd.action(async (opts: Record<string, unknown>) => {
    const g = globals();
    const flags: FlagValue[] = [...g.flags];
    for (const f of FLAGS) {
      const name = f.option.attributeName();
      if (opts[name] !== undefined) flags.push({ key: f.key, value: opts[name], flag: f.option.long ?? name });
    }
    const config = loadServerConfig({ ...(g.config !== undefined && { file: g.config }), flags });
    // Loaded on use: the listeners' frameworks cost every other command startup time.
    const [{ createLogger }, { AlopexServer }] = await Promise.all([import("../observability/logger.js"), import("../server/alopex-server.js")]);
    const log = createLogger(config.log);
    let server: AlopexServer;
    try {
      server = await AlopexServer.start(config, log);
    } catch (e) {
      const sqlstate = sqlstateOf(e);
      const code = (e as { code?: unknown }).code;
      // Expected refusals (lock held, port taken, unreadable files) need no stack trace.
      const expected = sqlstate !== undefined || typeof code === "string" || e instanceof ConfigError;
      log.fatal(expected ? { error: e instanceof Error ? e.message : String(e), ...(sqlstate && { sqlstate }), ...(typeof code === "string" && { code }) } : { err: e }, "could not start");
      const hint = sqlstate === "55006" ? " (another server runs on this data directory; stop it or pick another with --data-dir)" : "";
      process.stderr.write(`alopex: could not start: ${e instanceof Error ? e.message : String(e)}${sqlstate ? ` (SQLSTATE ${sqlstate})` : ""}${hint}\n`);
      process.exit(1);
    }
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        log.warn({ signal }, "second signal during shutdown: exiting without finishing the drain");
        process.exit(1);
      }
      log.info({ signal }, "signal received");
      server.shutdown().then(
        () => {
          log.info("stopped");
          process.exit(0);
        },
        (e: unknown) => {
          log.fatal({ err: e }, "shutdown failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
