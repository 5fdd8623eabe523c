/**
 * The gRPC API (@grpc/grpc-js): the `alopex.v1.Alopex` service of proto/alopex.proto, the
 * standard health service (grpc.health.v1, for grpc_health_probe and Kubernetes probes) and
 * server reflection (so grpcurl needs no .proto file). Errors carry a status code chosen from
 * the SQLSTATE and the SQLSTATE itself in the trailing metadata key `sqlstate`.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { HealthImplementation, protoPath as healthProtoPath } from "grpc-health-check";
import type { Logger } from "pino";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { KvStore } from "../../kv/kv.js";
import type { ResultColumn, SqlSession } from "../../sql/session/api.js";
import { errorFieldsOf, grpcStatusOf } from "../error-mapping.js";
import type { BasicAuthenticator } from "../roles.js";
import { runSql, type ResultSink } from "../statement-runner.js";
import { vectorSearchSql, type VectorMetricName } from "../vector-search-sql.js";
import { SessionTable } from "./session-table.js";
import { fromProtoValue, toProtoColumns, toProtoRow, type ProtoValue } from "./values.js";

export const ALOPEX_SERVICE = "alopex.v1.Alopex";
export const PROTO_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), "proto", "alopex.proto");

/** How the protos are turned into JS objects; clients in tests use the same. */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export interface GrpcServerOptions {
  readonly openSession: (user: string) => SqlSession;
  readonly kv: KvStore;
  readonly authenticator: BasicAuthenticator;
  readonly statementTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly maxSessions: number;
  readonly maxMessageBytes: number;
  readonly logger: Logger;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Told when a Begin session opens and ends (metrics). */
  readonly onSession?: (open: boolean) => void;
}

/** Rows per streamed message. */
const ROWS_PER_MESSAGE = 500;
const KV_SCAN_BATCH = 256;

const ISOLATION_SQL: Readonly<Record<string, string>> = {
  ISOLATION_DEFAULT: "",
  READ_UNCOMMITTED: " ISOLATION LEVEL READ UNCOMMITTED",
  READ_COMMITTED: " ISOLATION LEVEL READ COMMITTED",
  REPEATABLE_READ: " ISOLATION LEVEL REPEATABLE READ",
  SNAPSHOT: " ISOLATION LEVEL SNAPSHOT",
  SERIALIZABLE: " ISOLATION LEVEL SERIALIZABLE",
};

interface ExecuteSqlRequest {
  readonly sql: string;
  readonly params: readonly ProtoValue[];
  readonly session_id: string;
}

interface VectorSearchRequestMessage {
  readonly table: string;
  readonly column: string;
  readonly vector: readonly number[];
  readonly k: number;
  readonly filter: Readonly<Record<string, ProtoValue>>;
  readonly metric: string;
  readonly columns: readonly string[];
}

export class AlopexGrpcServer {
  readonly health = new HealthImplementation({ "": "NOT_SERVING", [ALOPEX_SERVICE]: "NOT_SERVING" });
  private readonly server: grpc.Server;
  private readonly sessions: SessionTable;
  private readonly log: Logger;

  constructor(private readonly options: GrpcServerOptions) {
    this.log = options.logger.child({ api: "grpc" });
    this.sessions = new SessionTable({
      timeoutMs: options.sessionTimeoutMs,
      max: options.maxSessions,
      onExpired: (user) => {
        options.onSession?.(false);
        this.log.info({ user }, "session expired unused; rolled back");
      },
    });
    this.server = new grpc.Server({
      "grpc.max_receive_message_length": options.maxMessageBytes,
      "grpc.max_send_message_length": options.maxMessageBytes,
    });
    const definition = protoLoader.loadSync([PROTO_PATH, healthProtoPath], PROTO_LOADER_OPTIONS);
    const service = (definition[ALOPEX_SERVICE] as grpc.ServiceDefinition | undefined) ?? assertNever("alopex.proto defines no " + ALOPEX_SERVICE);
    this.server.addService(service, this.handlers());
    this.health.addToServer(this.server);
    new ReflectionService(definition).addToServer(this.server);
  }

  /** Binds host:port (port 0 picks one); resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    const credentials = this.options.tls
      ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: this.options.tls.cert, private_key: this.options.tls.key }], false)
      : grpc.ServerCredentials.createInsecure();
    const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) => this.server.bindAsync(address, credentials, (e, bound) => (e ? reject(e) : resolve(bound))));
  }

  /** Marks the service serving (health) once everything is up. */
  setServing(serving: boolean): void {
    const status = serving ? "SERVING" : "NOT_SERVING";
    this.health.setStatus("", status);
    this.health.setStatus(ALOPEX_SERVICE, status);
  }

