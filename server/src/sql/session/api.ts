/**
 * What the SQL engine offers its clients (the embedded API, pgwire, REST, gRPC): a session that
 * prepares and runs statements and keeps the state a connection has (the open transaction,
 * settings, prepared statements, notices).
 *
 * The shapes follow PostgreSQL's extended query protocol, because that is the most demanding
 * client: a statement is prepared once (its parameter and result types known before any row),
 * then executed with parameter values into a result that is pulled in pieces (Execute with a row
 * limit). The simple protocol and the embedded API are the same calls in a row.
 */
import type { SqlType, SqlValue } from "../types/index.js";

/** One result column, as RowDescription reports it. */
export interface ResultColumn {
  readonly name: string;
  readonly type: SqlType;
  /** The table and column it comes from, when it is a plain column reference (0 otherwise). */
  readonly tableOid: number;
  readonly columnNumber: number;
}

/** A NOTICE/WARNING for the client (ErrorResponse-like fields; SQLSTATE 00000 for notices). */
export interface SessionNotice {
  readonly severity: "NOTICE" | "WARNING" | "INFO";
  readonly sqlstate: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

/** `I` idle, `T` in a transaction block, `E` in a failed transaction block (ReadyForQuery). */
export type TransactionStatus = "I" | "T" | "E";

/** A statement parsed, analysed and planned once, to be executed any number of times. */
export interface PreparedStatement {
  readonly sql: string;
  /** One per `$n` (n = index + 1); a type the client left unspecified is inferred from use. */
  readonly paramTypes: readonly SqlType[];
  /** Empty for statements that return no rows (INSERT without RETURNING, DDL, SET...). */
  readonly columns: readonly ResultColumn[];
  /** First keyword(s) of the command tag, e.g. "SELECT", "INSERT", "CREATE TABLE". */
  readonly command: string;
}

/**
 * A statement being executed (PostgreSQL's portal). Pull rows with `fetch`; when it reports
 * `done`, `commandTag` is final ("SELECT 3", "INSERT 0 1", "UPDATE 2", "CREATE TABLE").
 * Closing an unfinished result releases what it holds; it never rolls back the transaction.
 */
export interface StatementResult {
  readonly columns: readonly ResultColumn[];
  fetch(maxRows?: number): Promise<{ readonly rows: readonly (readonly SqlValue[])[]; readonly done: boolean }>;
  readonly commandTag: string;
  /** Set for COPY FROM STDIN / TO STDOUT: the data moves through it, then commandTag is "COPY n". */
  readonly copy?: CopyStream;
  close(): Promise<void>;
}

/** A whole result, for callers that want every row at once. */
export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly SqlValue[])[];
  readonly commandTag: string;
  /** Rows returned or affected (the number in the command tag), or undefined for utility commands. */
  readonly rowCount?: number;
}

/** COPY ... FROM STDIN / TO STDOUT: the data stream, shaped as CopyInResponse/CopyOutResponse say it. */
export type CopyStream =
  | {
      readonly direction: "in";
      readonly format: "text" | "csv" | "binary";
      readonly columns: readonly ResultColumn[];
      /** Consumes the client's CopyData payloads (any chunking); resolves with the rows stored. */
      receive(chunks: AsyncIterable<Uint8Array>): Promise<number>;
    }
  | {
      readonly direction: "out";
      readonly format: "text" | "csv" | "binary";
      readonly columns: readonly ResultColumn[];
      /** The CopyData payloads to send, one row each. */
      send(): AsyncIterable<Uint8Array>;
    };

export interface SqlSession {
  readonly transactionStatus: TransactionStatus;
  /**
   * Session settings that ParameterStatus reports (server_version, client_encoding, DateStyle, ...).
   * NB: the same map object until one of them changes, then a new one: a protocol layer compares
   * the values only when the object differs.
   */
  readonly reportedSettings: ReadonlyMap<string, string>;

  /**
   * Parses and analyses one statement. `paramTypes` are the types the client declared (Parse's
   * parameter OIDs); undefined entries are inferred. Errors: 42601 (syntax), 42P01, 42703, ...
   */
  prepare(sql: string, paramTypes?: readonly (SqlType | undefined)[]): Promise<PreparedStatement>;
  /** Runs a prepared statement with its parameter values (already decoded to their types). */
  execute(statement: PreparedStatement, params?: readonly SqlValue[]): Promise<StatementResult>;
  /**
   * The simple query protocol: every statement in `sql` in turn, as one implicit transaction
   * unless the text itself manages transactions. Yields each statement's result as it runs;
   * stops at the first error (thrown from the iterator).
   */
  query(sql: string): AsyncIterable<StatementResult>;
  /** Convenience for the embedded API and tests: one statement, all rows. */
  run(sql: string, params?: readonly SqlValue[]): Promise<QueryResult>;

  /** Notices raised since the last call (e.g. "relation already exists, skipping"). */
  takeNotices(): SessionNotice[];
  /** Asks the running statement to stop with 57014 (query_canceled) at its next row batch. */
  cancel(): void;
  /** Rolls back any open transaction and releases everything the session holds. */
  close(): Promise<void>;
}
