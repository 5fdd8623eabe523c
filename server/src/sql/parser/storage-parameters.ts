import type { CreateTableStatement, StorageParameter } from "./ast.js";
import type { ParseContext } from "./context.js";
import { Cursor } from "./cursor.js";
import { isPunct, isWord, type TokenRange } from "./structure.js";

/**
 * CREATE TABLE ... (columns) WITH (name [= value], ...): the library has no storage parameters,
 * so a trailing WITH list is cut off the range it parses and returned separately. Anything
 * after the list (ON COMMIT, TABLESPACE) is left in, for the library to reject.
 */
export function splitStorageParameters(ctx: ParseContext, range: TokenRange): { range: TokenRange; parameters?: StorageParameter[] } {
  let i = range.start;
  while (i < range.end && !isPunct(ctx.tokens[i], "(")) i++;
  const close = i < range.end ? ctx.match[i]! : -1;
  if (close < 0) return { range };
  const withAt = close + 1;
  if (!isWord(ctx.tokens[withAt], "with") || !isPunct(ctx.tokens[withAt + 1], "(")) return { range };
  const listEnd = ctx.match[withAt + 1]!;
  if (listEnd !== range.end - 1) return { range };
  const c = new Cursor(ctx, { start: withAt + 2, end: listEnd });
  const parameters: StorageParameter[] = [];
  do {
    let name = c.expectName().name;
    // toast.autovacuum_enabled and the like: a namespace, then the name.
    while (c.acceptPunct(".")) name += `.${c.expectName().name}`;
    if (c.peek()?.kind === "op" && c.peek()?.value === "=") {
      c.pos++;
      const t = c.peek();
      if (!t || (t.kind !== "number" && t.kind !== "ident" && t.kind !== "string" && t.kind !== "qident")) throw c.fail();
      c.pos++;
      parameters.push({ name, value: t.value });
    } else {
      parameters.push({ name });
    }
  } while (c.acceptPunct(","));
  c.expectEnd();
  return { range: { start: range.start, end: withAt }, parameters };
}

export function withStorageParameters(stmt: CreateTableStatement, parameters: StorageParameter[] | undefined): CreateTableStatement {
  return parameters ? { ...stmt, storageParameters: parameters } : stmt;
}
