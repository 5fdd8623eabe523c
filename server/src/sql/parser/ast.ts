import type * as pg from "pgsql-ast-parser";

/**
 * The AST parseSql returns: pgsql-ast-parser's node types wherever the library gets a construct
 * right, and ours for what it cannot parse or parses wrongly.
 *
 * Child nodes inside library-typed nodes are typed with the library's `Expr` and `Statement`,
 * but at runtime they may be any of the extensions below (a vector distance inside a WHERE, a
 * set operation inside a subquery). Consumers should switch over this module's `Expr` and
 * `Statement`, which include them.
 */

// ---- expressions -------------------------------------------------------------------------

/** pgvector's distance operators: L2 distance, cosine distance, negative inner product. */
export type VectorOperator = "<->" | "<=>" | "<#>";
export const VECTOR_OPERATORS: readonly VectorOperator[] = ["<->", "<=>", "<#>"];

export interface VectorDistanceExpr {
  type: "binary";
  op: VectorOperator;
  left: Expr;
  right: Expr;
}

/** A bare vector constant `[1, 2.5, -3]` (Alopex syntax; `'[1,2,3]'::vector` stays a cast). */
export interface VectorLiteralExpr {
  type: "vector literal";
  values: number[];
}

/** `a IS [NOT] DISTINCT FROM b`, which the library cannot parse. */
export interface DistinctFromExpr {
  type: "binary";
  op: "IS DISTINCT FROM" | "IS NOT DISTINCT FROM";
  left: Expr;
  right: Expr;
}

/** `a IS [NOT] UNKNOWN` (a boolean test, like IS NULL but only for booleans). */
export interface IsUnknownExpr {
  type: "unary";
  op: "IS UNKNOWN" | "IS NOT UNKNOWN";
  operand: Expr;
}

export type Expr = pg.Expr | VectorDistanceExpr | VectorLiteralExpr | DistinctFromExpr | IsUnknownExpr;

/**
 * Integer and numeric constants that a JavaScript number cannot hold (more than 15 significant
 * digits, like int8 extremes and long decimals, or out of its range: 1e400) also carry their
 * source text.
 */
export type NumberLiteralExpr = (pg.ExprInteger | pg.ExprNumeric) & { text?: string };

/** Window frame of `OVER (... ROWS|RANGE|GROUPS ...)`; a lone start bound means "... AND CURRENT ROW". */
export interface WindowFrame {
  mode: "rows" | "range" | "groups";
  start: FrameBound;
  end: FrameBound;
  exclude?: "current row" | "group" | "ties";
}

export type FrameBound =
  | { type: "unbounded preceding" }
  | { type: "preceding"; offset: Expr }
  | { type: "current row" }
  | { type: "following"; offset: Expr }
  | { type: "unbounded following" };

/** A window specification's reference to a named window: `OVER w` (bare) or `OVER (w ...)`. */
export interface WindowRefSpec {
  name: string;
  bare: boolean;
  /** PARTITION BY was written after the name (which PostgreSQL refuses). */
  partitionBy: boolean;
}

/** What `ExprCall.over` holds at runtime: the library's window plus our frame and reference. */
export type WindowSpec = pg.CallOver & { frame?: WindowFrame; ref?: WindowRefSpec };

/** `ALTER COLUMN c [SET DATA] TYPE t [USING expr]` as restore leaves it in `changes[i].alter`. */
export interface AlterColumnSetType {
  type: "set type";
  dataType: pg.DataTypeDef;
  using?: Expr;
}

/** An entry of a SELECT's WINDOW clause, which arrives as `SelectFromStatement.window`. */
export interface NamedWindow {
  name: string;
  spec: WindowSpec;
}

// ---- types -------------------------------------------------------------------------------

export type VectorMetric = "cosine" | "l2" | "inner";

/** `VECTOR(n, COSINE)`: a data type node named "vector" with config [n] and the metric. */
export type VectorDataType = pg.BasicDataTypeDef & { name: "vector"; metric?: VectorMetric };

export type DataTypeDef = pg.DataTypeDef | VectorDataType;

// ---- queries -----------------------------------------------------------------------------

export type SetOperator = "union" | "union all" | "intersect" | "intersect all" | "except" | "except all";

const SET_OPERATORS: ReadonlySet<string> = new Set<SetOperator>(["union", "union all", "intersect", "intersect all", "except", "except all"]);

/** Whether a statement type is one of the set operations (a SetOperationStatement). */
export function isSetOperator(type: string): type is SetOperator {
  return SET_OPERATORS.has(type);
}

