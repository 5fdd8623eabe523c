/**
 * Runs parsed records against an engine, collecting every failure (a failing record does not
 * stop the file; only `halt` does, as in sqllogictest).
 *
 * Errors: an error without a SQLSTATE is an engine bug, so it fails every record, even
 * `statement error` with no pattern. Errors of class XX (internal_error and friends) satisfy only
 * an expectation that names their SQLSTATE, for the same reason.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { sqlstateOf } from "../../../common/sqlstate-error.js";
import { parseSltFile } from "./parser.js";
import type {
  SltEngine,
  SltErrorExpectation,
  SltFailure,
  SltFailureKind,
  SltQueryErrorRecord,
  SltQueryRecord,
  SltRecord,
  SltReport,
  SltResult,
  SltRunOptions,
  SltStatementRecord,
} from "./types.js";
import { diffRows, groupRows, hashValues, renderValue, sameValues, sortValues, writeResultLines } from "./values.js";

type Outcome = { ok: true; result: SltResult } | { ok: false; sqlstate: string | undefined; message: string };

/** What a query record returned, rendered and sorted, for the rewrite mode. */
export interface SltQueryActual {
  record: SltQueryRecord;
  values: string[];
  hashThreshold: number;
}

interface RunHooks {
  onQueryActual?: (actual: SltQueryActual, failure: SltFailure | undefined) => void;
}

export async function runSlt(records: readonly SltRecord[], engine: SltEngine, opts: SltRunOptions = {}): Promise<SltReport> {
  return runWithHooks(records, engine, opts, {});
}

async function runWithHooks(records: readonly SltRecord[], engine: SltEngine, opts: SltRunOptions, hooks: RunHooks): Promise<SltReport> {
  const names = new Set([opts.engineName ?? "alopex", ...(opts.engineAliases ?? ["postgresql"])]);
  const report: SltReport = { file: records[0]?.file ?? "", passed: 0, failed: 0, skipped: 0, halted: false, failures: [] };
  const labels = new Map<string, { count: number; hash: string; line: number }>();
  let hashThreshold = 0;

  for (const record of records) {
    const applies = record.conditions.every((c) => (c.kind === "skipif" ? !names.has(c.engine) : names.has(c.engine)));
    switch (record.kind) {
      case "hash-threshold":
        if (applies) hashThreshold = record.threshold;
        continue;
      case "halt":
        if (applies) {
          report.halted = true;
          return report;
        }
        continue;
    }
    if (!applies) {
      report.skipped++;
      opts.onRecord?.(record, "skipped");
      continue;
    }
    const outcome = await execute(engine, record.sql);
    let failure: SltFailure | undefined;
    if (record.kind === "statement") {
      failure = checkStatement(record, outcome);
    } else if (record.kind === "query-error") {
      failure = checkError(record, record.error, outcome);
    } else {
      const checked = checkQuery(record, outcome, hashThreshold, labels);
      failure = checked.failure;
      if (checked.values) hooks.onQueryActual?.({ record, values: checked.values, hashThreshold }, failure);
    }
    if (failure) {
      report.failed++;
      report.failures.push(failure);
    } else {
      report.passed++;
    }
    opts.onRecord?.(record, failure ? "failed" : "passed", failure);
  }
  return report;
}

async function execute(engine: SltEngine, sql: string): Promise<Outcome> {
  try {
    return { ok: true, result: await engine.execute(sql) };
  } catch (e) {
    const message = typeof e === "object" && e !== null && "message" in e && typeof e.message === "string" ? e.message : String(e);
    return { ok: false, sqlstate: sqlstateOf(e), message };
  }
}

function failure(record: SltStatementRecord | SltQueryRecord | SltQueryErrorRecord, kind: SltFailureKind, summary: string, details = ""): SltFailure {
  return { kind, file: record.file, line: record.line, sql: record.sql, summary, details };
}

function describeError(o: { sqlstate: string | undefined; message: string }): string {
  return o.sqlstate === undefined ? `error without SQLSTATE (an engine bug): ${o.message}` : `ERROR ${o.sqlstate}: ${o.message}`;
}

