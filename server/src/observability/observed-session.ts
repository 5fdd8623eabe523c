/**
 * A `SqlSession` decorator that reports every statement once, when it ends (its last row
 * fetched, its result closed, or an error), with its duration. The server wraps the sessions of
 * every API in it to count statements by command, time them and log slow ones, without the
 * SQL engine or the wire protocol knowing.
 */
import type { SqlType, SqlValue } from "../sql/types/index.js";
import type { CopyStream, PreparedStatement, QueryResult, ResultColumn, SessionNotice, SqlSession, StatementResult, TransactionStatus } from "../sql/session/api.js";

export interface StatementEvent {
  /** The statement's text (for a multi-statement simple query, the whole text). */
  readonly sql: string;
  /** Its command tag without row counts ("SELECT", "INSERT", "CREATE TABLE"); undefined when it failed before having one. */
  readonly command: string | undefined;
  readonly durationMs: number;
  /** Set when it failed. */
  readonly error?: unknown;
}

export type StatementListener = (event: StatementEvent) => void;

/** Tags seen lately and their commands: nearly every statement's tag is one of a few ("SELECT 1", "UPDATE 1"). */
const commandsOfTags = new Map<string, string>();
const COMMANDS_OF_TAGS_MAX = 256;

/** "INSERT 0 1" → "INSERT", "SELECT 3" → "SELECT", "CREATE TABLE" unchanged. */
export function commandOfTag(tag: string): string {
  let command = commandsOfTags.get(tag);
  if (command === undefined) {
    command = tag.replace(/(?: \d+)+$/, "");
    if (commandsOfTags.size >= COMMANDS_OF_TAGS_MAX) commandsOfTags.clear();
    commandsOfTags.set(tag, command);
  }
  return command;
}

export interface ObservedSessionOptions {
  /** Called once, after the session closed (connection logs). */
  readonly onClose?: () => void;
  readonly nowMs?: () => number;
}

export class ObservedSession implements SqlSession {
  private readonly nowMs: () => number;
  private closed = false;

  constructor(
    private readonly inner: SqlSession,
    private readonly listener: StatementListener,
    private readonly options: ObservedSessionOptions = {},
  ) {
    this.nowMs = options.nowMs ?? (() => performance.now());
  }

  get transactionStatus(): TransactionStatus {
    return this.inner.transactionStatus;
  }

  get reportedSettings(): ReadonlyMap<string, string> {
    return this.inner.reportedSettings;
  }

  async prepare(sql: string, paramTypes?: readonly (SqlType | undefined)[]): Promise<PreparedStatement> {
    const start = this.nowMs();
    try {
      return await this.inner.prepare(sql, paramTypes);
    } catch (error) {
      this.listener({ sql, command: undefined, durationMs: this.nowMs() - start, error });
      throw error;
    }
  }

  async execute(statement: PreparedStatement, params?: readonly SqlValue[]): Promise<StatementResult> {
    const start = this.nowMs();
    let result: StatementResult;
    try {
      result = await this.inner.execute(statement, params);
    } catch (error) {
      this.listener({ sql: statement.sql, command: statement.command || undefined, durationMs: this.nowMs() - start, error });
      throw error;
    }
    return new ObservedResult(result, statement.sql, start, this.listener, this.nowMs);
  }

  async *query(sql: string): AsyncIterable<StatementResult> {
    const it = this.inner.query(sql)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const start = this.nowMs();
        let next: IteratorResult<StatementResult>;
        try {
          next = await it.next();
        } catch (error) {
          this.listener({ sql, command: undefined, durationMs: this.nowMs() - start, error });
          throw error;
        }
        if (next.done) return;
        const observed = new ObservedResult(next.value, sql, start, this.listener, this.nowMs);
        try {
          yield observed;
        } finally {
          // COPY results end without a fetch, and callers may stop pulling: the statement is over either way.
          observed.finish(undefined);
        }
      }
    } finally {
      await it.return?.();
    }
  }

  async run(sql: string, params?: readonly SqlValue[]): Promise<QueryResult> {
    const start = this.nowMs();
    try {
      const r = await this.inner.run(sql, params);
      this.listener({ sql, command: commandOfTag(r.commandTag), durationMs: this.nowMs() - start });
      return r;
    } catch (error) {
      this.listener({ sql, command: undefined, durationMs: this.nowMs() - start, error });
      throw error;
    }
  }

  takeNotices(): SessionNotice[] {
    return this.inner.takeNotices();
  }

  cancel(): void {
    this.inner.cancel();
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      if (!this.closed) {
        this.closed = true;
        this.options.onClose?.();
      }
    }
  }
}

class ObservedResult implements StatementResult {
  private finished = false;

  constructor(
    private readonly inner: StatementResult,
    private readonly sql: string,
    private readonly startMs: number,
    private readonly listener: StatementListener,
    private readonly nowMs: () => number,
  ) {}

  get columns(): readonly ResultColumn[] {
    return this.inner.columns;
  }

  get commandTag(): string {
    return this.inner.commandTag;
  }

  get copy(): CopyStream | undefined {
    return this.inner.copy;
  }

  async fetch(maxRows?: number): Promise<{ readonly rows: readonly (readonly SqlValue[])[]; readonly done: boolean }> {
    try {
      const batch = await this.inner.fetch(maxRows);
      if (batch.done) this.finish(undefined);
      return batch;
    } catch (error) {
      this.finish(error);
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      this.finish(undefined);
    }
  }

  /** Reports the statement unless it was reported already. */
  finish(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    const durationMs = this.nowMs() - this.startMs;
    this.listener(error === undefined ? { sql: this.sql, command: commandOfTag(this.inner.commandTag), durationMs } : { sql: this.sql, command: undefined, durationMs, error });
  }
}
