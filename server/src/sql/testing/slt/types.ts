/** The records of a sqllogictest file, the engine interface the runner drives, and its report. */

/**
 * What the runner drives: one SQL statement per call. Values come back already in PostgreSQL
 * text form (the engine formats them with `formatText`); NULL is `null`. Errors are thrown; the
 * runner reads `sqlstate` and `message` from them.
 */
export interface SltEngine {
  execute(sql: string): Promise<SltResult>;
  /** Called once after the last record of a file run by `runSltFile`. */
  close?(): Promise<void>;
}

export type SltResult = { kind: "ok"; rowCount?: number } | { kind: "rows"; columns: string[]; rows: (string | null)[][] };

export type SltSortMode = "nosort" | "rowsort" | "valuesort";

/** `skipif <engine>` / `onlyif <engine>` lines in front of a record. */
export interface SltCondition {
  kind: "skipif" | "onlyif";
  engine: string;
  line: number;
}

/** What `statement error ...` / `query error ...` accepts. */
export type SltErrorExpectation =
  | { kind: "any" }
  | { kind: "sqlstate"; sqlstate: string; message?: RegExp }
  | { kind: "message"; message: RegExp };

/**
 * The expected results of a query: values in file order (not yet sorted), or a hash.
 * `layout` records how the lines were read: one row per line, or one value per line.
 */
export type SltExpectedResults =
  | { kind: "values"; values: string[]; layout: "row" | "value" }
  | { kind: "hash"; count: number; hash: string };

interface RecordBase {
  file: string;
  /** 1-based line of the record's header (`statement ...`, `query ...`, or the directive). */
  line: number;
  /** 1-based line of the record's last line. */
  endLine: number;
  conditions: SltCondition[];
}

export interface SltStatementRecord extends RecordBase {
  kind: "statement";
  sql: string;
  expect: { kind: "ok" } | { kind: "count"; count: number } | { kind: "error"; error: SltErrorExpectation };
}

export interface SltQueryRecord extends RecordBase {
  kind: "query";
  sql: string;
  /** One letter per column: T text, I integer, R real, B bool; other letters compare as text. */
  types: string;
  sort: SltSortMode;
  label?: string;
  expected: SltExpectedResults;
  /** 1-based line of `----`, absent when the record has no result section (zero rows expected). */
  separatorLine?: number;
}

export interface SltQueryErrorRecord extends RecordBase {
  kind: "query-error";
  sql: string;
  error: SltErrorExpectation;
}

export interface SltHashThresholdRecord extends RecordBase {
  kind: "hash-threshold";
  threshold: number;
}

export interface SltHaltRecord extends RecordBase {
  kind: "halt";
}

export type SltRecord = SltStatementRecord | SltQueryRecord | SltQueryErrorRecord | SltHashThresholdRecord | SltHaltRecord;

export type SltFailureKind =
  /** Values differ from the expected ones (including the row count). */
  | "wrong-result"
  /** The `N values hashing to H` line does not match. */
  | "wrong-hash"
  /** A query labelled like an earlier one returned a different result. */
  | "label-mismatch"
  /** The result has a different number of columns than the type string has letters. */
  | "wrong-column-count"
  /** A value does not have the form its type letter demands (I, R, B). */
  | "bad-value"
  /** A `query` record got no result set. */
  | "no-result-set"
  /** `statement count N` got another count. */
  | "wrong-count"
  /** An error was raised where none was expected. */
  | "unexpected-error"
  /** An error was expected and the statement succeeded. */
  | "missing-error"
  /** An error was raised, but not the expected one. */
  | "wrong-error";

export interface SltFailure {
  kind: SltFailureKind;
  file: string;
  line: number;
  sql: string;
  /** One line saying what went wrong. */
  summary: string;
  /** Expected against actual, readable (a row diff for results); may be empty. */
  details: string;
}

export type SltRecordStatus = "passed" | "failed" | "skipped";

export interface SltReport {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  /** A `halt` record stopped the run; later records were not run. */
  halted: boolean;
  failures: SltFailure[];
}

export interface SltRunOptions {
  /** The name `skipif`/`onlyif` match; default "alopex". */
  engineName?: string;
  /** Further names the engine answers to; default ["postgresql"], since Alopex aims at its behaviour. */
  engineAliases?: readonly string[];
  /** Called after each statement or query record. */
  onRecord?: (record: SltStatementRecord | SltQueryRecord | SltQueryErrorRecord, status: SltRecordStatus, failure?: SltFailure) => void;
}