function describeExpectation(e: SltErrorExpectation): string {
  switch (e.kind) {
    case "any":
      return "an error";
    case "sqlstate":
      return e.message ? `SQLSTATE ${e.sqlstate} with a message matching /${e.message.source}/` : `SQLSTATE ${e.sqlstate}`;
    case "message":
      return `an error matching /${e.message.source}/`;
  }
}

function checkStatement(record: SltStatementRecord, outcome: Outcome): SltFailure | undefined {
  const expect = record.expect;
  if (expect.kind === "error") return checkError(record, expect.error, outcome);
  if (!outcome.ok) return failure(record, "unexpected-error", `statement failed: ${describeError(outcome)}`);
  if (expect.kind === "count") {
    const r = outcome.result;
    const count = r.kind === "rows" ? r.rows.length : r.rowCount;
    if (count !== expect.count) {
      return failure(record, "wrong-count", `expected row count ${expect.count}, got ${count ?? "none (the engine reported no count)"}`);
    }
  }
  return undefined;
}

function checkError(record: SltStatementRecord | SltQueryErrorRecord, expected: SltErrorExpectation, outcome: Outcome): SltFailure | undefined {
  const wanted = `expected ${describeExpectation(expected)}`;
  if (outcome.ok) return failure(record, "missing-error", `${wanted}, but the statement succeeded`);
  const { sqlstate, message } = outcome;
  let matches: boolean;
  if (sqlstate === undefined) {
    matches = false;
  } else if (expected.kind === "sqlstate") {
    matches = sqlstate === expected.sqlstate && (expected.message === undefined || expected.message.test(message));
  } else {
    matches = !sqlstate.startsWith("XX") && (expected.kind === "any" || expected.message.test(message));
  }
  return matches ? undefined : failure(record, "wrong-error", `${wanted}, got ${describeError(outcome)}`);
}

function checkQuery(
  record: SltQueryRecord,
  outcome: Outcome,
  hashThreshold: number,
  labels: Map<string, { count: number; hash: string; line: number }>,
): { failure?: SltFailure; values?: string[] } {
  if (!outcome.ok) return { failure: failure(record, "unexpected-error", `query failed: ${describeError(outcome)}`) };
  const result = outcome.result;
  if (result.kind !== "rows") return { failure: failure(record, "no-result-set", "query returned no result set (a command's status only)") };
  const columns = record.types.length;
  if (result.columns.length !== columns) {
    return {
      failure: failure(
        record,
        "wrong-column-count",
        `expected ${columns} column${columns === 1 ? "" : "s"} (types "${record.types}"), got ${result.columns.length} (${result.columns.join(", ")})`,
      ),
    };
  }
  const rendered: string[] = [];
  for (const [r, row] of result.rows.entries()) {
    if (row.length !== columns) {
      return { failure: failure(record, "wrong-column-count", `row ${r + 1} has ${row.length} values for ${columns} columns`) };
    }
    for (const [c, v] of row.entries()) {
      const text = renderValue(v, record.types[c]!);
      if (!text.ok) {
        return {
          failure: failure(record, "bad-value", `row ${r + 1}, column ${c + 1} (${result.columns[c]}, type ${record.types[c]}): ${text.error}`),
        };
      }
      rendered.push(text.text);
    }
  }
  const actual = sortValues(rendered, columns, record.sort);
  const expected = record.expected;
  let fail: SltFailure | undefined;
  if (expected.kind === "hash") {
    const hash = hashValues(actual);
    if (expected.count !== actual.length || expected.hash !== hash) {
      fail = failure(
        record,
        "wrong-hash",
        `expected ${expected.count} values hashing to ${expected.hash}, got ${actual.length} values hashing to ${hash}`,
        diffRows([], actual, columns),
      );
    }
  } else {
    const want = sortValues(expected.values, columns, record.sort);
    if (!sameValues(want, actual)) {
      const rows = (n: number) => `${n} row${n === 1 ? "" : "s"}`;
      const extra = want.length % columns === 0 ? "" : ` (the expected block has ${want.length} values, not a multiple of ${columns} columns)`;
      fail = failure(
        record,
        "wrong-result",
        `expected ${rows(groupRows(want, columns).length)}, got ${rows(result.rows.length)}, results differ${extra}`,
        diffRows(want, actual, columns),
      );
    }
  }
  if (!fail && record.label !== undefined) {
    const hash = hashValues(actual);
    const earlier = labels.get(record.label);
    if (earlier === undefined) {
      labels.set(record.label, { count: actual.length, hash, line: record.line });
    } else if (earlier.hash !== hash || earlier.count !== actual.length) {
      fail = failure(
        record,
        "label-mismatch",
        `result differs from the query labelled "${record.label}" at ${record.file}:${earlier.line}`,
        `earlier: ${earlier.count} values hashing to ${earlier.hash}\nhere:    ${actual.length} values hashing to ${hash}`,
      );
    }
  }
  return fail ? { failure: fail, values: actual } : { values: actual };
}

