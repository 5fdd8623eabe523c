import type { SelectFromStatement } from "pgsql-ast-parser";
import type { CommonTableExpression, SetOperationStatement, SetOperator, Statement, WithQueryStatement } from "./ast.js";
import { errorAt, isEmpty, type ParseContext } from "./context.js";
import { Cursor } from "./cursor.js";
import { parseWithLibrary } from "./library.js";
import { parseStatement } from "./statement.js";
import { isPunct, isWord, type TokenRange } from "./structure.js";

/**
 * Queries: WITH and UNION / INTERSECT / EXCEPT are ours (the library lacks INTERSECT, EXCEPT,
 * column lists on CTEs and several CTEs under RECURSIVE, nests UNION chains to the right and
 * attaches a final ORDER BY / LIMIT to the last operand); each simple SELECT or VALUES in
 * between goes to the library.
 */
export function parseQuery(ctx: ParseContext, range: TokenRange): Statement {
  if (isEmpty(range)) throw errorAt(ctx, range.end);
  const first = ctx.tokens[range.start];
  if (isWord(first, "with")) return parseWith(ctx, range);
  const parts = splitSetOperations(ctx, range);
  if (parts.ops.length === 0) return simpleQuery(ctx, range);
  const operands = parts.operands.map((r) => simpleQuery(ctx, r));
  let result = combine(operands, parts.ops.map((o) => o.op));
  if (parts.tail) result = { ...result, ...tailClauses(ctx, parts.tail) };
  return result;
}

/** A SELECT or VALUES (or a parenthesised query) without a top-level set operation. */
function simpleQuery(ctx: ParseContext, range: TokenRange): Statement {
  if (isEmpty(range)) throw errorAt(ctx, range.end);
  const first = ctx.tokens[range.start];
  if (isPunct(first, "(")) {
    const close = ctx.match[range.start] ?? -1;
    if (close < 0 || close >= range.end) throw errorAt(ctx, range.end);
    if (close !== range.end - 1) throw errorAt(ctx, close + 1);
    return parseQuery(ctx, { start: range.start + 1, end: close });
  }
  if (!isWord(first, "select") && !isWord(first, "values")) throw errorAt(ctx, range.start);
  if (isWord(first, "values")) {
    const tail = tailStart(ctx, range);
    if (tail >= 0) return valuesWithTail(ctx, { start: range.start, end: tail }, { start: tail, end: range.end });
  }
  return parseWithLibrary(ctx, range, (r) => parseQuery(ctx, r));
}

/** Where a top-level ORDER BY / LIMIT / OFFSET / FETCH begins, or -1. */
function tailStart(ctx: ParseContext, range: TokenRange): number {
  for (let i = range.start; i < range.end; i++) {
    const t = ctx.tokens[i];
    if (t?.kind === "ident" && TAIL_WORDS.has(t.value) && t.value !== "for" && (t.value !== "order" || isWord(ctx.tokens[i + 1], "by"))) return i;
    const close = ctx.match[i] ?? -1;
    if (close > i && close < range.end) i = close;
  }
  return -1;
}

/**
 * VALUES ... ORDER BY / LIMIT, which the library rejects: as PostgreSQL plans it, a SELECT *
 * over the VALUES list (named "*VALUES*", with its columns column1, column2, ...).
 */
function valuesWithTail(ctx: ParseContext, values: TokenRange, tail: TokenRange): Statement {
  const statement = parseWithLibrary(ctx, values, (r) => parseQuery(ctx, r));
  const select = { type: "select", columns: [{ expr: { type: "ref", name: "*" } }], from: [{ type: "statement", statement, alias: "*VALUES*" }] };
  return { ...select, ...tailClauses(ctx, tail) } as Statement;
}

interface SetOperationParts {
  operands: TokenRange[];
  ops: { op: SetOperator; index: number }[];
  /** ORDER BY / LIMIT / OFFSET / FETCH / FOR after the last operand. */
  tail: TokenRange | null;
}

