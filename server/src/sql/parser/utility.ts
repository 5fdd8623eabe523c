import type { QName } from "pgsql-ast-parser";
import type { AnalyzeStatement, ExplainOption, ExplainStatement, LockMode, LockStatement, VacuumStatement } from "./ast.js";
import type { Cursor } from "./cursor.js";
import { parseStatement } from "./statement.js";
import { isPunct, isWord } from "./structure.js";

/** EXPLAIN, ANALYZE, VACUUM and LOCK. */

function explainOptionValue(c: Cursor): string | number | boolean {
  const t = c.peek();
  if (t === undefined || isPunct(t, ",") || isPunct(t, ")")) return true;
  if (t.kind === "number" || (t.kind === "op" && (t.value === "-" || t.value === "+"))) return c.expectNumber();
  if (t.kind !== "ident" && t.kind !== "string") throw c.fail();
  c.pos++;
  const v = t.value.toLowerCase();
  if (t.kind === "ident" && (v === "true" || v === "on")) return true;
  if (t.kind === "ident" && (v === "false" || v === "off")) return false;
  return t.value;
}

/** `(` starts an option list unless it starts the statement itself: EXPLAIN (SELECT 1). */
function startsOptionList(c: Cursor): boolean {
  if (!c.isPunct("(")) return false;
  const next = c.peek(1);
  return !(isWord(next, "select") || isWord(next, "values") || isWord(next, "with") || isPunct(next, "("));
}

export function parseExplain(c: Cursor): ExplainStatement {
  c.expectWords("explain");
  const options: ExplainOption[] = [];
  if (startsOptionList(c)) {
    c.expectPunct("(");
    do {
      const name = c.peek();
      if (name?.kind !== "ident") throw c.fail();
      c.pos++;
      options.push({ name: name.value === "analyse" ? "analyze" : name.value, value: explainOptionValue(c) });
    } while (c.acceptPunct(","));
    c.expectPunct(")");
  } else {
    if (c.oneOf(["analyze", "analyse"])) options.push({ name: "analyze", value: true });
    if (c.acceptWords("verbose")) options.push({ name: "verbose", value: true });
  }
  const flag = (name: string) => options.some((o) => o.name === name && o.value !== false);
  const statement = parseStatement(c.ctx, c.rest(), "dml");
  return { type: "explain", analyze: flag("analyze"), verbose: flag("verbose"), options, statement };
}

export function parseAnalyze(c: Cursor): AnalyzeStatement {
  c.expectOneOf(["analyze", "analyse"]);
  const verbose = c.acceptWords("verbose");
  const tables: QName[] = [];
  if (!c.atEnd()) {
    do tables.push(c.expectQualifiedName());
    while (c.acceptPunct(","));
  }
  c.expectEnd();
  return { type: "analyze", verbose, tables };
}

/** The old VACUUM syntax's option words, in the order its grammar takes them. */
const VACUUM_WORDS = ["full", "freeze", "verbose", "analyze", "analyse"];

/** VACUUM [(option [value], ...)] | [FULL] [FREEZE] [VERBOSE] [ANALYZE], then tables with optional column lists. */
export function parseVacuum(c: Cursor): VacuumStatement {
  c.expectWords("vacuum");
  const options: ExplainOption[] = [];
  if (c.isPunct("(")) {
    c.expectPunct("(");
    do {
      const name = c.peek();
      if (name?.kind !== "ident") throw c.fail();
      c.pos++;
      options.push({ name: name.value === "analyse" ? "analyze" : name.value, value: explainOptionValue(c) });
    } while (c.acceptPunct(","));
    c.expectPunct(")");
  } else {
    for (const word of VACUUM_WORDS) {
      if (c.acceptWords(word)) options.push({ name: word === "analyse" ? "analyze" : word, value: true });
    }
  }
  const tables: QName[] = [];
  if (!c.atEnd()) {
    do {
      tables.push(c.expectQualifiedName());
      c.parenNameList();
    } while (c.acceptPunct(","));
  }
  c.expectEnd();
  const analyze = options.some((o) => o.name === "analyze" && o.value !== false);
  return { type: "vacuum", analyze, options, tables };
}

/** Longest spellings first, so SHARE ROW EXCLUSIVE is not read as SHARE. */
const LOCK_MODES: readonly LockMode[] = [
  "share update exclusive",
  "share row exclusive",
  "access share",
  "access exclusive",
  "row share",
  "row exclusive",
  "share",
  "exclusive",
];

export function parseLock(c: Cursor): LockStatement {
  c.expectWords("lock");
  c.acceptWords("table");
  const tables: QName[] = [];
  do {
    c.acceptWords("only");
    tables.push(c.expectQualifiedName());
    if (c.peek()?.kind === "op" && c.peek()?.value === "*") c.pos++;
  } while (c.acceptPunct(","));
  let mode: LockMode = "access exclusive";
  if (c.acceptWords("in")) {
    const found = LOCK_MODES.find((m) => c.acceptWords(...m.split(" ")));
    if (!found) throw c.fail();
    mode = found;
    c.expectWords("mode");
  }
  const nowait = c.acceptWords("nowait");
  c.expectEnd();
  return { type: "lock", tables, mode, nowait };
}
