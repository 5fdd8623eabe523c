/**
 * One client connection, from the first byte to the end: encryption negotiation, the startup
 * packet, authentication, the session's greeting (ParameterStatus, BackendKeyData,
 * ReadyForQuery), then the simple and extended query protocols until Terminate.
 *
 * Error handling follows PostgreSQL: a statement error is an ErrorResponse and the connection
 * goes on (in the extended protocol, skipping messages until Sync); a protocol violation is a
 * FATAL 08P01 and ends this connection only. Nothing a client sends can throw past `run`.
 */
import type { Socket } from "node:net";
import type { SecureContext } from "node:tls";
import { SqlStateError, sqlstateOf } from "../../common/sqlstate-error.js";
import type { Role } from "../../sql/catalog/model.js";
import type { SqlSession, StatementResult } from "../../sql/session/api.js";
import { authenticate, type AuthMethod } from "./authenticate.js";
import {
  authenticationOk,
  backendKeyData,
  commandComplete,
  emptyQueryResponse,
  encryptionResponse,
  errorResponse,
  negotiateProtocolVersion,
  noticeResponse,
  parameterStatus,
  readyForQuery,
  rowDescription,
  TEXT_FORMAT,
} from "./backend-messages.js";
import type { BackendKey, ConnectionRegistry } from "./connection-registry.js";
import { runCopy } from "./copy.js";
import { ClientGone, type ErrorFields, errorFieldsOf, ProtocolViolation } from "./errors.js";
import { ExtendedQuery } from "./extended-query.js";
import { type FrontendMessage, PROTOCOL_3_0, type StartupPacket } from "./frontend-messages.js";
import type { PgLimits } from "./limits.js";
import { type QueryContext, sendRows } from "./query-context.js";
import { SocketChannel } from "./socket-channel.js";
import { checkClientEncoding, parseMillisecondsSetting, parseStartupParameters, type StartupRequest } from "./startup-parameters.js";
import type { PgCounters } from "./stats.js";
import { rowFields } from "./value-format.js";

/** What the session factory is told about the client. */
export interface SessionStartup {
  readonly user: string;
  readonly database: string;
  /** The startup packet's `options` string as sent ("" when absent). */
  readonly options: string;
  /** Run-time settings from the startup packet and from `options` (application_name, DateStyle, ...). */
  readonly parameters: ReadonlyMap<string, string>;
  /** The authenticated role (e.g. for is_superuser, which the session reports). */
  readonly role: Role;
  /** The process id BackendKeyData gives the client (what pg_backend_pid() should report). */
  readonly processId: number;
}

export type SessionFactory = (startup: SessionStartup) => Promise<SqlSession>;

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface PgLogger {
  log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
}

export interface ConnectionConfig {
  readonly sessionFactory: SessionFactory;
  readonly lookupRole: (name: string) => Promise<Role | undefined>;
  readonly auth: AuthMethod;
  /** Present when TLS is configured: SSLRequest is answered 'S'. */
  readonly tlsContext: SecureContext | undefined;
  readonly requireTls: boolean;
  readonly limits: PgLimits;
  readonly logger: PgLogger;
  readonly registry: ConnectionRegistry;
  readonly randomBytes: (n: number) => Buffer;
  readonly mockAuthSecret: Uint8Array;
  readonly serverVersion: string;
  readonly counters: PgCounters;
}

const EXTENDED_KINDS = new Set<FrontendMessage["kind"]>(["Parse", "Bind", "Describe", "Execute", "Close", "Flush"]);

const ADMIN_SHUTDOWN: ErrorFields = { severity: "FATAL", sqlstate: "57P01", message: "terminating connection due to administrator command" };

/** The ParameterStatus values every session starts with; the session's reportedSettings override them. */
function defaultReportedSettings(request: StartupRequest, role: Role, serverVersion: string): Map<string, string> {
  return new Map([
    ["application_name", request.settings.get("application_name") ?? ""],
    ["client_encoding", "UTF8"],
    ["DateStyle", "ISO, MDY"],
    ["default_transaction_read_only", "off"],
    ["in_hot_standby", "off"],
    ["integer_datetimes", "on"],
    ["IntervalStyle", "postgres"],
    ["is_superuser", role.superuser ? "on" : "off"],
    ["server_encoding", "UTF8"],
    ["server_version", serverVersion],
    ["session_authorization", role.name],
    ["standard_conforming_strings", "on"],
    ["TimeZone", "UTC"],
  ]);
}

