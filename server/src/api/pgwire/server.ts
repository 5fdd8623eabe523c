/**
 * PgServer: a TCP listener that speaks PostgreSQL's protocol 3.0, with one PgConnection per
 * client and sessions made by the injected factory. It owns what connections share: the TLS
 * context, the table of backend keys for CancelRequest, the connection limits, and shutdown.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { createSecureContext, type SecureContext } from "node:tls";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { Role } from "../../sql/catalog/model.js";
import type { AuthMethod } from "./authenticate.js";
import { ConnectionRegistry } from "./connection-registry.js";
import { PgConnection, type PgLogger, type SessionFactory } from "./connection.js";
import { type PgLimits, resolveLimits } from "./limits.js";
import { PgCounters, type PgServerStats } from "./stats.js";

export interface PgServerOptions {
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one (default 5432). */
  readonly port?: number;
  readonly sessionFactory: SessionFactory;
  readonly lookupRole: (name: string) => Promise<Role | undefined>;
  readonly auth: AuthMethod;
  /** PEM certificate chain and private key; with them, SSLRequest is accepted. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Refuse connections that did not negotiate TLS (28000, as pg_hba's hostssl). */
  readonly requireTls?: boolean;
  readonly limits?: Partial<PgLimits>;
  readonly logger?: PgLogger;
  /** ParameterStatus server_version; clients parse its leading number as the PostgreSQL version they talk to. */
  readonly serverVersion?: string;
  /** Randomness for backend keys and SCRAM nonces (tests may make it deterministic). */
  readonly randomBytes?: (n: number) => Buffer;
}

export const DEFAULT_SERVER_VERSION = "15.0 (Alopex)";

const silentLogger: PgLogger = { log: () => undefined };

/** TCP keepalive after this much silence, so connections to vanished clients end (PostgreSQL leaves it to the OS default). */
const KEEPALIVE_DELAY_MS = 60_000;

/** How long close() waits for connections to wind down after they were told to end. */
const CLOSE_GRACE_MS = 2000;

export class PgServer {
  private readonly server: Server;
  private readonly registry: ConnectionRegistry;
  private readonly connections = new Map<PgConnection, Promise<void>>();
  private readonly limits: PgLimits;
  private readonly logger: PgLogger;
  private readonly tlsContext: SecureContext | undefined;
  private readonly random: (n: number) => Buffer;
  private readonly mockAuthSecret: Buffer;
  private closing: Promise<void> | undefined;
  private readonly counters = new PgCounters();

  constructor(private readonly options: PgServerOptions) {
    this.limits = resolveLimits(options.limits);
    this.logger = options.logger ?? silentLogger;
    this.random = options.randomBytes ?? randomBytes;
    this.mockAuthSecret = this.random(32);
    if (options.requireTls && options.tls === undefined) throw new SqlStateError("requireTls needs a TLS certificate and key", "22023");
    this.tlsContext = options.tls === undefined ? undefined : createSecureContext({ cert: options.tls.cert, key: options.tls.key });
    this.registry = new ConnectionRegistry(this.limits.connectionsMax, () => this.random(4).readInt32BE(0));
    this.server = createServer(
      // allowHalfOpen: a client that sends its last messages and shuts down its side still gets the answers.
      { noDelay: true, keepAlive: true, keepAliveInitialDelay: KEEPALIVE_DELAY_MS, allowHalfOpen: true },
      (socket) => this.accept(socket),
    );
    this.server.on("error", (e) => this.logger.log("error", "listener error", { error: String(e) }));
  }

  /** Starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => reject(e);
      this.server.once("error", fail);
      this.server.listen(this.options.port ?? 5432, this.options.host ?? "127.0.0.1", () => {
        this.server.off("error", fail);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("the server is not listening on TCP");
    this.logger.log("info", "listening", { host: address.address, port: address.port });
    return address.port;
  }

  /** Sessions that finished startup and are still connected. */
  get sessionCount(): number {
    return this.registry.size;
  }

  /** Counters since the server started, and the connections now. */
  stats(): PgServerStats {
    return { ...this.counters, sessions: this.registry.size, pendingConnections: this.pendingCount() };
  }

  /**
   * Stops accepting connections, lets running statements finish for up to `drainMs`, then
   * cancels what still runs and closes every connection (sessions roll back their open
   * transactions as they close). Idle connections end at once with 57P01.
   */
  close(options: { drainMs?: number } = {}): Promise<void> {
    this.closing ??= this.shutdown(options.drainMs ?? 0);
    return this.closing;
  }

  private async shutdown(drainMs: number): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections.keys()) c.requestTerminate(false);
    const all = (): Promise<unknown> => Promise.allSettled([...this.connections.values()]);
    if (drainMs > 0) await raceTimeout(all(), drainMs);
    for (const c of this.connections.keys()) c.requestTerminate(true);
    // NB: a session that ignores cancel keeps its connection's promise pending; do not wait forever.
    await raceTimeout(all(), CLOSE_GRACE_MS);
    await stopped;
    this.logger.log("info", "closed", { remaining: this.connections.size });
  }

  private pendingCount(): number {
    let pending = 0;
    for (const c of this.connections.keys()) if (!c.established) pending++;
    return pending;
  }

  private accept(socket: Socket): void {
    // Guards the process: a socket error must never be unhandled, whatever state the connection is in.
    socket.on("error", () => undefined);
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    this.counters.connectionsAccepted++;
    const pending = this.pendingCount();
    if (pending >= this.limits.pendingConnectionsMax) {
      this.counters.connectionsDroppedPending++;
      this.logger.log("warn", "too many connections in startup; dropping one", { pending });
      socket.destroy();
      return;
    }
    const connection = new PgConnection(socket, {
      sessionFactory: this.options.sessionFactory,
      lookupRole: this.options.lookupRole,
      auth: this.options.auth,
      tlsContext: this.tlsContext,
      requireTls: this.options.requireTls ?? false,
      limits: this.limits,
      logger: this.logger,
      registry: this.registry,
      randomBytes: this.random,
      mockAuthSecret: this.mockAuthSecret,
      serverVersion: this.options.serverVersion ?? DEFAULT_SERVER_VERSION,
      counters: this.counters,
    });
    const done = connection.run().finally(() => this.connections.delete(connection));
    this.connections.set(connection, done);
  }
}

async function raceTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
