/**
 * The REST API (fastify): SQL, key-value and vector search over JSON, described by an OpenAPI 3
 * document generated from the same route schemas that validate requests (/v1/openapi.json).
 * Every request runs in a session of its own (a statement outside BEGIN commits on its own;
 * `BEGIN; ...; COMMIT` in one request is one transaction); use gRPC or pgwire for transactions
 * that span requests. Errors are `{ error: { sqlstate, message, detail?, hint? } }` with an
 * HTTP status chosen from the SQLSTATE (error-mapping.ts).
 */
import fastifySwagger from "@fastify/swagger";
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { SqlSession } from "../../sql/session/api.js";
import type { SqlValue } from "../../sql/types/index.js";
import { errorFieldsOf, httpStatusOf } from "../error-mapping.js";
import { columnsOf, toJsonRow, type JsonValue } from "../json-values.js";
import type { BasicAuthenticator } from "../roles.js";
import { runSql } from "../statement-runner.js";
import { vectorSearchSql, type VectorSearchRequest } from "../vector-search-sql.js";
import { decodeBytes, encodeBytes, type BytesEncoding } from "./bytes-encoding.js";
import * as schemas from "./schemas.js";

/** What the REST API needs from the database (the embedded `Database` has these). */
export interface KvAccess {
  get(key: Uint8Array): Promise<Uint8Array | undefined>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  delete(key: Uint8Array): Promise<void>;
  scan(options: { start?: Uint8Array; end?: Uint8Array; limit?: number; reverse?: boolean }): Promise<readonly { key: Uint8Array; value: Uint8Array }[]>;
}

export interface RestServerOptions {
  /** A new session for an authenticated user (observed and counted by the caller). */
  readonly openSession: (user: string) => SqlSession;
  readonly kv: KvAccess;
  readonly authenticator: BasicAuthenticator;
  readonly statementTimeoutMs: number;
  readonly maxResultRows: number;
  readonly bodyLimitBytes: number;
  readonly maxConnections: number;
  readonly logger: Logger;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
  /** Told when a TCP connection opens and closes (metrics). */
  readonly onConnection?: (open: boolean) => void;
}

/** Rows per executor fetch while a result is collected. */
const FETCH_ROWS = 1000;
const SCAN_LIMIT_DEFAULT = 1000;

