/**
 * Reads sqllogictest files. Records are separated by blank (empty or whitespace-only) lines;
 * lines starting with `#` are comments between records and in front of a record's header, but
 * inside a record's SQL or results they are taken literally (a result value may start with '#').
 * Anything the runner would not understand is an error naming file:line, so a typo cannot
 * silently turn a record into one that checks nothing.
 */
import type { SltCondition, SltErrorExpectation, SltRecord, SltSortMode } from "./types.js";
import { readResultLines } from "./values.js";

export class SltParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = "SltParseError";
  }
}

const SQLSTATE = /^[0-9A-Z]{5}$/;
const SORT_MODES: readonly string[] = ["nosort", "rowsort", "valuesort"];

function isBlank(line: string): boolean {
  return line.trim() === "";
}

function isSeparator(line: string): boolean {
  return line.trim() === "----";
}

function words(line: string): string[] {
  return line.trim().split(/\s+/);
}

/**
 * The expectation written after `statement error` / `query error`:
 * - nothing: any error with a SQLSTATE;
 * - exactly five characters of [0-9A-Z]: that SQLSTATE. This wins over reading it as a regex;
 *   to match a message against such a word, write it as another regex, e.g. `(ABCDE)`;
 * - `pgcode XXXXX [regex]` (CockroachDB's form): that SQLSTATE, and the message must match;
 * - anything else: a regex (JavaScript syntax) searched for in the message, unanchored.
 */
export function parseErrorExpectation(text: string, file: string, line: number): SltErrorExpectation {
  const t = text.trim();
  if (t === "") return { kind: "any" };
  if (SQLSTATE.test(t)) return { kind: "sqlstate", sqlstate: t };
  const pg = /^pgcode\s+(\S+)(?:\s+(.*))?$/.exec(t);
  if (pg) {
    const code = pg[1]!;
    if (!SQLSTATE.test(code)) throw new SltParseError(file, line, `pgcode needs a SQLSTATE of five characters [0-9A-Z], got "${code}"`);
    const rest = pg[2]?.trim();
    return rest ? { kind: "sqlstate", sqlstate: code, message: compileRegex(rest, file, line) } : { kind: "sqlstate", sqlstate: code };
  }
  return { kind: "message", message: compileRegex(t, file, line) };
}

function compileRegex(source: string, file: string, line: number): RegExp {
  try {
    return new RegExp(source);
  } catch (e) {
    throw new SltParseError(file, line, `invalid error regex ${JSON.stringify(source)}: ${(e as Error).message}`);
  }
}

export function parseSltFile(text: string, fileName: string): SltRecord[] {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  const records: SltRecord[] = [];
  const fail = (index: number, reason: string): never => {
    throw new SltParseError(fileName, index + 1, reason);
  };
  let i = 0;

  /** Lines from `i` up to the next blank line or `----` (not consumed). */
  const body = (): { lines: string[]; first: number } => {
    const first = i;
    const out: string[] = [];
    while (i < lines.length && !isBlank(lines[i]!) && !isSeparator(lines[i]!)) out.push(lines[i++]!);
    return { lines: out, first };
  };

  while (i < lines.length) {
    const first = lines[i]!;
    if (isBlank(first) || first.trim().startsWith("#")) {
      i++;
      continue;
    }
    const conditions: SltCondition[] = [];
    let header: string[];
    for (;;) {
      const line = lines[i];
      if (line === undefined || isBlank(line)) return fail(i - 1, "skipif/onlyif must be followed by a record in the same block");
      if (line.trim().startsWith("#")) {
        i++;
        continue;
      }
      header = words(line);
      if (header[0] !== "skipif" && header[0] !== "onlyif") break;
      if (header.length !== 2) fail(i, `${header[0]} takes one engine name`);
      conditions.push({ kind: header[0], engine: header[1]!, line: i + 1 });
      i++;
    }
    const headerIndex = i;
    const base = { file: fileName, line: headerIndex + 1, conditions };
    i++;

    switch (header[0]) {
      case "statement": {
        const mode = header[1];
        const sql = body();
        if (i < lines.length && isSeparator(lines[i]!)) fail(i, "statement records have no result section (use a query record)");
        if (sql.lines.length === 0) fail(headerIndex, "statement record without SQL");
        const common = { ...base, kind: "statement" as const, sql: sql.lines.join("\n"), endLine: i };
        if (mode === "ok" && header.length === 2) {
          records.push({ ...common, expect: { kind: "ok" } });
        } else if (mode === "count" && header.length === 3 && /^\d+$/.test(header[2]!)) {
          records.push({ ...common, expect: { kind: "count", count: Number(header[2]) } });
        } else if (mode === "error") {
          const rest = lines[headerIndex]!.trim().slice("statement".length).trim().slice("error".length);
          records.push({ ...common, expect: { kind: "error", error: parseErrorExpectation(rest, fileName, headerIndex + 1) } });
        } else {
          fail(headerIndex, `expected "statement ok", "statement count N" or "statement error [SQLSTATE|regex]", got "${lines[headerIndex]!.trim()}"`);
        }
        break;
      }
      case "query": {
        if (header[1] === "error") {
          const rest = lines[headerIndex]!.trim().slice("query".length).trim().slice("error".length);
          const error = parseErrorExpectation(rest, fileName, headerIndex + 1);
          const sql = body();
          if (i < lines.length && isSeparator(lines[i]!)) fail(i, "query error records have no result section");
          if (sql.lines.length === 0) fail(headerIndex, "query record without SQL");
          records.push({ ...base, kind: "query-error", sql: sql.lines.join("\n"), error, endLine: i });
          break;
        }
        const types = header[1];
        if (types === undefined) fail(headerIndex, "query needs a type string (one letter per column, e.g. ITR)");
        if (!/^[A-Z]+$/.test(types!)) fail(headerIndex, `query type string must be upper-case letters, one per column; got "${types}"`);
        const sort = header[2] ?? "nosort";
        if (!SORT_MODES.includes(sort)) fail(headerIndex, `unknown sort mode "${sort}" (nosort, rowsort or valuesort)`);
        if (header.length > 4) fail(headerIndex, `unexpected "${header.slice(4).join(" ")}" after the label`);
        const sql = body();
        if (sql.lines.length === 0) fail(headerIndex, "query record without SQL");
        let separatorLine: number | undefined;
        const results: string[] = [];
        if (i < lines.length && isSeparator(lines[i]!)) {
          separatorLine = i + 1;
          i++;
          while (i < lines.length && !isBlank(lines[i]!)) results.push(lines[i++]!);
        }
        records.push({
          ...base,
          kind: "query",
          sql: sql.lines.join("\n"),
          types: types!,
          sort: sort as SltSortMode,
          ...(header[3] !== undefined ? { label: header[3] } : {}),
          expected: readResultLines(results, types!.length),
          ...(separatorLine !== undefined ? { separatorLine } : {}),
          endLine: i,
        });
        break;
      }
      case "hash-threshold":
        if (header.length !== 2 || !/^\d+$/.test(header[1]!)) fail(headerIndex, "hash-threshold takes one non-negative integer");
        records.push({ ...base, kind: "hash-threshold", threshold: Number(header[1]), endLine: headerIndex + 1 });
        break;
      case "halt":
        if (header.length !== 1) fail(headerIndex, "halt takes no arguments");
        records.push({ ...base, kind: "halt", endLine: headerIndex + 1 });
        break;
      default:
        fail(headerIndex, `unknown or unsupported record type "${header[0]}"`);
    }
  }
  return records;
}