const TAIL_WORDS = new Set(["order", "limit", "offset", "fetch", "for"]);

function splitSetOperations(ctx: ParseContext, range: TokenRange): SetOperationParts {
  const operands: TokenRange[] = [];
  const ops: { op: SetOperator; index: number }[] = [];
  let start = range.start;
  let tailAt = -1;
  for (let i = range.start; i < range.end; i++) {
    const t = ctx.tokens[i];
    if (isWord(t, "union") || isWord(t, "intersect") || isWord(t, "except")) {
      // A sort or limit belongs to the whole operation, so one before UNION is misplaced.
      if (i === start || tailAt >= 0) throw errorAt(ctx, i);
      operands.push({ start, end: i });
      let op = (t?.value ?? "") as SetOperator;
      if (isWord(ctx.tokens[i + 1], "all")) op = `${op} all` as SetOperator;
      const skip = isWord(ctx.tokens[i + 1], "all") || isWord(ctx.tokens[i + 1], "distinct") ? 1 : 0;
      ops.push({ op, index: i });
      i += skip;
      start = i + 1;
      continue;
    }
    if (t?.kind === "ident" && TAIL_WORDS.has(t.value) && tailAt < 0 && (t.value !== "order" || isWord(ctx.tokens[i + 1], "by"))) {
      tailAt = i;
    }
    const close = ctx.match[i] ?? -1;
    if (close > i && close < range.end) i = close;
  }
  if (ops.length === 0) return { operands: [], ops, tail: null };
  const lastEnd = tailAt >= start ? tailAt : range.end;
  operands.push({ start, end: lastEnd });
  return { operands, ops, tail: tailAt >= start ? { start: tailAt, end: range.end } : null };
}

/** INTERSECT binds tighter than UNION and EXCEPT; all are left-associative. */
function combine(operands: Statement[], ops: SetOperator[]): SetOperationStatement {
  const terms: Statement[] = [operands[0] as Statement];
  const termOps: SetOperator[] = [];
  ops.forEach((op, k) => {
    const right = operands[k + 1] as Statement;
    if (op.startsWith("intersect")) terms.push({ type: op, left: terms.pop() as Statement, right });
    else {
      termOps.push(op);
      terms.push(right);
    }
  });
  let result = terms[0] as Statement;
  termOps.forEach((op, k) => {
    result = { type: op, left: result, right: terms[k + 1] as Statement };
  });
  return result as SetOperationStatement;
}

/** The clauses after the last operand, parsed by the library as `SELECT 1 <tail>`. */
function tailClauses(ctx: ParseContext, tail: TokenRange): Partial<SetOperationStatement> {
  const select = parseWithLibrary(ctx, tail, (r) => parseQuery(ctx, r), "SELECT 1") as SelectFromStatement;
  const out: Partial<SetOperationStatement> = {};
  if (select.orderBy) out.orderBy = select.orderBy;
  if (select.limit) out.limit = select.limit;
  if (select.for) out.for = select.for;
  if (select.skip) out.skip = select.skip;
  return out;
}

function parseWith(ctx: ParseContext, range: TokenRange): WithQueryStatement {
  const c = new Cursor(ctx, range);
  c.expectWords("with");
  const recursive = c.acceptWords("recursive");
  const bind: CommonTableExpression[] = [];
  do {
    const alias = c.expectName();
    const columnNames = c.parenNameList();
    c.expectWords("as");
    let materialized: boolean | undefined;
    if (c.acceptWords("materialized")) materialized = true;
    else if (c.acceptWords("not", "materialized")) materialized = false;
    const statement = parseStatement(ctx, c.expectGroup(), "dml");
    bind.push({ alias, ...(columnNames ? { columnNames } : {}), ...(materialized !== undefined ? { materialized } : {}), statement });
  } while (c.acceptPunct(","));
  if (c.atEnd() || c.isWord("with")) throw c.fail();
  return { type: "with", recursive, bind, in: parseStatement(ctx, c.rest(), "dml") };
}