/**
 * UNION / INTERSECT / EXCEPT, left-associative, INTERSECT binding tighter. ORDER BY, LIMIT and
 * locking clauses after the last operand apply to the whole operation and are kept here.
 */
export interface SetOperationStatement {
  type: SetOperator;
  left: Statement;
  right: Statement;
  orderBy?: pg.OrderByStatement[];
  limit?: pg.LimitStatement;
  for?: pg.ForStatement;
  skip?: pg.SkipClause;
}

export interface CommonTableExpression {
  alias: pg.Name;
  columnNames?: pg.Name[];
  /** Present when MATERIALIZED (true) or NOT MATERIALIZED (false) was written. */
  materialized?: boolean;
  statement: Statement;
}

/** WITH [RECURSIVE] ... (the library's two WITH node types replaced by this one). */
export interface WithQueryStatement {
  type: "with";
  recursive: boolean;
  bind: CommonTableExpression[];
  in: Statement;
}

// ---- transactions ------------------------------------------------------------------------

export type IsolationLevel = "serializable" | "repeatable read" | "read committed" | "read uncommitted";

export interface TransactionModes {
  isolationLevel?: IsolationLevel;
  writeable?: "read write" | "read only";
  deferrable?: boolean;
}

/** BEGIN and START TRANSACTION (the same command). */
export interface BeginStatement extends TransactionModes {
  type: "begin";
}

/** COMMIT and END. */
export interface CommitStatement {
  type: "commit";
}

/** ROLLBACK and ABORT. */
export interface RollbackStatement {
  type: "rollback";
}

export interface SavepointStatement {
  type: "savepoint";
  name: pg.Name;
}

export interface ReleaseSavepointStatement {
  type: "release savepoint";
  name: pg.Name;
}

export interface RollbackToSavepointStatement {
  type: "rollback to savepoint";
  name: pg.Name;
}

/** SET TRANSACTION ..., or with `session` SET SESSION CHARACTERISTICS AS TRANSACTION ... */
export interface SetTransactionStatement extends TransactionModes {
  type: "set transaction";
  session: boolean;
}

export interface PrepareTransactionStatement {
  type: "prepare transaction";
  gid: string;
}

export interface CommitPreparedStatement {
  type: "commit prepared";
  gid: string;
}

export interface RollbackPreparedStatement {
  type: "rollback prepared";
  gid: string;
}

// ---- settings ----------------------------------------------------------------------------

/**
 * SET [SESSION|LOCAL] name {=|TO} value. The library's node shape; `variable.name` may be
 * dotted ("hnsw.ef_search"), each part folded like an identifier. SET TIME ZONE and SET NAMES
 * come out as the parameters they set, "timezone" and "client_encoding".
 */
export type SetStatement = pg.SetGlobalStatement;

export interface ResetStatement {
  type: "reset";
  variable: pg.Name;
}

export interface ResetAllStatement {
  type: "reset all";
}

/** SHOW name; SHOW TRANSACTION ISOLATION LEVEL is variable "transaction_isolation", as in PostgreSQL. */
export type ShowStatement = pg.ShowStatement;

export interface ShowAllStatement {
  type: "show all";
}

// ---- utility -----------------------------------------------------------------------------

export interface ExplainOption {
  name: string;
  /** true when the option is written without a value. */
  value: string | number | boolean;
}

export interface ExplainStatement {
  type: "explain";
  analyze: boolean;
  verbose: boolean;
  /** Every option as written in `EXPLAIN (a, b c)`; ANALYZE and VERBOSE are also folded into the flags. */
  options: ExplainOption[];
  statement: Statement;
}

export interface AnalyzeStatement {
  type: "analyze";
  verbose: boolean;
  /** Empty: every table. */
  tables: pg.QName[];
}

/**
 * VACUUM [(options)] [tables]: storage here needs no vacuuming (old MVCC versions go with
 * compaction), so only its ANALYZE part has an effect.
 */
export interface VacuumStatement {
  type: "vacuum";
  analyze: boolean;
  /** Every option as written, in either syntax (FULL, FREEZE, VERBOSE, ANALYZE or `(name value, ...)`). */
  options: ExplainOption[];
  /** Empty: every table. Column lists are accepted and ignored. */
  tables: pg.QName[];
}

/** `WITH (fillfactor = 90)` of CREATE TABLE: a storage parameter, as written. */
export interface StorageParameter {
  name: string;
  /** undefined when written without a value (`WITH (autovacuum_enabled)`). */
  value?: string;
}

/** CREATE TABLE with the storage parameters the library does not parse. */
export type CreateTableStatement = pg.CreateTableStatement & { storageParameters?: StorageParameter[] };

