/**
 * One Alopex server process: the embedded database on its data directory with every listener
 * around it (pgwire, REST, gRPC, admin), the bootstrap superuser, metrics and logs.
 *
 * Start: admin listener (so /readyz answers "starting" during recovery) → open the database
 * (recovery; the data directory's lock refuses a second server with 55006) → bootstrap role →
 * pgwire, REST, gRPC listeners → ready.
 * Shutdown: not ready → every listener stops accepting and running statements get
 * `drain_timeout_ms` → what still runs is cancelled and every session closes (rolling back open
 * transactions) → the database closes (WAL synced) → admin closes.
 */
import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { sqlstateOf } from "../common/sqlstate-error.js";
import type { ServerConfig } from "../config/server-config.js";
import { ConfigError } from "../config/storage-config.js";
import { Database } from "../api/embedded.js";
import { AdminServer, type Readiness } from "../api/admin/admin-server.js";
import { AlopexGrpcServer } from "../api/grpc/grpc-server.js";
import { PgServer } from "../api/pgwire/index.js";
import { createRestServer } from "../api/rest/rest-server.js";
import { BasicAuthenticator, bootstrapSuperuser, trustLookup, type RoleLookup } from "../api/roles.js";
import { NodeVfs } from "../storage/index.js";
import type { SqlSession } from "../sql/session/api.js";
import { FsyncTimingVfs } from "../observability/fsync-timing-vfs.js";
import { pgLoggerOf } from "../observability/logger.js";
import { ServerMetrics, type ApiName } from "../observability/metrics.js";
import { ObservedSession, type StatementEvent } from "../observability/observed-session.js";

export interface ListeningPorts {
  readonly pgwire: number;
  readonly rest: number;
  readonly grpc: number;
  readonly admin: number;
}

/** Slow-query lines carry at most this much of the statement's text. */
const LOGGED_SQL_CHARS_MAX = 2000;
/** The database name sessions report; one database per server. */
const DATABASE_NAME = "alopex";

export class AlopexServer {
  private state: Readiness = "starting";
  private db: Database | undefined;
  private pg: PgServer | undefined;
  private rest: FastifyInstance | undefined;
  private grpc: AlopexGrpcServer | undefined;
  private readonly admin: AdminServer;
  private readonly metrics: ServerMetrics;
  private stopping: Promise<void> | undefined;
  private boundPorts: ListeningPorts | undefined;

  private constructor(
    private readonly config: ServerConfig,
    private readonly log: Logger,
  ) {
    this.metrics = new ServerMetrics({ database: () => this.db?.stats(), pgwire: () => this.pg?.stats() });
    this.admin = new AdminServer({
      readiness: () => this.state,
      unhealthy: () => this.db?.stats().storage.failure,
      metrics: () => this.metrics.exposition(),
    });
  }

  /** Starts everything; on failure, whatever started is stopped again and the error is thrown. */
  static async start(config: ServerConfig, log: Logger): Promise<AlopexServer> {
    const server = new AlopexServer(config, log);
    try {
      await server.startAll();
    } catch (e) {
      await server.stopAll(0).catch(() => undefined);
      throw e;
    }
    return server;
  }

  get ports(): ListeningPorts {
    if (this.boundPorts === undefined) throw new Error("the server is not listening yet");
    return this.boundPorts;
  }

  get readiness(): Readiness {
    return this.state;
  }

  /** Drains and stops (see the file comment); safe to call more than once. */
  shutdown(): Promise<void> {
    this.stopping ??= this.stopAll(this.config.shutdown.drain_timeout_ms);
    return this.stopping;
  }