/**
 * The settings handed to the session factory. client_encoding was checked to need no
 * conversion, so the session sees the one encoding it speaks ("auto" and "SQL_ASCII" included).
 */
function sessionParameters(settings: ReadonlyMap<string, string>): ReadonlyMap<string, string> {
  if (!settings.has("client_encoding")) return settings;
  const out = new Map(settings);
  out.set("client_encoding", "UTF8");
  return out;
}

export class PgConnection {
  private readonly channel: SocketChannel;
  private session: SqlSession | undefined;
  private extended: ExtendedQuery | undefined;
  private key: BackendKey | undefined;
  private skipUntilSync = false;
  /** Waiting for the client's next message (not running anything). */
  private waiting = false;
  /** ReadyForQuery was the last thing sent: the client is idle (in a transaction, maybe). */
  private atReadyForQuery = false;
  private terminateRequested = false;
  private ended = false;
  /** The running statement was canceled by statement_timeout rather than by the client. */
  private timedOut = false;
  private statementTimeoutMs: number;
  private idleInTransactionTimeoutMs: number;
  private readonly reported = new Map<string, string>();
  /** The session's reportedSettings map last compared with `reported` (the session keeps one map until a setting changes). */
  private reportedSource: ReadonlyMap<string, string> | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    socket: Socket,
    private readonly config: ConnectionConfig,
  ) {
    this.channel = new SocketChannel(socket, {
      maxMessageBytes: config.limits.messageBytesMax,
      inputLimitBytes: config.limits.inputBufferBytes,
      outputFlushBytes: config.limits.outputFlushBytes,
    });
    this.statementTimeoutMs = config.limits.statementTimeoutMs;
    this.idleInTransactionTimeoutMs = config.limits.idleInTransactionTimeoutMs;
  }

  /** Whether startup and authentication are over. */
  get established(): boolean {
    return this.session !== undefined;
  }

  /** Serves the connection until it ends. Never rejects. */
  async run(): Promise<void> {
    const authTimer = this.startTimer(this.config.limits.authTimeoutMs, () =>
      this.terminate({ severity: "FATAL", sqlstate: "57014", message: "canceling authentication due to timeout" }),
    );
    try {
      if (await this.establish(authTimer)) await this.serve();
    } catch (e) {
      this.reportFatal(e);
    } finally {
      this.clearTimer(authTimer);
      await this.cleanup();
    }
  }

  /** CancelRequest with this connection's key: stops the running statement, if any. */
  cancelRunningStatement(): void {
    if (this.session !== undefined && !this.waiting) this.session.cancel();
  }

  /**
   * Server shutdown: an idle connection ends now (57P01); a busy one when its current work is
   * done. `force` also cancels the running statement and ends the connection at once.
   */
  requestTerminate(force: boolean): void {
    this.terminateRequested = true;
    if (force) {
      this.session?.cancel();
      this.terminate(ADMIN_SHUTDOWN);
    } else if (this.waiting || this.session === undefined) {
      this.terminate(this.session === undefined ? { severity: "FATAL", sqlstate: "57P03", message: "the database system is shutting down" } : ADMIN_SHUTDOWN);
    }
  }

  // ---- startup ------------------------------------------------------------------------------

  /** Startup through the first ReadyForQuery; false when the client left or was refused quietly. */
  private async establish(authTimer: NodeJS.Timeout): Promise<boolean> {
    const packet = await this.negotiateEncryption();
    if (packet === null) return false;
    const request = this.checkStartup(packet);
    const key = this.config.registry.register(this);
    if (key === undefined) {
      this.config.counters.connectionsRefusedLimit++;
      throw new SqlStateError("sorry, too many clients already", "53300");
    }
    this.key = key;
    if (this.config.requireTls && !this.channel.encrypted) {
      throw new SqlStateError(
        `no pg_hba.conf entry for host "${this.channel.remoteAddress}", user "${request.user}", database "${request.database}", no encryption`,
        "28000",
      );
    }
    const role = await this.authenticate(request);
    if (role === undefined) return false;
    this.channel.send(authenticationOk());
    if (!role.login) throw new SqlStateError(`role "${role.name}" is not permitted to log in`, "28000");
    checkClientEncoding(request.settings.get("client_encoding"));
    this.applyTimeoutSettings(request.settings);
    const session = await this.config.sessionFactory({
      user: request.user,
      database: request.database,
      options: request.options,
      parameters: sessionParameters(request.settings),
      role,
      processId: key.processId,
    });
    this.session = session;
    this.extended = new ExtendedQuery(this.queryContext(session));
    this.clearTimer(authTimer);
    if (this.ended) return false;
    for (const [name, value] of defaultReportedSettings(request, role, this.config.serverVersion)) this.reported.set(name, value);
    for (const [name, value] of session.reportedSettings) this.reported.set(name, value);
    for (const [name, value] of this.reported) this.channel.send(parameterStatus(name, value));
    this.channel.send(backendKeyData(key.processId, key.secretKey));
    this.config.counters.sessionsStarted++;
    this.config.logger.log("debug", "connection established", { user: request.user, database: request.database, processId: key.processId });
    await this.sendReadyForQuery();
    return true;
  }

  /** Answers SSLRequest/GSSENCRequest and handles CancelRequest until the startup message arrives. */
  private async negotiateEncryption(): Promise<Extract<StartupPacket, { kind: "StartupMessage" }> | null> {
    while (true) {
      const packet = await this.channel.readStartup();
      if (packet === null) return null;
      switch (packet.kind) {
        case "CancelRequest":
          this.config.counters.cancelRequests++;
          this.config.registry.cancel(packet.processId, packet.secretKey);
          return null;
        case "GSSENCRequest":
          this.channel.send(encryptionResponse("N"));
          await this.channel.flush();
          break;
        case "SSLRequest": {
          if (this.channel.encrypted) throw new ProtocolViolation("SSLRequest on an encrypted connection");
          const context = this.config.tlsContext;
          this.channel.send(encryptionResponse(context === undefined ? "N" : "S"));
          await this.channel.flush();
          if (context !== undefined && !(await this.channel.upgradeToTls(context))) return null;
          break;
        }
        case "StartupMessage":
          return packet;
      }
    }
  }

  private checkStartup(packet: Extract<StartupPacket, { kind: "StartupMessage" }>): StartupRequest {
    const major = packet.protocolVersion >>> 16;
    const minor = packet.protocolVersion & 0xffff;
    if (major !== 3) {
      throw new SqlStateError(`unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`, "0A000");
    }
    const request = parseStartupParameters(packet.parameters);
    // A newer 3.x minor or protocol extensions: say what this server speaks and carry on in 3.0.
    if (packet.protocolVersion !== PROTOCOL_3_0 || request.protocolExtensions.length > 0) {
      this.channel.send(negotiateProtocolVersion(0, request.protocolExtensions));
    }
    if (this.terminateRequested) throw new SqlStateError("the database system is shutting down", "57P03");
    return request;
  }

  private async authenticate(request: StartupRequest): Promise<Role | undefined> {
    try {
      return await authenticate(request.user, this.channel, {
        method: this.config.auth,
        lookupRole: this.config.lookupRole,
        randomBytes: this.config.randomBytes,
        mockSecret: this.config.mockAuthSecret,
      });
    } catch (e) {
      if (e instanceof ClientGone) return undefined;
      this.config.counters.authenticationFailures++;
      this.config.logger.log("info", "authentication failed", { user: request.user, reason: e instanceof Error ? e.message : String(e) });
      throw e;
    }
  }

  private applyTimeoutSettings(settings: ReadonlyMap<string, string>): void {
    const statement = settings.get("statement_timeout");
    if (statement !== undefined) this.statementTimeoutMs = parseMillisecondsSetting("statement_timeout", statement);
    const idle = settings.get("idle_in_transaction_session_timeout");
    if (idle !== undefined) this.idleInTransactionTimeoutMs = parseMillisecondsSetting("idle_in_transaction_session_timeout", idle);
  }

  // ---- the message loop ---------------------------------------------------------------------

  private async serve(): Promise<void> {
    while (true) {
      if (this.terminateRequested && !this.channel.hasBufferedMessage()) {
        this.terminate(ADMIN_SHUTDOWN);
        return;
      }
      // A message pipelined behind the last one is taken without waiting (and without a promise).
      const message = this.channel.readBuffered() ?? (await this.nextMessage());
      if (message === null || message.kind === "Terminate") return;
      if (this.skipUntilSync && message.kind !== "Sync") continue;
      try {
        const pending = this.dispatch(message);
        if (pending !== undefined) await pending;
      } catch (e) {
        if (e instanceof ProtocolViolation || e instanceof ClientGone) throw e;
        this.sendNotices();
        this.sendError(e);
        if (EXTENDED_KINDS.has(message.kind === "Undecodable" ? message.of : message.kind)) this.skipUntilSync = true;
      }
      // Replies to a long pipeline without Sync (ParseComplete, BindComplete...) must not pile up unbounded.
      if (this.channel.flushDue) await this.channel.flush();
    }
  }

  /** Waits for a message, ending the connection if it idles too long inside a transaction. */
  private async nextMessage(): Promise<FrontendMessage | null> {
    const inTransaction = this.atReadyForQuery && this.session!.transactionStatus !== "I";
    const idleTimer =
      inTransaction && this.idleInTransactionTimeoutMs > 0
        ? this.startTimer(this.idleInTransactionTimeoutMs, () =>
            this.terminate({ severity: "FATAL", sqlstate: "25P03", message: "terminating connection due to idle-in-transaction timeout" }),
          )
        : undefined;
    this.waiting = true;
    try {
      return await this.channel.read();
    } finally {
      this.waiting = false;
      if (idleTimer !== undefined) this.clearTimer(idleTimer);
    }
  }

  /** Handles one message; undefined when it was handled at once (most replies only queue output). */
  private dispatch(message: FrontendMessage): Promise<void> | undefined {
    this.atReadyForQuery = false;
    const extended = this.extended!;
    switch (message.kind) {
      case "Query":
        return this.simpleQuery(message.sql);
      case "Parse":
        return extended.parse(message);
      case "Bind":
        return extended.bind(message);
      case "Describe":
        extended.describe(message);
        return undefined;
      case "Execute":
        return this.execute(message);
      case "Close":
        return extended.close(message);
      case "Sync":
        this.skipUntilSync = false;
        return this.sendReadyForQuery();
      case "Flush":
        return this.channel.flush();
      case "CopyData":
      case "CopyDone":
      case "CopyFail":
        // Left over from a COPY that already failed: PostgreSQL ignores them.
        return undefined;
      case "Password":
        throw new ProtocolViolation("invalid frontend message type 112");
      case "FunctionCall":
        this.sendError(new SqlStateError("the fast-path function call protocol is not supported", "0A000"));
        return this.sendReadyForQuery();
      case "Undecodable":
        return this.undecodable(message);
      case "Terminate":
        return undefined;
    }
  }

  private execute(message: Extract<FrontendMessage, { kind: "Execute" }>): Promise<void> {
    if (this.statementTimeoutMs > 0) return this.withStatementTimeout(() => this.extended!.execute(message));
    this.timedOut = false;
    return this.extended!.execute(message);
  }

  private async undecodable(message: Extract<FrontendMessage, { kind: "Undecodable" }>): Promise<void> {
    switch (message.of) {
      case "Query":
      case "FunctionCall":
        this.sendError(message.error);
        return this.sendReadyForQuery();
      case "Password":
        throw new ProtocolViolation("invalid frontend message type 112");
      case "CopyFail":
        return;
      default:
        throw message.error;
    }
  }

  // ---- simple query -------------------------------------------------------------------------

  private async simpleQuery(sql: string): Promise<void> {
    await this.extended!.dropUnnamed();
    try {
      await this.withStatementTimeout(() => this.runSimpleQuery(sql));
    } catch (e) {
      if (e instanceof ProtocolViolation || e instanceof ClientGone) throw e;
      this.sendNotices();
      this.sendError(e);
    }
    await this.sendReadyForQuery();
  }

  private async runSimpleQuery(sql: string): Promise<void> {
    const session = this.session!;
    const ctx = this.queryContext(session);
    let results = 0;
    let current: StatementResult | undefined;
    try {
      for await (const result of session.query(sql)) {
        results++;
        current = result;
        if (result.copy !== undefined) {
          await runCopy(ctx, result, result.copy);
        } else {
          if (result.columns.length > 0) this.channel.send(rowDescription(rowFields(result.columns)));
          await sendRows(ctx, result, result.columns.map(() => TEXT_FORMAT), 0);
          this.channel.send(commandComplete(result.commandTag));
        }
        current = undefined;
        this.sendNotices();
      }
    } finally {
      await current?.close().catch(() => undefined);
    }
    this.sendNotices();
    if (results === 0) this.channel.send(emptyQueryResponse());
  }

  // ---- helpers ------------------------------------------------------------------------------

  private queryContext(session: SqlSession): QueryContext {
    return { session, channel: this.channel, limits: this.config.limits, sendNotices: () => this.sendNotices() };
  }

  private async withStatementTimeout(run: () => Promise<void>): Promise<void> {
    this.timedOut = false;
    const timeoutMs = this.statementTimeoutMs;
    const timer =
      timeoutMs > 0
        ? this.startTimer(timeoutMs, () => {
            this.timedOut = true;
            this.session?.cancel();
          })
        : undefined;
    try {
      await run();
    } finally {
      if (timer !== undefined) this.clearTimer(timer);
    }
  }

  private async sendReadyForQuery(): Promise<void> {
    const session = this.session!;
    const status = session.transactionStatus;
    // Portals end with their transaction.
    if (status === "I" && this.extended!.portalCount > 0) await this.extended!.closeAllPortals();
    const settings = session.reportedSettings;
    if (settings !== this.reportedSource) {
      this.reportedSource = settings;
      for (const [name, value] of settings) {
        if (this.reported.get(name) === value) continue;
        this.reported.set(name, value);
        this.channel.send(parameterStatus(name, value));
      }
    }
    this.channel.send(readyForQuery(status));
    this.atReadyForQuery = true;
    await this.channel.flush();
  }

  private sendNotices(): void {
    const session = this.session;
    if (session === undefined) return;
    for (const n of session.takeNotices()) {
      this.channel.send(
        noticeResponse({
          severity: n.severity,
          sqlstate: n.sqlstate,
          message: n.message,
          ...(n.detail !== undefined ? { detail: n.detail } : {}),
          ...(n.hint !== undefined ? { hint: n.hint } : {}),
        }),
      );
    }
  }

  private sendError(e: unknown): void {
    this.config.counters.statementErrors++;
    let fields = errorFieldsOf(e);
    if (fields.sqlstate === "XX000" && sqlstateOf(e) === undefined) {
      this.config.logger.log("error", "unexpected error", { error: e instanceof Error ? (e.stack ?? e.message) : String(e), processId: this.key?.processId });
    }
    if (fields.sqlstate === "57014" && this.timedOut) fields = { ...fields, message: "canceling statement due to statement timeout" };
    this.channel.send(errorResponse(fields));
  }

  /** Reports what ended the connection (nothing for a client that left) and closes it. */
  private reportFatal(e: unknown): void {
    if (e instanceof ClientGone || this.ended) return;
    const fields = errorFieldsOf(e, "FATAL");
    if (e instanceof ProtocolViolation) {
      this.config.counters.protocolViolations++;
      this.config.logger.log("info", "protocol violation", { message: e.message, remoteAddress: this.channel.remoteAddress });
    } else if (sqlstateOf(e) === undefined) {
      this.config.logger.log("error", "connection failed", { error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
    this.terminate(fields);
  }

  /** Sends a FATAL error and closes the connection (idempotent). */
  private terminate(fields: ErrorFields): void {
    if (this.ended) return;
    this.ended = true;
    this.channel.send(errorResponse(fields));
    void this.channel.close();
  }

  private async cleanup(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (!this.ended) {
      this.ended = true;
      await this.channel.close();
    }
    await this.extended?.closeAll().catch(() => undefined);
    if (this.session !== undefined) {
      // Closing rolls back an open transaction; a failure there must not escape the connection.
      await this.session.close().catch((e: unknown) => this.config.logger.log("warn", "closing a session failed", { error: String(e) }));
    }
    if (this.key !== undefined) this.config.registry.unregister(this.key.processId);
  }

  private startTimer(ms: number, f: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private clearTimer(t: NodeJS.Timeout): void {
    clearTimeout(t);
    this.timers.delete(t);
  }
}