export type LockMode =
  | "access share"
  | "row share"
  | "row exclusive"
  | "share update exclusive"
  | "share"
  | "share row exclusive"
  | "exclusive"
  | "access exclusive";

export interface LockStatement {
  type: "lock";
  tables: pg.QName[];
  mode: LockMode;
  nowait: boolean;
}

export interface CopyOptions {
  format?: "text" | "csv" | "binary";
  header?: boolean | "match";
  delimiter?: string;
  null?: string;
  quote?: string;
  escape?: string;
  encoding?: string;
  freeze?: boolean;
  forceQuote?: pg.Name[] | "*";
  forceNotNull?: pg.Name[];
  forceNull?: pg.Name[];
}

/** COPY between a table or query and the client (STDIN / STDOUT). */
export interface CopyStatement {
  type: "copy";
  direction: "from" | "to";
  table?: pg.QName;
  columns?: pg.Name[];
  /** COPY (query) TO STDOUT. */
  query?: Statement;
  options: CopyOptions;
}

export interface RoleOptions {
  login?: boolean;
  superuser?: boolean;
  createdb?: boolean;
  createrole?: boolean;
  inherit?: boolean;
  replication?: boolean;
  bypassrls?: boolean;
  /** null: PASSWORD NULL (no password). */
  password?: string | null;
  connectionLimit?: number;
  validUntil?: string;
}

/** CREATE ROLE / CREATE USER; CREATE USER means LOGIN unless NOLOGIN is given, as in PostgreSQL. */
export interface CreateRoleStatement {
  type: "create role";
  name: pg.Name;
  options: RoleOptions;
}

export interface AlterRoleStatement {
  type: "alter role";
  name: pg.Name;
  options: RoleOptions;
}

export interface DropRoleStatement {
  type: "drop role";
  names: pg.Name[];
  ifExists: boolean;
}

/**
 * CREATE [OR REPLACE] [TEMP] VIEW. The library's node lacks the query's source text, which the
 * catalog stores (and it cannot parse set operations there).
 */
export interface CreateViewStatement {
  type: "create view";
  name: pg.QName;
  orReplace: boolean;
  temp: boolean;
  recursive: boolean;
  columnNames?: pg.Name[];
  /** WITH (name [= value], ...) before AS. */
  options: StorageParameter[];
  query: Statement;
  /** The query as written (from its first token to its last). */
  queryText: string;
  checkOption?: "local" | "cascaded";
}

export interface DropViewStatement {
  type: "drop view";
  names: pg.QName[];
  ifExists: boolean;
  cascade?: "cascade" | "restrict";
}

/** ALTER VIEW: RENAME TO and RENAME COLUMN; `other` names a form Alopex does not do. */
export interface AlterViewStatement {
  type: "alter view";
  name: pg.QName;
  ifExists: boolean;
  action: { kind: "rename"; to: pg.Name } | { kind: "rename column"; column: pg.Name; to: pg.Name } | { kind: "other"; words: string };
}

// ---- statements --------------------------------------------------------------------------

export type AlopexStatement =
  | SetOperationStatement
  | WithQueryStatement
  | BeginStatement
  | CommitStatement
  | RollbackStatement
  | SavepointStatement
  | ReleaseSavepointStatement
  | RollbackToSavepointStatement
  | SetTransactionStatement
  | PrepareTransactionStatement
  | CommitPreparedStatement
  | RollbackPreparedStatement
  | ResetStatement
  | ResetAllStatement
  | ShowAllStatement
  | ExplainStatement
  | AnalyzeStatement
  | VacuumStatement
  | LockStatement
  | CopyStatement
  | CreateRoleStatement
  | AlterRoleStatement
  | DropRoleStatement
  | CreateViewStatement
  | DropViewStatement
  | AlterViewStatement;

/** Library node types we never return: replaced by the ones above. */
type ReplacedLibraryStatement =
  | pg.WithStatement
  | pg.WithRecursiveStatement
  | pg.SelectFromUnion
  | pg.StartTransactionStatement
  | pg.BeginStatement
  | pg.CommitStatement
  | pg.RollbackStatement
  | pg.SetTimezone
  | pg.SetNames
  | pg.CreateViewStatement;

export type Statement = Exclude<pg.Statement, ReplacedLibraryStatement> | AlopexStatement;

/** Offsets into the SQL string given to parseSql: [start, end), without the closing semicolon. */
export interface SourceSpan {
  start: number;
  end: number;
}

export type ParsedStatement = Statement & { span: SourceSpan };
