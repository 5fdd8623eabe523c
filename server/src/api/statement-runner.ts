/**
 * Running client SQL on a session for the REST and gRPC APIs: every statement of the text in
 * turn (so `BEGIN; ...; COMMIT` works in one request), each prepared and executed as the
 * extended protocol does; with parameters the text must be one statement, and the values are
 * converted to the parameters' types. Rows reach a sink batch by batch, so gRPC can stream them
 * and REST can bound what it buffers.
 *
 * Timeouts: sessions get `statement_timeout` as a setting, which the executor checks between
 * batches. NB: the executor runs on the event loop without yielding to timers while its data
 * is in memory, so the timer and the client-gone signal here only cancel statements that wait
 * (for I/O or locks); the setting is what stops a CPU-bound one.
 */
import { SqlStateError, sqlstateOf } from "../common/sqlstate-error.js";
import { tokenize } from "../sql/parser/lexer.js";
import { splitStatements } from "../sql/parser/structure.js";
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
    const statements = splitSql(sql);
    const given = params ?? [];
    if (given.length > 0 && statements.length > 1) throw new SqlStateError("cannot insert multiple commands into a prepared statement", "42601");
    if (statements.length === 0) throw new SqlStateError("empty query: no statement to run", "42601");
    for (const text of statements) {
      const prepared = await session.prepare(text);
      if (prepared.paramTypes.length !== given.length) {
        throw new SqlStateError(`bind message supplies ${given.length} parameters, but prepared statement "" requires ${prepared.paramTypes.length}`, "08P01");
      }
      const values = given.map((p, i) => toParamValue(p, prepared.paramTypes[i] ?? TEXT, i));
      const result = await session.execute(prepared, values);
      try {
        await drain(result, sink, options.batchRows);
      } finally {
        await result.close();
      }
    }
  } catch (e) {
    if (timedOut && sqlstateOf(e) === "57014") throw new SqlStateError("canceling statement due to statement timeout", "57014", { cause: e });
    throw e;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Statement texts split at top-level semicolons (quotes, comments and dollar quotes respected). */
export function splitSql(sql: string): string[] {
  const tokens = tokenize(sql);
  return splitStatements(tokens)
    .filter(({ range }) => range.start < range.end)
    .map(({ range }) => sql.slice(tokens[range.start]!.start, tokens[range.end - 1]!.end));
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
