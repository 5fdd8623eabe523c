/**
 * Running client SQL on a session for the REST and gRPC APIs: with parameters, one statement
 * prepared and executed with the values converted to the parameters' types; without, every
 * statement of the text in turn (so `BEGIN; ...; COMMIT` works in one request). Rows reach a
 * sink batch by batch, so gRPC can stream them and REST can bound what it buffers. A statement
 * timeout and the client going away both cancel the running statement.
 */
import { SqlStateError, sqlstateOf } from "../common/sqlstate-error.js";
import type { ResultColumn, SqlSession, StatementResult } from "../sql/session/api.js";
import { toParamValue } from "../sql/session/params.js";
import { TEXT, type SqlValue } from "../sql/types/index.js";

export interface ResultSink {
  /** A statement's result starts (columns empty for statements without rows). */
  begin(columns: readonly ResultColumn[]): void | Promise<void>;
  rows(rows: readonly (readonly SqlValue[])[]): void | Promise<void>;
  end(commandTag: string): void | Promise<void>;
}

export interface RunOptions {
  /** 0: none. */
  readonly timeoutMs: number;
  /** Rows per fetch from the executor. */
  readonly batchRows: number;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
}

const COPY_UNSUPPORTED = "COPY FROM STDIN and COPY TO STDOUT need the PostgreSQL protocol; use a file-free INSERT or SELECT here";

export async function runSql(session: SqlSession, sql: string, params: readonly unknown[] | undefined, sink: ResultSink, options: RunOptions): Promise<void> {
  let timedOut = false;
  const timer = options.timeoutMs > 0 ? setTimeout(() => ((timedOut = true), session.cancel()), options.timeoutMs) : undefined;
  const onAbort = (): void => session.cancel();
  options.signal?.addEventListener("abort", onAbort);
  try {
    if (params !== undefined && params.length > 0) {
      const prepared = await session.prepare(sql);
      if (prepared.paramTypes.length !== params.length) {
        throw new SqlStateError(`bind message supplies ${params.length} parameters, but prepared statement "" requires ${prepared.paramTypes.length}`, "08P01");
      }
      const values = params.map((p, i) => toParamValue(p, prepared.paramTypes[i] ?? TEXT, i));
      const result = await session.execute(prepared, values);
      try {
        await drain(result, sink, options.batchRows);
      } finally {
        await result.close();
      }
    } else {
      for await (const result of session.query(sql)) await drain(result, sink, options.batchRows);
    }
  } catch (e) {
    if (timedOut && sqlstateOf(e) === "57014") throw new SqlStateError("canceling statement due to statement timeout", "57014", { cause: e });
    throw e;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

async function drain(result: StatementResult, sink: ResultSink, batchRows: number): Promise<void> {
  if (result.copy !== undefined) throw new SqlStateError(COPY_UNSUPPORTED, "0A000");
  await sink.begin(result.columns);
  for (;;) {
    const batch = await result.fetch(batchRows);
    if (batch.rows.length > 0) await sink.rows(batch.rows);
    if (batch.done) break;
  }
  await sink.end(result.commandTag);
}