/** A failure as it should appear in a test log: file:line, the SQL, and the diff. */
export function formatSltFailure(f: SltFailure): string {
  const sql = f.sql
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
  const details = f.details === "" ? "" : "\n" + f.details.split("\n").map((l) => `    ${l}`).join("\n");
  return `${f.file}:${f.line}: ${f.summary}\n  sql:\n${sql}${details === "" ? "" : `\n  expected (-) / actual (+):${details}`}`;
}

export function formatSltReport(report: SltReport): string {
  const head = `${report.file}: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped${report.halted ? ", halted" : ""}`;
  return [head, ...report.failures.map(formatSltFailure)].join("\n\n");
}

export const REWRITE_ENV = "ALOPEX_SLT_REWRITE";

/**
 * Rewrite mode (like sqllogictest --complete, for writing tests): runs the file and replaces the
 * results of every query whose results or hash differ with what the engine returned. Queries that
 * pass keep their text (their layout and order are the author's); other failures (errors, column
 * counts, bad values, labels) are left alone, since only a person can decide what they mean.
 */
export async function sltCompletion(
  text: string,
  fileName: string,
  engine: SltEngine,
  opts: SltRunOptions = {},
): Promise<{ text: string; rewritten: number; report: SltReport }> {
  const records = parseSltFile(text, fileName);
  const replacements: { record: SltQueryRecord; lines: string[] }[] = [];
  const report = await runWithHooks(records, engine, opts, {
    onQueryActual: (actual, f) => {
      if (f && (f.kind === "wrong-result" || f.kind === "wrong-hash")) {
        replacements.push({ record: actual.record, lines: writeResultLines(actual.values, actual.record.types.length, actual.hashThreshold) });
      }
    },
  });
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  // Back to front, so earlier line numbers stay valid.
  for (const { record, lines: results } of replacements.sort((a, b) => b.record.line - a.record.line)) {
    const from = record.separatorLine !== undefined ? record.separatorLine - 1 : record.endLine;
    const block = results.length === 0 ? ["----"] : ["----", ...results];
    lines.splice(from, record.endLine - from, ...block);
  }
  return { text: lines.join(eol), rewritten: replacements.length, report };
}

/**
 * Runs one file with a fresh engine (closed afterwards). With ALOPEX_SLT_REWRITE=1 it first
 * rewrites the file's results from a run on one engine, then checks the rewritten file on
 * another, so the report shows what rewriting could not fix.
 */
export async function runSltFile(path: string, makeEngine: () => Promise<SltEngine>, opts: SltRunOptions = {}): Promise<SltReport> {
  const withEngine = async <T>(f: (engine: SltEngine) => Promise<T>): Promise<T> => {
    const engine = await makeEngine();
    try {
      return await f(engine);
    } finally {
      await engine.close?.();
    }
  };
  let text = readFileSync(path, "utf8");
  if (process.env[REWRITE_ENV] === "1") {
    const done = await withEngine((engine) => sltCompletion(text, path, engine, opts));
    if (done.text !== text) {
      writeFileSync(path, done.text);
      text = done.text;
    }
  }
  const records = parseSltFile(text, path);
  const report = await withEngine((engine) => runSlt(records, engine, opts));
  report.file = path;
  return report;
}