export async function createRestServer(options: RestServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ api: "rest" }),
    // Per-request lines would drown the log; statements are counted and slow ones logged instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    // Keys travel in the path; the default 100 characters is too short for them.
    routerOptions: { maxParamLength: 8192 },
    ...(options.tls && { https: { cert: options.tls.cert, key: options.tls.key } }),
  }) as unknown as FastifyInstance;
  app.server.maxConnections = options.maxConnections;
  if (options.onConnection) {
    const notify = options.onConnection;
    app.server.on(options.tls ? "secureConnection" : "connection", (socket: NodeJS.EventEmitter) => {
      notify(true);
      socket.once("close", () => notify(false));
    });
  }

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Alopex REST API",
        version: "1",
        description:
          "SQL, key-value and vector search. Values: int8 and numeric as strings, bytea as \\x hex text, json/jsonb as JSON, vectors as arrays, dates and timestamps as PostgreSQL text. Authentication: HTTP Basic when the server's auth method is not trust.",
      },
      components: { securitySchemes: { basic: { type: "http", scheme: "basic" } } },
      security: [{ basic: [] }],
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => sendError(reply, error, request, options.logger));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: { sqlstate: "42704", message: `no route ${request.method} ${request.url.split("?")[0]}` } }),
  );

  const authenticate = async (request: FastifyRequest): Promise<string> => options.authenticator.authenticate(request.headers.authorization);

  /** Runs SQL for one request and collects its last statement's result, bounded by maxResultRows. */
  const collect = async (request: FastifyRequest, reply: FastifyReply, sql: string, params: readonly unknown[] | undefined): Promise<SqlResponse> => {
    const session = options.openSession(await authenticate(request));
    const aborted = new AbortController();
    reply.raw.once("close", () => {
      if (!reply.raw.writableFinished) aborted.abort();
    });
    let out: SqlResponse = { columns: [], rows: [], commandTag: "" };
    let columns: Parameters<typeof columnsOf>[0] = [];
    try {
      await runSql(
        session,
        sql,
        params,
        {
          begin: (c) => {
            columns = c;
            out = { columns: columnsOf(c), rows: [], commandTag: "" };
          },
          rows: (rows: readonly (readonly SqlValue[])[]) => {
            if (out.rows.length + rows.length > options.maxResultRows) {
              throw new SqlStateError(`result has more than ${options.maxResultRows} rows`, "54000", { hint: "Add a LIMIT, or stream the result over gRPC or the PostgreSQL protocol." });
            }
            for (const r of rows) out.rows.push(toJsonRow(r, columns));
          },
          end: (tag) => {
            out.commandTag = tag;
            const count = /^(?:INSERT \d+|SELECT|UPDATE|DELETE|MERGE|COPY|MOVE|FETCH) (\d+)$/.exec(tag);
            if (count) out.rowCount = Number(count[1]);
          },
        },
        { timeoutMs: options.statementTimeoutMs, batchRows: FETCH_ROWS, signal: aborted.signal },
      );
    } finally {
      await session.close();
    }
    return out;
  };

  app.post<{ Body: { sql: string; params?: JsonValue[] } }>("/v1/sql", { schema: schemas.sqlRoute }, async (request, reply) => collect(request, reply, request.body.sql, request.body.params));

  app.post<{ Body: VectorSearchRequest }>("/v1/vector/search", { schema: schemas.vectorSearchRoute }, async (request, reply) => {
    const { sql, params } = vectorSearchSql(request.body);
    return collect(request, reply, sql, params);
  });

  type KeyRequest = { Params: { key: string }; Querystring: { encoding?: BytesEncoding } };
  app.get<KeyRequest>("/v1/kv/:key", { schema: schemas.kvGetRoute }, async (request, reply) => {
    await authenticate(request);
    const encoding = request.query.encoding ?? "utf8";
    const value = await options.kv.get(decodeBytes(request.params.key, encoding, "key"));
    if (value === undefined) return reply.code(404).send({ error: { sqlstate: "02000", message: "key not found" } });
    return { key: request.params.key, value: encodeBytes(value, encoding) };
  });

  app.put<KeyRequest & { Body: { value: string } }>("/v1/kv/:key", { schema: schemas.kvPutRoute }, async (request, reply) => {
    await authenticate(request);
    const encoding = request.query.encoding ?? "utf8";
    await options.kv.put(decodeBytes(request.params.key, encoding, "key"), decodeBytes(request.body.value, encoding, "value"));
    return reply.code(204).send();
  });

  app.delete<KeyRequest>("/v1/kv/:key", { schema: schemas.kvDeleteRoute }, async (request, reply) => {
    await authenticate(request);
    await options.kv.delete(decodeBytes(request.params.key, request.query.encoding ?? "utf8", "key"));
    return reply.code(204).send();
  });

  type ScanQuery = { start?: string; end?: string; limit?: number; reverse?: boolean; encoding?: BytesEncoding };
  app.get<{ Querystring: ScanQuery }>("/v1/kv", { schema: schemas.kvScanRoute }, async (request) => {
    await authenticate(request);
    const q = request.query;
    const encoding = q.encoding ?? "utf8";
    const limit = q.limit ?? SCAN_LIMIT_DEFAULT;
    // One more than asked tells whether the range goes on.
    const entries = await options.kv.scan({
      ...(q.start !== undefined && { start: decodeBytes(q.start, encoding, "start") }),
      ...(q.end !== undefined && { end: decodeBytes(q.end, encoding, "end") }),
      limit: limit + 1,
      reverse: q.reverse ?? false,
    });
    return {
      entries: entries.slice(0, limit).map((e) => ({ key: encodeBytes(e.key, encoding), value: encodeBytes(e.value, encoding) })),
      more: entries.length > limit,
    };
  });

  app.get("/v1/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}

interface SqlResponse {
  columns: { name: string; type: string }[];
  rows: JsonValue[][];
  commandTag: string;
  rowCount?: number;
}

function sendError(reply: FastifyReply, error: unknown, request: FastifyRequest, logger: Logger): FastifyReply {
  const e = error as FastifyError & { validation?: unknown };
  // Fastify's own refusals (schema validation, malformed JSON, body too large) come with a status code.
  if (e.validation !== undefined || (typeof e.statusCode === "number" && e.statusCode < 500 && !("sqlstate" in e))) {
    const sqlstate = e.statusCode === 413 ? "54000" : e.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" ? "08P01" : "22023";
    return reply.code(e.statusCode ?? 400).send({ error: { sqlstate, message: e.message } });
  }
  const fields = errorFieldsOf(error);
  const status = httpStatusOf(fields.sqlstate);
  if (status >= 500 && fields.sqlstate.startsWith("XX")) logger.error({ api: "rest", url: request.url, err: error }, "request failed");
  if (status === 401) void reply.header("www-authenticate", 'Basic realm="alopex", charset="UTF-8"');
  return reply.code(status).send({ error: fields });
}
