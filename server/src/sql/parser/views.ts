import type { Name } from "pgsql-ast-parser";
import type { AlterViewStatement, CreateViewStatement, DropViewStatement, StorageParameter } from "./ast.js";
import type { Cursor } from "./cursor.js";
import { parseQuery } from "./query.js";
import { isPunct, isWord } from "./structure.js";

/** CREATE VIEW, DROP VIEW and ALTER VIEW, which the library parses partly (CREATE) or not at all. */

function viewOptions(c: Cursor): StorageParameter[] {
  const out: StorageParameter[] = [];
  if (!c.isWord("with")) return out;
  c.pos++;
  const inner = c.expectGroup();
  const end = c.pos;
  c.pos = inner.start;
  do {
    const name = c.expectName().name;
    if (c.peek()?.kind === "op" && c.peek()?.value === "=") {
      c.pos++;
      const t = c.peek();
      if (!t || (t.kind !== "number" && t.kind !== "ident" && t.kind !== "string" && t.kind !== "qident")) throw c.fail();
      c.pos++;
      out.push({ name, value: t.value });
    } else {
      out.push({ name });
    }
  } while (c.acceptPunct(","));
  if (c.pos !== inner.end) throw c.fail();
  c.pos = end;
  return out;
}

/** `CREATE [OR REPLACE] [TEMP | TEMPORARY] [RECURSIVE] VIEW name [(columns)] [WITH (options)] AS query [WITH [CASCADED | LOCAL] CHECK OPTION]`. */
export function parseCreateView(c: Cursor): CreateViewStatement {
  c.expectWords("create");
  const orReplace = c.acceptWords("or", "replace");
  const temp = c.oneOf(["temp", "temporary"]) !== null;
  const recursive = c.acceptWords("recursive");
  c.expectWords("view");
  const name = c.expectQualifiedName();
  const columnNames = c.parenNameList() ?? undefined;
  const options = viewOptions(c);
  c.expectWords("as");
  // A trailing CHECK OPTION clause is not part of the query.
  let end = c.range.end;
  let checkOption: "local" | "cascaded" | undefined;
  const at = (i: number) => c.ctx.tokens[i];
  if (end - c.pos >= 3 && isWord(at(end - 1), "option") && isWord(at(end - 2), "check")) {
    let w = end - 3;
    if (isWord(at(w), "local") || isWord(at(w), "cascaded")) {
      checkOption = at(w)!.value as "local" | "cascaded";
      w--;
    } else {
      checkOption = "cascaded";
    }
    if (!isWord(at(w), "with") || w <= c.pos) throw c.fail();
    end = w;
  }
  const range = { start: c.pos, end };
  const first = at(range.start);
  if (!first || (!isWord(first, "select") && !isWord(first, "values") && !isWord(first, "with") && !isWord(first, "table") && !isPunct(first, "("))) throw c.fail();
  const query = parseQuery(c.ctx, range);
  const queryText = c.ctx.sql.slice(first.start, at(end - 1)!.end);
  return {
    type: "create view",
    name,
    orReplace,
    temp,
    recursive,
    ...(columnNames && { columnNames }),
    options,
    query,
    queryText,
    ...(checkOption && { checkOption }),
  };
}

/** `DROP VIEW [IF EXISTS] name [, ...] [CASCADE | RESTRICT]`. */
export function parseDropView(c: Cursor): DropViewStatement {
  c.expectWords("drop", "view");
  const ifExists = c.acceptWords("if", "exists");
  const names = [c.expectQualifiedName()];
  while (c.acceptPunct(",")) names.push(c.expectQualifiedName());
  const cascade = c.oneOf(["cascade", "restrict"]);
  c.expectEnd();
  return { type: "drop view", names, ifExists, ...(cascade && { cascade }) };
}

/** `ALTER VIEW [IF EXISTS] name RENAME [COLUMN] ...`; other forms parse as `other`. */
export function parseAlterView(c: Cursor): AlterViewStatement {
  c.expectWords("alter", "view");
  const ifExists = c.acceptWords("if", "exists");
  const name = c.expectQualifiedName();
  if (c.acceptWords("rename")) {
    if (c.acceptWords("to")) {
      const to: Name = c.expectName();
      c.expectEnd();
      return { type: "alter view", name, ifExists, action: { kind: "rename", to } };
    }
    c.acceptWords("column");
    const column = c.expectName();
    c.expectWords("to");
    const to = c.expectName();
    c.expectEnd();
    return { type: "alter view", name, ifExists, action: { kind: "rename column", column, to } };
  }
  const words: string[] = [];
  for (let t = c.peek(); t !== undefined && t.kind === "ident" && words.length < 2; t = c.peek()) {
    words.push(t.value);
    c.pos++;
  }
  if (words.length === 0) throw c.fail();
  return { type: "alter view", name, ifExists, action: { kind: "other", words: words.join(" ") } };
}