  /**
   * Stops accepting calls, lets running calls finish for up to `drainMs`, then cancels them, and
   * rolls back every open Begin session.
   */
  async close(drainMs: number): Promise<void> {
    this.setServing(false);
    const graceful = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([graceful.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), drainMs)))]);
    clearTimeout(timer);
    if (timedOut) this.server.forceShutdown();
    const open = this.sessions.size;
    await this.sessions.closeAll();
    for (let i = 0; i < open; i++) this.options.onSession?.(false);
  }

  private handlers(): grpc.UntypedServiceImplementation {
    return {
      ExecuteSql: (call: grpc.ServerWritableStream<ExecuteSqlRequest, unknown>) => void this.executeSql(call),
      Begin: this.unary(async (req: { isolation: string; read_only: boolean }, user) => {
        const session = this.options.openSession(user);
        try {
          await session.run(`BEGIN${ISOLATION_SQL[req.isolation] ?? ""}${req.read_only ? " READ ONLY" : ""}`);
        } catch (e) {
          await session.close();
          throw e;
        }
        let id: string;
        try {
          id = this.sessions.add(user, session);
        } catch (e) {
          await session.close();
          throw e;
        }
        this.options.onSession?.(true);
        return { session_id: id, timeout_ms: this.options.sessionTimeoutMs };
      }),
      Commit: this.unary(async (req: { session_id: string }, user) => {
        const tag = await this.endSession(req.session_id, user, "COMMIT");
        // COMMIT of a failed transaction block rolls back (PostgreSQL answers ROLLBACK): tell the client.
        if (tag !== "COMMIT") throw new SqlStateError("the transaction was aborted by an earlier error and has been rolled back", "25P02");
        return {};
      }),
      Rollback: this.unary(async (req: { session_id: string }, user) => {
        await this.endSession(req.session_id, user, "ROLLBACK");
        return {};
      }),
      KvGet: this.unary(async (req: { key: Buffer }) => {
        const tx = await this.options.kv.begin({ readOnly: true });
        try {
          const value = await tx.get(req.key);
          return value === undefined ? { found: false, value: Buffer.alloc(0) } : { found: true, value: Buffer.from(value) };
        } finally {
          await tx.commit();
        }
      }),
      KvPut: this.unary(async (req: { key: Buffer; value: Buffer }) => {
        await this.inWriteTransaction((tx) => tx.put(req.key, req.value));
        return {};
      }),
      KvDelete: this.unary(async (req: { key: Buffer }) => {
        await this.inWriteTransaction((tx) => tx.delete(req.key));
        return {};
      }),
      KvScan: (call: grpc.ServerWritableStream<{ start: Buffer; end: Buffer; limit: number; reverse: boolean }, unknown>) => void this.kvScan(call),
      VectorSearch: this.unary(async (req: VectorSearchRequestMessage, user, call) => {
        const filter: Record<string, unknown> = {};
        for (const [name, v] of Object.entries(req.filter)) filter[name] = fromProtoValue(v);
        const { sql, params } = vectorSearchSql({
          table: req.table,
          column: req.column,
          vector: req.vector,
          k: req.k,
          filter,
          ...(req.metric !== "" && { metric: req.metric as VectorMetricName }),
          columns: req.columns,
        });
        let columns: readonly ResultColumn[] = [];
        const rows: { values: ProtoValue[] }[] = [];
        const session = this.options.openSession(user);
        try {
          await runSql(
            session,
            sql,
            params,
            { begin: (c) => void (columns = c), rows: (batch) => void rows.push(...batch.map((r) => toProtoRow(r, columns))), end: () => undefined },
            this.runOptions(call),
          );
        } finally {
          await session.close();
        }
        return { columns: toProtoColumns(columns), rows };
      }),
    };
  }

  private async executeSql(call: grpc.ServerWritableStream<ExecuteSqlRequest, unknown>): Promise<void> {
    try {
      const user = await this.authenticate(call.metadata);
      const req = call.request;
      const sessionId = req.session_id;
      const session = sessionId === "" ? this.options.openSession(user) : this.sessions.acquire(sessionId, user);
      const params = req.params.length > 0 ? req.params.map(fromProtoValue) : undefined;
      let columns: readonly ResultColumn[] = [];
      const sink: ResultSink = {
        begin: (c) => {
          columns = c;
          return write(call, { header: { columns: toProtoColumns(c) } });
        },
        rows: async (rows) => {
          for (let i = 0; i < rows.length; i += ROWS_PER_MESSAGE) {
            await write(call, { rows: { rows: rows.slice(i, i + ROWS_PER_MESSAGE).map((r) => toProtoRow(r, columns)) } });
          }
        },
        end: (tag) => {
          const count = /^(?:INSERT \d+|SELECT|UPDATE|DELETE|MERGE|COPY|MOVE|FETCH) (\d+)$/.exec(tag);
          return write(call, { done: { command_tag: tag, row_count: count ? count[1]! : "-1" } });
        },
      };
      try {
        await runSql(session, req.sql, params, sink, this.runOptions(call));
      } finally {
        if (sessionId === "") await session.close();
        else this.sessions.release(sessionId);
      }
      call.end();
    } catch (e) {
      this.fail(call, e);
    }
  }

  private async kvScan(call: grpc.ServerWritableStream<{ start: Buffer; end: Buffer; limit: number; reverse: boolean }, unknown>): Promise<void> {
    try {
      await this.authenticate(call.metadata);
      const req = call.request;
      const tx = await this.options.kv.begin({ readOnly: true });
      try {
        const cursor = tx.scan({
          ...(req.start.length > 0 && { start: req.start }),
          ...(req.end.length > 0 && { end: req.end }),
          ...(req.limit > 0 && { limit: req.limit }),
          reverse: req.reverse,
        });
        try {
          for (;;) {
            if (call.cancelled) break;
            const batch = await cursor.nextBatch(KV_SCAN_BATCH);
            if (batch.length === 0) break;
            for (const e of batch) await write(call, { key: Buffer.from(e.key), value: Buffer.from(e.value) });
          }
        } finally {
          cursor.close();
        }
      } finally {
        await tx.commit();
      }
      call.end();
    } catch (e) {
      this.fail(call, e);
    }
  }

  private async inWriteTransaction(fn: (tx: Awaited<ReturnType<KvStore["begin"]>>) => Promise<void>): Promise<void> {
    const tx = await this.options.kv.begin();
    try {
      await fn(tx);
      await tx.commit();
    } catch (e) {
      if (tx.state === "active") await tx.rollback();
      throw e;
    }
  }

  private async endSession(id: string, user: string, statement: "COMMIT" | "ROLLBACK"): Promise<string> {
    const session = this.sessions.acquire(id, user);
    this.sessions.remove(id);
    this.options.onSession?.(false);
    try {
      return (await session.run(statement)).commandTag;
    } finally {
      await session.close();
    }
  }

  private runOptions(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): { timeoutMs: number; batchRows: number; signal: AbortSignal } {
    const aborted = new AbortController();
    call.once("cancelled", () => aborted.abort());
    // A client deadline shorter than the statement timeout wins.
    const deadline = call.getDeadline();
    const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
    const remaining = Number.isFinite(deadlineMs) ? Math.max(1, deadlineMs - Date.now()) : 0;
    const configured = this.options.statementTimeoutMs;
    const timeoutMs = remaining === 0 ? configured : configured === 0 ? remaining : Math.min(configured, remaining);
    return { timeoutMs, batchRows: ROWS_PER_MESSAGE, signal: aborted.signal };
  }

  private authenticate(metadata: grpc.Metadata): Promise<string> {
    const header = metadata.get("authorization")[0];
    return this.options.authenticator.authenticate(typeof header === "string" ? header : undefined);
  }

  private unary<Req, Res>(fn: (req: Req, user: string, call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      this.authenticate(call.metadata)
        .then((user) => fn(call.request, user, call))
        .then(
          (res) => callback(null, res),
          (e: unknown) => callback(this.serviceError(e)),
        );
    };
  }

  private fail(call: grpc.ServerWritableStream<unknown, unknown>, e: unknown): void {
    if (call.cancelled) return;
    call.emit("error", this.serviceError(e));
  }

  private serviceError(e: unknown): Partial<grpc.StatusObject> {
    const fields = errorFieldsOf(e);
    if (fields.sqlstate.startsWith("XX")) this.log.error({ err: e }, "call failed");
    const metadata = new grpc.Metadata();
    metadata.set("sqlstate", fields.sqlstate);
    setText(metadata, "detail", fields.detail);
    setText(metadata, "hint", fields.hint);
    return { code: grpcStatusOf(fields.sqlstate), details: fields.message, metadata };
  }
}

/** Metadata text must be printable ASCII; anything else goes in the binary variant of the key. */
function setText(metadata: grpc.Metadata, key: string, value: string | undefined): void {
  if (value === undefined) return;
  if (/^[ -~]*$/.test(value)) metadata.set(key, value);
  else metadata.set(`${key}-bin`, Buffer.from(value, "utf8"));
}

/** Writes one message, waiting for the client when its buffer is full. */
function write(call: grpc.ServerWritableStream<unknown, unknown>, message: unknown): Promise<void> | void {
  if (call.cancelled) throw new SqlStateError("the client cancelled the call", "57014");
  if (call.write(message)) return;
  return new Promise((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      call.off("cancelled", done);
      resolve();
    };
    call.once("drain", done);
    call.once("cancelled", done);
  });
}

function assertNever(message: string): never {
  throw new Error(message);
}
