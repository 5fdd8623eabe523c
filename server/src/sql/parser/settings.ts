import type { Name, SetGlobalValue } from "pgsql-ast-parser";
import type { Statement } from "./ast.js";
import type { Cursor } from "./cursor.js";
import { isOp } from "./structure.js";
import { parseSetTransaction } from "./transaction.js";

/**
 * SET / RESET / SHOW of run-time parameters. The library handles neither dotted names
 * (hnsw.ef_search) nor fractional values, SHOW ALL, RESET or SET LOCAL TIME ZONE, and garbles
 * value lists; all SET forms are ours so that each comes out as one node type.
 */

/** Parameter names PostgreSQL's grammar spells as several words. */
function multiWordName(c: Cursor): Name | null {
  if (c.acceptWords("time", "zone")) return { name: "timezone" };
  if (c.acceptWords("transaction", "isolation", "level")) return { name: "transaction_isolation" };
  if (c.acceptWords("session", "authorization")) return { name: "session_authorization" };
  return null;
}

/** name[.name...], each part folded like an identifier. */
function parameterName(c: Cursor): Name {
  const parts = [c.expectName().name];
  while (c.acceptPunct(".")) parts.push(c.expectName().name);
  return { name: parts.join(".") };
}

type RawValue = Exclude<SetGlobalValue, { type: "default" } | { type: "list" }>;

function setValue(c: Cursor): RawValue {
  const t = c.peek();
  if (t?.kind === "string") {
    c.pos++;
    return { type: "value", value: t.value };
  }
  if (t?.kind === "ident") {
    c.pos++;
    return { type: "identifier", name: t.value };
  }
  if (t?.kind === "qident") {
    c.pos++;
    return { type: "identifier", doubleQuoted: true, name: t.value };
  }
  return { type: "value", value: c.expectNumber() };
}

/** After SET: [SESSION | LOCAL] name {= | TO} {DEFAULT | value [, ...]}, or SET TRANSACTION. */
export function parseSet(c: Cursor): Statement {
  c.expectWords("set");
  if (c.acceptWords("transaction")) return parseSetTransaction(c, false);
  if (c.acceptWords("session", "characteristics", "as", "transaction")) return parseSetTransaction(c, true);
  const isAssign = (ahead: number) => c.isWord("to", ahead) || isOp(c.peek(ahead), "=");
  // SESSION and LOCAL are scopes unless they are the parameter's own name.
  const scope = isAssign(1) ? null : c.oneOf(["session", "local"]);
  // SET TIME ZONE x and SET NAMES x are PostgreSQL's spellings of timezone and client_encoding.
  let variable: Name;
  if (c.acceptWords("time", "zone")) variable = { name: "timezone" };
  else if (c.acceptWords("names")) variable = { name: "client_encoding" };
  else {
    variable = parameterName(c);
    if (!isAssign(0)) throw c.fail();
    c.pos++;
  }
  let set: SetGlobalValue;
  if (c.acceptWords("default")) set = { type: "default" };
  else {
    const values = [setValue(c)];
    while (c.acceptPunct(",")) values.push(setValue(c));
    set = values.length === 1 ? (values[0] as RawValue) : { type: "list", values };
  }
  c.expectEnd();
  return { type: "set", variable, ...(scope ? { scope } : {}), set };
}

export function parseShow(c: Cursor): Statement {
  c.expectWords("show");
  if (c.acceptWords("all")) {
    c.expectEnd();
    return { type: "show all" };
  }
  const variable = multiWordName(c) ?? parameterName(c);
  c.expectEnd();
  return { type: "show", variable };
}

export function parseReset(c: Cursor): Statement {
  c.expectWords("reset");
  if (c.acceptWords("all")) {
    c.expectEnd();
    return { type: "reset all" };
  }
  const variable = multiWordName(c) ?? parameterName(c);
  c.expectEnd();
  return { type: "reset", variable };
}
