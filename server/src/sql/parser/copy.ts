import type { Name } from "pgsql-ast-parser";
import type { CopyOptions, CopyStatement } from "./ast.js";
import type { Cursor } from "./cursor.js";
import { SqlPositionedError, characterPosition, syntaxError } from "./errors.js";
import { sourceText, type Token } from "./lexer.js";
import { parseStatement } from "./statement.js";

/**
 * COPY table [(cols)] FROM STDIN / TO STDOUT, COPY (query) TO STDOUT, with options in the
 * current `WITH (name value, ...)` form or the old keyword form (`CSV HEADER DELIMITER ','`).
 * Options are checked with PostgreSQL's errors (ProcessCopyOptions).
 */
export function parseCopy(c: Cursor): CopyStatement {
  c.expectWords("copy");
  let stmt: CopyStatement;
  if (c.isPunct("(")) {
    const query = parseStatement(c.ctx, c.expectGroup(), "dml");
    c.expectWords("to");
    stmt = { type: "copy", direction: "to", query, options: {} };
  } else {
    const table = c.expectQualifiedName();
    const columns = c.parenNameList();
    const direction = c.expectOneOf(["from", "to"]);
    stmt = { type: "copy", direction, table, options: {} };
    if (columns) stmt.columns = columns;
  }
  // PostgreSQL accepts either keyword in either direction: both mean the client connection.
  c.expectOneOf(["stdin", "stdout"]);
  stmt.options = copyOptions(c);
  c.expectEnd();
  return stmt;
}

type OptionValue = { token: Token; text: string } | null;

class OptionSink {
  readonly options: CopyOptions = {};

  constructor(private readonly c: Cursor) {}

  set<K extends keyof CopyOptions>(key: K, value: CopyOptions[K], at: Token): void {
    if (this.options[key] !== undefined) throw syntaxError(this.c.ctx.sql, at.start, sourceText(this.c.ctx.sql, at), "conflicting or redundant options");
    this.options[key] = value;
  }

  invalid(at: Token, message: string): SqlPositionedError {
    return new SqlPositionedError(message, "22023", characterPosition(this.c.ctx.sql, at.start));
  }
}

function copyOptions(c: Cursor): CopyOptions {
  const sink = new OptionSink(c);
  const withWord = c.acceptWords("with");
  if (c.isPunct("(")) {
    c.expectPunct("(");
    do genericOption(c, sink);
    while (c.acceptPunct(","));
    c.expectPunct(")");
  } else {
    while (!c.atEnd()) legacyOption(c, sink);
    if (withWord && Object.keys(sink.options).length === 0) throw c.fail();
  }
  return sink.options;
}

function optionValue(c: Cursor): OptionValue {
  const t = c.peek();
  if (t && (t.kind === "ident" || t.kind === "string" || t.kind === "number" || t.kind === "qident")) {
    c.pos++;
    return { token: t, text: t.value };
  }
  return null;
}

function booleanValue(sink: OptionSink, name: Token, v: OptionValue, allowMatch: boolean): boolean | "match" {
  if (v === null) return true;
  const s = v.text.toLowerCase();
  if (s === "true" || s === "on" || s === "1") return true;
  if (s === "false" || s === "off" || s === "0") return false;
  if (allowMatch && s === "match") return "match";
  throw sink.invalid(v.token, `${name.value} requires a Boolean value`);
}

function stringValue(c: Cursor, name: Token, v: OptionValue): string {
  if (v?.token.kind !== "string") throw syntaxError(c.ctx.sql, (v?.token ?? name).start, sourceText(c.ctx.sql, v?.token ?? name));
  return v.text;
}

/** `*` or columns: parenthesised in the option list, bare in the old keyword form. */
function columnListValue(c: Cursor): Name[] | "*" {
  if (c.peek()?.kind === "op" && c.peek()?.value === "*") {
    c.pos++;
    return "*";
  }
  return c.parenNameList() ?? c.nameList();
}

/** One `name [value]` of the parenthesised option list. */
function genericOption(c: Cursor, sink: OptionSink): void {
  const name = c.peek();
  if (name?.kind !== "ident") throw c.fail();
  c.pos++;
  switch (name.value) {
    case "format": {
      const v = optionValue(c);
      const format = v?.text.toLowerCase();
      if (format !== "text" && format !== "csv" && format !== "binary") {
        throw sink.invalid(v?.token ?? name, `COPY format "${v?.text ?? ""}" not recognized`);
      }
      sink.set("format", format, name);
      return;
    }
    case "header":
      sink.set("header", booleanValue(sink, name, optionValue(c), true), name);
      return;
    case "freeze":
      sink.set("freeze", booleanValue(sink, name, optionValue(c), false) === true, name);
      return;
    case "delimiter":
    case "null":
    case "quote":
    case "escape":
    case "encoding":
      sink.set(name.value, stringValue(c, name, optionValue(c)), name);
      return;
    case "force_quote":
      sink.set("forceQuote", columnListValue(c), name);
      return;
    case "force_not_null":
    case "force_null": {
      const cols = columnListValue(c);
      if (cols === "*") throw c.fail();
      sink.set(name.value === "force_null" ? "forceNull" : "forceNotNull", cols, name);
      return;
    }
    default:
      throw syntaxError(c.ctx.sql, name.start, sourceText(c.ctx.sql, name), `option "${name.value}" not recognized`);
  }
}

/** The pre-9.0 keyword options, still used by some clients. */
function legacyOption(c: Cursor, sink: OptionSink): void {
  const name = c.peek() as Token;
  const stringOption = (key: "delimiter" | "null" | "quote" | "escape" | "encoding") => {
    c.pos++;
    c.acceptWords("as");
    sink.set(key, c.expectString(), name);
  };
  if (c.acceptWords("binary")) sink.set("format", "binary", name);
  else if (c.acceptWords("csv")) sink.set("format", "csv", name);
  else if (c.acceptWords("header")) sink.set("header", true, name);
  else if (c.acceptWords("freeze")) sink.set("freeze", true, name);
  else if (c.isWord("delimiter") || c.isWord("null") || c.isWord("quote") || c.isWord("escape") || c.isWord("encoding")) {
    stringOption(name.value as "delimiter" | "null" | "quote" | "escape" | "encoding");
  } else if (c.acceptWords("force", "quote")) sink.set("forceQuote", columnListValue(c), name);
  else if (c.acceptWords("force", "not", "null")) {
    const cols = columnListValue(c);
    if (cols === "*") throw c.fail();
    sink.set("forceNotNull", cols, name);
  } else throw c.fail();
}