  private async startAll(): Promise<void> {
    const c = this.config;
    const tls = readTls(c);
    const admin = await this.admin.listen(c.listen_host, c.ports.admin);
    this.log.info({ api: "admin", host: c.listen_host, port: admin }, "admin listening (healthz, readyz, metrics)");

    fs.mkdirSync(c.data_dir, { recursive: true });
    const startedMs = performance.now();
    const db = await Database.open(c.data_dir, { storage: c.storage, vfs: new FsyncTimingVfs(new NodeVfs(), (s) => this.metrics.walSynced(s)) });
    this.db = db;
    this.log.info({ dataDir: c.data_dir, recoveryMs: Math.round(performance.now() - startedMs) }, "database open");

    const { method, user, password } = c.auth;
    if (await bootstrapSuperuser(db, user, password)) this.log.info({ user, withPassword: password !== undefined }, "bootstrap superuser stored");
    if (method !== "trust" && password === undefined) this.log.warn({ method, user }, "no bootstrap password (ALOPEX_PASSWORD): only roles that already have a password can log in");
    if (method === "trust" && !isLoopback(c.listen_host)) this.log.warn({ host: c.listen_host }, "auth method trust on a non-loopback address: anyone who can reach the ports can log in");
    const catalogLookup: RoleLookup = (name) => db.getRole(name);
    const lookupRole = method === "trust" ? trustLookup(catalogLookup) : catalogLookup;
    const authenticator = new BasicAuthenticator(method, lookupRole, user);

    this.pg = new PgServer({
      host: c.listen_host,
      port: c.ports.pgwire,
      auth: method,
      lookupRole,
      sessionFactory: async ({ user: pgUser, database, parameters, processId }) => {
        const startMs = performance.now();
        const log = this.log.child({ api: "pgwire", user: pgUser });
        log.info({ database, application: parameters.get("application_name") ?? "" }, "connection authorized");
        const inner = db.session({ user: pgUser, database, settings: Object.fromEntries(parameters), backendPid: processId });
        return new ObservedSession(inner, (e) => this.statementDone("pgwire", pgUser, e), {
          onClose: () => log.info({ durationMs: Math.round(performance.now() - startMs) }, "connection closed"),
        });
      },
      ...(tls && { tls }),
      requireTls: c.tls.require,
      limits: {
        connectionsMax: c.limits.max_connections,
        messageBytesMax: c.limits.max_message_size,
        statementTimeoutMs: c.limits.statement_timeout_ms,
        idleInTransactionTimeoutMs: c.limits.idle_in_transaction_timeout_ms,
        authTimeoutMs: c.limits.auth_timeout_ms,
      },
      logger: pgLoggerOf(this.log),
    });
    const pgwire = await this.pg.listen();

    this.rest = await createRestServer({
      openSession: (u) => this.openSession("rest", u),
      kv: db,
      authenticator,
      statementTimeoutMs: c.limits.statement_timeout_ms,
      maxResultRows: c.rest.max_result_rows,
      bodyLimitBytes: c.limits.max_message_size,
      maxConnections: c.limits.max_connections,
      logger: this.log,
      ...(tls && { tls }),
      onConnection: (open) => (open ? this.metrics.connectionOpened("rest") : this.metrics.connectionClosed("rest")),
    });
    await this.rest.listen({ host: c.listen_host, port: c.ports.rest });
    const rest = (this.rest.server.address() as AddressInfo).port;
    this.log.info({ api: "rest", host: c.listen_host, port: rest }, "listening");

    this.grpc = new AlopexGrpcServer({
      openSession: (u) => this.openSession("grpc", u),
      kv: db.kv,
      authenticator,
      statementTimeoutMs: c.limits.statement_timeout_ms,
      sessionTimeoutMs: c.grpc.session_timeout_ms,
      maxSessions: c.grpc.max_sessions,
      maxMessageBytes: c.limits.max_message_size,
      logger: this.log,
      ...(tls && { tls }),
      onSession: (open) => (open ? this.metrics.connectionOpened("grpc") : this.metrics.connectionClosed("grpc")),
    });
    const grpc = await this.grpc.listen(c.listen_host, c.ports.grpc);
    this.log.info({ api: "grpc", host: c.listen_host, port: grpc }, "listening");

    this.boundPorts = { pgwire, rest, grpc, admin };
    this.state = "ready";
    this.grpc.setServing(true);
    this.log.info({ ports: this.boundPorts, dataDir: c.data_dir, auth: method, pid: process.pid }, "ready");
  }

  private async stopAll(drainMs: number): Promise<void> {
    if (this.state === "ready") this.log.info({ drainTimeoutMs: drainMs }, "shutting down: draining");
    this.state = "draining";
    const stops: Promise<unknown>[] = [];
    if (this.pg) stops.push(this.pg.close({ drainMs }));
    if (this.grpc) stops.push(this.grpc.close(drainMs));
    if (this.rest) stops.push(closeFastify(this.rest, drainMs));
    const results = await Promise.allSettled(stops);
    for (const r of results) if (r.status === "rejected") this.log.error({ err: r.reason }, "a listener failed to close");
    if (this.db) {
      const stats = this.db.stats().transactions;
      await this.db.close();
      this.log.info({ commits: stats.commits, aborts: stats.aborts }, "database closed");
    }
    await this.admin.close();
  }

  private openSession(api: ApiName, user: string): SqlSession {
    const db = this.db;
    if (db === undefined) throw new Error("the database is not open");
    const timeoutMs = this.config.limits.statement_timeout_ms;
    const settings = timeoutMs > 0 ? { statement_timeout: String(timeoutMs) } : undefined;
    return new ObservedSession(db.session({ user, database: DATABASE_NAME, ...(settings && { settings }) }), (e) => this.statementDone(api, user, e));
  }

  private statementDone(api: ApiName, user: string, e: StatementEvent): void {
    const sqlstate = e.error === undefined ? undefined : (sqlstateOf(e.error) ?? "XX000");
    this.metrics.statementFinished(api, e.command, e.durationMs / 1000, sqlstate);
    if (e.durationMs >= this.config.log.slow_query_ms) {
      const sql = e.sql.length > LOGGED_SQL_CHARS_MAX ? `${e.sql.slice(0, LOGGED_SQL_CHARS_MAX)}...` : e.sql;
      this.log.warn({ api, user, durationMs: Math.round(e.durationMs * 10) / 10, command: e.command, ...(sqlstate && { sqlstate }), sql }, "slow query");
    }
    if (sqlstate?.startsWith("XX")) this.log.error({ api, user, err: e.error }, "statement failed with an internal error");
  }
}

function readTls(c: ServerConfig): { cert: Buffer; key: Buffer } | undefined {
  const { cert_file, key_file } = c.tls;
  if (cert_file === undefined || key_file === undefined) return undefined;
  const read = (file: string, what: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new ConfigError(`cannot read the TLS ${what} ${file}: ${(e as Error).message}`);
    }
  };
  return { cert: read(cert_file, "certificate"), key: read(key_file, "key") };
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** Fastify's close waits for requests in flight; past the drain time their sockets are cut (which cancels their statements). */
async function closeFastify(app: FastifyInstance, drainMs: number): Promise<void> {
  const closed = app.close();
  let timer: NodeJS.Timeout | undefined;
  const late = await Promise.race([closed.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), drainMs)))]);
  clearTimeout(timer);
  if (late) {
    app.server.closeAllConnections();
    await closed;
  }
}
