import type { CreateTableStatement, Statement } from "./ast.js";
import { errorAt, isEmpty, type ParseContext } from "./context.js";
import { parseCopy } from "./copy.js";
import { Cursor } from "./cursor.js";
import { parseWithLibrary } from "./library.js";
import { parseQuery } from "./query.js";
import { parseRoleStatement } from "./roles.js";
import { splitStorageParameters, withStorageParameters } from "./storage-parameters.js";
import { parseReset, parseSet, parseShow } from "./settings.js";
import { isPunct, isWord, type TokenRange } from "./structure.js";
import { parseTransactionStatement } from "./transaction.js";
import { parseAnalyze, parseExplain, parseLock, parseVacuum } from "./utility.js";
import { parseAlterView, parseCreateView, parseDropView } from "./views.js";

/**
 * Which statements a place accepts: "any" at top level; "dml" inside WITH, EXPLAIN and
 * COPY (...), where only queries and INSERT / UPDATE / DELETE may stand.
 */
export type StatementClass = "any" | "dml";

const QUERY_WORDS = new Set(["select", "values", "with"]);
const DML_WORDS = new Set(["insert", "update", "delete"]);
/** First words of the statements left to the library besides queries and DML. */
const LIBRARY_STATEMENT_WORDS = new Set(["create", "alter", "drop", "truncate", "comment", "refresh", "do", "prepare", "deallocate"]);
const TRANSACTION_WORDS = new Set(["begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release"]);

/** CREATE [OR REPLACE] [TEMP | TEMPORARY] [RECURSIVE] VIEW (not MATERIALIZED VIEW, left to the library). */
function isCreateView(c: Cursor): boolean {
  let k = 1;
  if (c.isWord("or", k) && c.isWord("replace", k + 1)) k += 2;
  if (c.isWord("temp", k) || c.isWord("temporary", k)) k++;
  if (c.isWord("recursive", k)) k++;
  return c.isWord("view", k);
}

/** Routes a statement to our parsers for what the library gets wrong, to the library otherwise. */
export function parseStatement(ctx: ParseContext, range: TokenRange, allowed: StatementClass = "any"): Statement {
  if (isEmpty(range)) throw errorAt(ctx, range.end);
  const first = ctx.tokens[range.start];
  const word = first?.kind === "ident" ? first.value : "";
  if (QUERY_WORDS.has(word) || isPunct(first, "(")) return parseQuery(ctx, range);
  if (DML_WORDS.has(word)) return parseWithLibrary(ctx, range, (r) => parseQuery(ctx, r));
  if (allowed === "dml") throw errorAt(ctx, range.start);
  const c = new Cursor(ctx, range);
  const second = ctx.tokens[range.start + 1];
  const secondInRange = range.start + 1 < range.end;
  if (TRANSACTION_WORDS.has(word)) return parseTransactionStatement(c);
  if (word === "prepare" && secondInRange && isWord(second, "transaction")) return parseTransactionStatement(c);
  switch (word) {
    case "explain":
      return parseExplain(c);
    case "copy":
      return parseCopy(c);
    case "analyze":
    case "analyse":
      return parseAnalyze(c);
    case "lock":
      return parseLock(c);
    case "vacuum":
      return parseVacuum(c);
    case "show":
      return parseShow(c);
    case "reset":
      return parseReset(c);
    case "set":
      return parseSet(c);
    case "create":
    case "alter":
    case "drop":
      if (secondInRange && (isWord(second, "role") || isWord(second, "user"))) {
        c.pos++;
        return parseRoleStatement(c, word);
      }
      if (secondInRange && isWord(second, "view")) {
        if (word === "drop") return parseDropView(c);
        if (word === "alter") return parseAlterView(c);
      }
      if (word === "create" && isCreateView(c)) return parseCreateView(c);
      if (word === "create" && secondInRange && isWord(second, "table")) {
        const split = splitStorageParameters(ctx, range);
        const stmt = parseWithLibrary(ctx, split.range, (r) => parseQuery(ctx, r));
        return stmt.type === "create table" ? withStorageParameters(stmt as CreateTableStatement, split.parameters) : stmt;
      }
      break;
  }
  // Anything else is not a statement PostgreSQL knows, even where the library would accept it
  // (RAISE, TABLESPACE), so the error points at the first word, as PostgreSQL's does.
  if (!LIBRARY_STATEMENT_WORDS.has(word)) throw errorAt(ctx, range.start);
  return parseWithLibrary(ctx, range, (r) => parseQuery(ctx, r));
}
