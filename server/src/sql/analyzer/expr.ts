/**
 * Expression analysis: AST expressions to bound, typed ScalarExprs (names resolved in a Scope,
 * literals typed, operators and functions resolved, implicit casts explicit). Aggregate and
 * window calls are handed to the query block being analysed, which gives each an output column;
 * the expression refers to that column.
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type * as pg from "pgsql-ast-parser";
import { isAggregateName, resolveAggregate } from "../functions/aggregates.js";
import { isSetReturningName, lookupFunction, lookupOperator, type ResolvedFunction, substringArgs } from "../functions/index.js";
import { rowToJson } from "../functions/json.js";
import type { Expr, FrameBound, Statement, WindowSpec } from "../parser/index.js";
import { BOOL, columnsOf, type ScalarExpr } from "../plan/expr.js";
import type { AggregateCall, LogicalPlan, SortKey, WindowCall, WindowFrameSpec } from "../plan/logical.js";
import { freeColumns } from "../plan/columns.js";
import { arrayOf, canCast, defaultOfKind, FLOAT8, INT2, INT4, INT8, Numeric, NUMERIC, parseText, type SqlType, TEXT, UNKNOWN, typeFromName, DATE, NULL_TYPE, formatType, INTERVAL } from "../types/index.js";
import type { AnalyzerContext } from "./context.js";
import { arrayComparison, arrayConstructor, subscript } from "./arrays.js";
import { regCast } from "./reg-types.js";
import { coerce, isUnknownType, unify } from "./coerce.js";
import { exprKey } from "./expr-key.js";
import type { Scope } from "./scope.js";
import { isWindowFunctionName, resolveWindowFunction } from "./window-functions.js";
import { resolveOver, type WindowDefinitions } from "./named-windows.js";

const NO_WINDOWS: WindowDefinitions = new Map();

/** Where aggregate and window calls go while a SELECT's clauses are analysed. */
export interface QueryBlock {
  readonly aggregates: AggregateCall[];
  readonly windows: WindowCall[];
  /** The SELECT's WINDOW clause, resolved (see named-windows.ts). */
  readonly namedWindows?: WindowDefinitions;
  /** Names of the WINDOW clause's entries that OVER clauses used. */
  readonly usedWindows?: Set<string>;
  /** Set while analysing an aggregate's arguments (nested aggregates are an error). */
  inAggregate: boolean;
  /** Set while analysing a window call's arguments or its PARTITION BY / ORDER BY (no window calls there). */
  inWindow?: "arguments" | "definition";
}

export interface ExprEnv {
  readonly scope: Scope;
  readonly ctx: AnalyzerContext;
  /** Absent where aggregates and window functions are not allowed (WHERE, JOIN ON, VALUES...). */
  readonly block?: QueryBlock;
  /** Clause name for "aggregate functions are not allowed in ..." messages. */
  readonly clause: string;
  /** Analyses a subquery in a child scope (injected to avoid a module cycle with select.ts). */
  readonly subquery: (stmt: Statement, scope: Scope) => Promise<LogicalPlan>;
}

export async function analyzeExpr(ast: Expr, env: ExprEnv): Promise<ScalarExpr> {
  const e = ast as AnyExpr;
  switch (e.type) {
    case "ref":
      return columnRef(e as pg.ExprRef, env);
    case "integer":
      return integerLiteral(e as pg.ExprInteger & { text?: string });
    case "numeric": {
      const n = e as pg.ExprNumeric & { text?: string };
      const text = n.text ?? String(n.value);
      return { kind: "const", value: parseNumericLiteral(text), type: NUMERIC };
    }
    case "string":
      return { kind: "const", value: (e as pg.ExprString).value, type: UNKNOWN };
    case "boolean":
      return { kind: "const", value: (e as pg.ExprBool).value, type: BOOL };
    case "null":
      return { kind: "const", value: null, type: NULL_TYPE };
    case "constant": {
      const c = e as pg.ExprConstant;
      return c.value === null ? { kind: "const", value: null, type: NULL_TYPE } : { kind: "const", value: String(c.value), type: UNKNOWN };
    }
    case "parameter": {
      const index = Number((e as pg.ExprParameter).name.slice(1)) - 1;
      if (!Number.isInteger(index) || index < 0) throw new SqlStateError(`there is no parameter ${(e as pg.ExprParameter).name}`, "42P02");
      env.ctx.params.touch(index);
      return { kind: "param", index, type: env.ctx.params.get(index) ?? UNKNOWN };
    }
    case "vector literal":
      return { kind: "const", value: Float32Array.from((e as unknown as { values: number[] }).values), type: { kind: "vector", metric: "l2" } };
    case "cast": {
      const c = e as pg.ExprCast;
      const to = castTypeOfAst(c.to as pg.DataTypeDef);
      // ARRAY[]::int[]: the cast is what gives an empty constructor its type.
      if (c.operand.type === "array" && (c.operand as pg.ExprList).expressions.length === 0 && to.kind === "array" && !to.vector) return { kind: "const", value: [], type: to };
      const operand = await analyzeExpr(c.operand, env);
      return (await regCast(operand, to, env.ctx)) ?? coerce(operand, to, "explicit", env.ctx.params);
    }
    case "binary":
      return binary(e as pg.ExprBinary, env);
    case "unary":
      return unary(e as pg.ExprUnary, env);
    case "ternary": {
      const t = e as pg.ExprTernary;
      const [v, lo, hi] = await Promise.all([analyzeExpr(t.value, env), analyzeExpr(t.lo, env), analyzeExpr(t.hi, env)]);
      const between: ScalarExpr = { kind: "and", args: [operator(">=", v, lo, env), operator("<=", v, hi, env)], type: BOOL };
      return t.op === "NOT BETWEEN" ? { kind: "not", input: between, type: BOOL } : between;
    }
    case "case":
      return caseExpr(e as pg.ExprCase, env);
    case "call":
      return call(e as pg.ExprCall, env);
    case "keyword":
      return keyword((e as pg.ExprValueKeyword).keyword, env);
    case "extract": {
      const x = e as pg.ExprExtract;
      const source = await analyzeExpr(x.from, env);
      // EXTRACT gives numeric (PostgreSQL 14 on); date_part stays double precision.
      return functionCall("extract", [{ kind: "const", value: x.field.name.toLowerCase(), type: TEXT }, source], env);
    }
    case "substring": {
      const s = e as pg.ExprSubstring;
      const value = await analyzeExpr(s.value, env);
      const from = s.from ? await analyzeExpr(s.from, env) : undefined;
      const forCount = s.for ? await analyzeExpr(s.for, env) : undefined;
      return functionCall("substring", substringArgs(value, from, forCount, { kind: "const", value: 1, type: INT4 }), env);
    }
    case "overlay": {
      const o = e as pg.ExprOverlay;
      const args = [await analyzeExpr(o.value, env), await analyzeExpr(o.placing, env), await analyzeExpr(o.from, env)];
      if (o.for) args.push(await analyzeExpr(o.for, env));
      return functionCall("overlay", args, env);
    }
    case "member": {
      const m = e as pg.ExprMember;
      const operand = await analyzeExpr(m.operand, env);
      const member: ScalarExpr = typeof m.member === "number" ? { kind: "const", value: m.member, type: INT4 } : { kind: "const", value: m.member, type: TEXT };
      return operator(m.op, operand, member, env);
    }
    case "select":
    case "union":
    case "union all":
    case "intersect":
    case "intersect all":
    case "except":
    case "except all":
    case "with":
    case "values":
      return subquery("scalar", e as unknown as Statement, env);
    case "array":
      return arrayConstructor(await Promise.all((e as pg.ExprList).expressions.map((x) => analyzeExpr(x, env))), env);
    case "arrayIndex": {
      const a = e as pg.ExprArrayIndex;
      return subscript(await analyzeExpr(a.array, env), await analyzeExpr(a.index, env), env);
    }
    case "array select":
      return subquery("array", (e as pg.ExprArrayFromSelect).select as unknown as Statement, env);
    case "list":
      throw new SqlStateError("row expressions are not supported here", "0A000");
    case "default":
      throw new SqlStateError("DEFAULT is not allowed in this context", "42601");
    default:
      throw new SqlStateError(`expressions of kind "${e.type}" are not supported`, "0A000");
  }
}

type AnyExpr = { type: string };

function integerLiteral(n: pg.ExprInteger & { text?: string }): ScalarExpr {
  if (n.text === undefined && Number.isSafeInteger(n.value)) {
    if (n.value >= -2147483648 && n.value <= 2147483647) return { kind: "const", value: n.value, type: INT4 };
    return { kind: "const", value: BigInt(n.value), type: INT8 };
  }
  const text = n.text ?? String(n.value);
  const big = BigInt(text);
  if (big >= -(2n ** 63n) && big < 2n ** 63n) return { kind: "const", value: big, type: INT8 };
  return { kind: "const", value: Numeric.fromInteger(big), type: NUMERIC };
}

/** A numeric constant read as numeric_in reads it, display scale included (4.20 keeps its zero, 1.50e1 is 15.0). */
function parseNumericLiteral(text: string): Numeric {
  return parseText(text, NUMERIC) as Numeric;
}

/** The type a cast names: arrays allowed (`::int2[]`), unlike column definitions. */
export function castTypeOfAst(t: pg.DataTypeDef): SqlType {
  if (t.kind === "array") {
    const element = castTypeOfAst(t.arrayOf);
    // PostgreSQL ignores declared dimensions: int[][] is int[], whatever its values' shape.
    return element.kind === "array" ? element : arrayOf(element);
  }
  return typeOfAst(t);
}

export function typeOfAst(t: pg.DataTypeDef): SqlType {
  if (t.kind === "array") throw new SqlStateError("array types are not supported", "0A000");
  const b = t as pg.BasicDataTypeDef & { metric?: string; intervalFields?: string };
  const mods: (number | string)[] = [...(b.config ?? [])];
  if (b.metric) mods.push(b.metric);
  const base = b.intervalFields ? `${b.name} ${b.intervalFields}` : b.name;
  const name = b.schema && b.schema !== "pg_catalog" ? `${b.schema}.${base}` : base;
  return typeFromName(name, mods);
}

function columnRef(r: pg.ExprRef, env: ExprEnv): ScalarExpr {
  if (r.name === "*") throw new SqlStateError("\"*\" is not allowed here", "42601");
  const { column } = env.scope.resolve(r.name, r.table?.name);
  return { kind: "column", id: column.id, type: column.type, name: column.name };
}

/** A resolved binary operator applied to bound operands (unknown literals and parameters typed by the choice). */
export function operator(op: string, left: ScalarExpr, right: ScalarExpr, env: Pick<ExprEnv, "ctx">): ScalarExpr {
  let fn = lookupOperator(op, left.type, right.type);
  const l = coerceOperand(left, fn.paramTypes[0]!, env);
  const r = coerceOperand(right, fn.paramTypes[1]!, env);
  if (l !== left || r !== right) fn = lookupOperator(op, l.type, r.type);
  return { kind: "call", name: op, operator: true, fn, args: [l, r], type: fn.returnType };
}

/**
 * Unknown literals and untyped parameters take the overload's parameter type, so the function
 * receives values of the type it declared (and a bad literal fails here, with its type's message).
 */
function coerceOperand(e: ScalarExpr, to: SqlType, env: Pick<ExprEnv, "ctx">): ScalarExpr {
  if (!isUnknownType(e.type)) return e;
  if (e.kind === "const" || e.kind === "param") return coerce(e, to, "implicit", env.ctx.params);
  return e;
}

function prefixOperator(op: string, operand: ScalarExpr, env: ExprEnv): ScalarExpr {
  let fn = lookupOperator(op, undefined, operand.type);
  const o = coerceOperand(operand, fn.paramTypes[0]!, env);
  if (o !== operand) fn = lookupOperator(op, undefined, o.type);
  return { kind: "call", name: op, operator: true, fn, args: [o], type: fn.returnType };
}

export function functionCall(name: string, args: ScalarExpr[], env: Pick<ExprEnv, "ctx">): ScalarExpr {
  let fn: ResolvedFunction = lookupFunction(name, args.map((a) => a.type));
  const coerced = args.map((a, i) => coerceOperand(a, fn.paramTypes[i] ?? fn.paramTypes[fn.paramTypes.length - 1] ?? TEXT, env));
  if (coerced.some((c, i) => c !== args[i])) fn = lookupFunction(name, coerced.map((a) => a.type));
  return { kind: "call", name, operator: false, fn, args: coerced, type: fn.returnType };
}

function boolOperand(e: ScalarExpr, what: string, env: ExprEnv): ScalarExpr {
  if (e.type.kind === "bool") return e;
  if (isUnknownType(e.type)) return coerce(e, BOOL, "implicit", env.ctx.params);
  throw new SqlStateError(`argument of ${what} must be type boolean, not type ${formatType(e.type)}`, "42804");
}

async function binary(b: pg.ExprBinary, env: ExprEnv): Promise<ScalarExpr> {
  const op = b.op as string;
  if (op === "AND" || op === "OR") {
    const [l, r] = await Promise.all([analyzeExpr(b.left, env), analyzeExpr(b.right, env)]);
    return { kind: op === "AND" ? "and" : "or", args: [boolOperand(l, op, env), boolOperand(r, op, env)], type: BOOL };
  }
  if (op === "IN" || op === "NOT IN") return inExpr(b, op === "NOT IN", env);
  if (op === "IS DISTINCT FROM" || op === "IS NOT DISTINCT FROM") return distinctFrom(b, op === "IS NOT DISTINCT FROM", env);
  const right = b.right as AnyExpr & { function?: { name: string }; args?: Expr[] };
  if (right.type === "call" && (right.function?.name === "any" || right.function?.name === "some" || right.function?.name === "all") && right.args?.length === 1) {
    const sub = right.args[0] as AnyExpr;
    if (isQuery(sub)) {
      const mode = right.function.name === "all" ? "all" : "any";
      return subquery(mode, sub as unknown as Statement, env, await analyzeExpr(b.left, env), op);
    }
    const left = await analyzeExpr(b.left, env);
    const array = await analyzeExpr(sub as Expr, env);
    return arrayComparison(left, array, right.function.name === "all", op, env, (l, element) => operator(op, l, element, env) as Extract<ScalarExpr, { kind: "call" }>);
  }
  const [l, r] = [await analyzeExpr(b.left, env), await analyzeExpr(b.right, env)];
  return operator(op, l, r, env);
}

function isQuery(e: AnyExpr): boolean {
  return ["select", "union", "union all", "intersect", "intersect all", "except", "except all", "with", "values"].includes(e.type);
}

async function inExpr(b: pg.ExprBinary, negated: boolean, env: ExprEnv): Promise<ScalarExpr> {
  if ((b.left as AnyExpr).type === "list" && isQuery(b.right as AnyExpr)) return rowIn((b.left as pg.ExprList).expressions, b.right as unknown as Statement, negated, env);
  const left = await analyzeExpr(b.left, env);
  const right = b.right as AnyExpr;
  if (isQuery(right)) {
    const sub = await subquery("any", right as unknown as Statement, env, left, "=");
    return negated ? { kind: "not", input: sub, type: BOOL } : sub;
  }
  const items = right.type === "list" ? (right as pg.ExprList).expressions : [b.right];
  const list = await Promise.all(items.map((x) => analyzeExpr(x, env)));
  const { type, exprs } = unify([left, ...list], "UNION", env.ctx.params);
  // Check that `=` exists for the type (and error like PostgreSQL if not).
  lookupOperator("=", type, type);
  return { kind: "in list", input: exprs[0]!, list: exprs.slice(1), negated, compareType: type, type: BOOL };
}

/**
 * `(a, b) [NOT] IN (SELECT x, y ...)`, a row comparison without a row type. PostgreSQL's result:
 * true if some row equals, else NULL if some row equals but for NULLs, else false; here
 * CASE WHEN EXISTS (rows where every pair is equal) THEN true WHEN EXISTS (rows where no pair is
 * unequal) THEN NULL ELSE false END, the left values correlated into both subqueries.
 */
async function rowIn(items: readonly Expr[], query: Statement, negated: boolean, env: ExprEnv): Promise<ScalarExpr> {
  const left = await Promise.all(items.map((x) => analyzeExpr(x, env)));
  const plan = await env.subquery(query, env.scope);
  if (plan.columns.length !== left.length) throw new SqlStateError(`subquery has too ${plan.columns.length > left.length ? "many" : "few"} columns`, "42601");
  const pairs = left.map((l, i) => {
    const c = plan.columns[i]!;
    const eq = operator("=", l, { kind: "column", id: c.id, type: c.type, name: c.name }, env);
    if (eq.type.kind !== "bool") throw new SqlStateError("row comparison operator must yield type boolean", "42804");
    return eq;
  });
  const exists = (predicate: ScalarExpr): ScalarExpr => {
    const filtered: LogicalPlan = { kind: "filter", input: plan, predicate, columns: plan.columns };
    return { kind: "subquery", mode: "exists", plan: filtered, outerRefs: [...freeColumns(filtered)], type: BOOL };
  };
  const allEqual: ScalarExpr = { kind: "and", args: pairs, type: BOOL };
  const noneUnequal: ScalarExpr = { kind: "and", args: pairs.map((p) => ({ kind: "is", input: p, test: "not false", type: BOOL })), type: BOOL };
  const result: ScalarExpr = {
    kind: "case",
    whens: [
      { when: exists(allEqual), then: { kind: "const", value: true, type: BOOL } },
      { when: exists(noneUnequal), then: { kind: "const", value: null, type: BOOL } },
    ],
    else: { kind: "const", value: false, type: BOOL },
    type: BOOL,
  };
  return negated ? { kind: "not", input: result, type: BOOL } : result;
}

/** `a IS [NOT] DISTINCT FROM b`: `=` decides, resolved as for `a = b`, with NULLs equal to each other. */
async function distinctFrom(b: pg.ExprBinary, negated: boolean, env: ExprEnv): Promise<ScalarExpr> {
  const eq = operator("=", await analyzeExpr(b.left, env), await analyzeExpr(b.right, env), env) as Extract<ScalarExpr, { kind: "call" }>;
  const [left, right] = eq.args as [ScalarExpr, ScalarExpr];
  if (eq.type.kind !== "bool") throw new SqlStateError("IS DISTINCT FROM requires = operator to yield boolean", "42804");
  // The values are compared in one type: the operator's, or else the pair's common type.
  const [p0, p1] = eq.fn.paramTypes as [SqlType, SqlType];
  const { type, exprs } = p0.kind === p1.kind ? { type: p0, exprs: [coerce(left, p0, "implicit", env.ctx.params), coerce(right, p0, "implicit", env.ctx.params)] } : unify([left, right], "COALESCE", env.ctx.params);
  return { kind: "distinct from", left: exprs[0]!, right: exprs[1]!, negated, compareType: type, type: BOOL };
}

async function unary(u: pg.ExprUnary, env: ExprEnv): Promise<ScalarExpr> {
  const operand = await analyzeExpr(u.operand, env);
  switch (u.op as string) {
    case "IS UNKNOWN":
    case "IS NOT UNKNOWN":
      return { kind: "is", input: boolOperand(operand, u.op, env), test: (u.op as string) === "IS UNKNOWN" ? "unknown" : "not unknown", type: BOOL };
    case "NOT":
      return { kind: "not", input: boolOperand(operand, "NOT", env), type: BOOL };
    case "IS NULL":
    case "IS NOT NULL":
      return { kind: "is", input: isUnknownType(operand.type) ? coerce(operand, TEXT, "implicit", env.ctx.params) : operand, test: u.op === "IS NULL" ? "null" : "not null", type: BOOL };
    case "IS TRUE":
    case "IS NOT TRUE":
    case "IS FALSE":
    case "IS NOT FALSE":
      return { kind: "is", input: boolOperand(operand, u.op, env), test: u.op.slice(3).toLowerCase() as "true", type: BOOL };
    case "-":
      // Negative literals stay constants (and -2147483648 is an int4, as in PostgreSQL).
      if (operand.kind === "const" && operand.type.kind === "int4") return { ...operand, value: -(operand.value as number) };
      if (operand.kind === "const" && operand.type.kind === "int8") {
        const v = -(operand.value as bigint);
        return v === -2147483648n ? { kind: "const", value: -2147483648, type: INT4 } : { ...operand, value: v };
      }
      return prefixOperator("-", operand, env);
    default:
      return prefixOperator(u.op, operand, env);
  }
}

async function caseExpr(c: pg.ExprCase, env: ExprEnv): Promise<ScalarExpr> {
  const subject = c.value ? await analyzeExpr(c.value, env) : undefined;
  const whens: { when: ScalarExpr; then: ScalarExpr }[] = [];
  for (const w of c.whens) {
    const when = await analyzeExpr(w.when, env);
    whens.push({ when: subject ? operator("=", subject, when, env) : boolOperand(when, "CASE/WHEN", env), then: await analyzeExpr(w.value, env) });
  }
  const elseExpr: ScalarExpr = c.else ? await analyzeExpr(c.else, env) : { kind: "const", value: null, type: NULL_TYPE };
  // ELSE first, as PostgreSQL resolves the type (which decides the wording of a mismatch).
  const { type, exprs } = unify([elseExpr, ...whens.map((w) => w.then)], "CASE", env.ctx.params);
  return { kind: "case", whens: whens.map((w, i) => ({ when: w.when, then: exprs[i + 1]! })), else: exprs[0]!, type };
}

function keyword(k: string, env: ExprEnv): ScalarExpr {
  switch (k) {
    case "current_timestamp":
    case "localtimestamp":
      return functionCall(k === "current_timestamp" ? "now" : "localtimestamp", [], env);
    case "current_date":
      return coerce(functionCall("now", [], env), DATE, "explicit", env.ctx.params);
    case "current_time":
    case "localtime":
      throw new SqlStateError(`${k} is not supported (no time type)`, "0A000");
    case "current_user":
    case "session_user":
    case "user":
    case "current_role":
    case "current_catalog":
    case "current_schema":
      return functionCall(k === "current_catalog" ? "current_database" : k === "current_schema" ? "current_schema" : "current_user", [], env);
    default:
      throw new SqlStateError(`${k} is not supported`, "0A000");
  }
}

const SPECIAL_FUNCTIONS = new Set(["coalesce", "nullif", "greatest", "least", "exists", "nextval", "currval", "setval", "lastval"]);

async function call(c: pg.ExprCall, env: ExprEnv): Promise<ScalarExpr> {
  const name = c.function.name.toLowerCase();
  const over = (c as { over?: WindowSpec }).over;
  if (c.function.schema && c.function.schema !== "pg_catalog") throw new SqlStateError(`schema "${c.function.schema}" does not exist`, "3F000");
  if (over) {
    if (over.ref) env.block?.usedWindows?.add(over.ref.name);
    return windowCall(c, name, resolveOver(over, env.block?.namedWindows ?? NO_WINDOWS), env);
  }
  if (isAggregateName(name)) return aggregateCall(c, name, env);
  if (isWindowFunctionName(name)) throw new SqlStateError(`window function ${name} requires an OVER clause`, "42809");
  if (isSetReturningName(name)) throw new SqlStateError(`set-returning function ${name} is only supported in FROM, or alone in a select list without FROM`, "0A000");
  if (c.distinct || c.filter || c.orderBy) throw new SqlStateError(`${name.toUpperCase()} specified, but ${name} is not an aggregate function`, "42809");
  if (SPECIAL_FUNCTIONS.has(name)) return specialCall(c, name, env);
  if (name === "pg_typeof" && c.args.length === 1) {
    // The argument's type is known here; regtype prints it without modifiers.
    const arg = await analyzeExpr(c.args[0]!, env);
    return { kind: "const", value: isUnknownType(arg.type) ? "unknown" : regtypeName(arg.type), type: TEXT };
  }
  const row = ROW_JSON_FUNCTIONS.has(name) ? await wholeRowJson(c, name, env) : undefined;
  if (row) return row;
  const args = await Promise.all(c.args.map((a) => analyzeExpr(a, env)));
  return functionCall(name, args, env);
}

/** A type as regtype prints it: no modifiers, arrays as their element's name with []. */
function regtypeName(t: SqlType): string {
  if (t.kind === "array" && !t.vector) return `${regtypeName(t.element)}[]`;
  return t.kind === "char" ? "character" : formatType(defaultOfKind(t.kind));
}

const ROW_JSON_FUNCTIONS = new Set(["row_to_json", "to_json", "to_jsonb"]);

/**
 * `row_to_json(t)`, `to_json(t.*)`: a FROM item named where a value goes is its row. Alopex has no
 * composite values, so the call takes the row's columns and writes the object from them; undefined
 * when the argument is an ordinary expression (a column named like the relation wins, as in
 * PostgreSQL).
 */
async function wholeRowJson(c: pg.ExprCall, name: string, env: ExprEnv): Promise<ScalarExpr | undefined> {
  const first = c.args[0];
  if (first?.type !== "ref") return undefined;
  const ref = first as pg.ExprRef;
  let relation: string;
  if (ref.name === "*" && ref.table) relation = ref.table.name;
  else if (!ref.table && env.scope.hasRelation(ref.name)) {
    try {
      env.scope.resolve(ref.name);
      return undefined;
    } catch {
      relation = ref.name;
    }
  } else return undefined;
  const pretty = name === "row_to_json" && c.args.length === 2;
  if (c.args.length !== (pretty ? 2 : 1)) return undefined;
  const columns = env.scope.starOf(relation);
  const args: ScalarExpr[] = columns.map((col) => ({ kind: "column", id: col.id, type: col.type, name: col.name }));
  if (pretty) args.push(coerce(await analyzeExpr(c.args[1]!, env), BOOL, "implicit", env.ctx.params));
  const names = columns.map((col) => col.name);
  const types = columns.map((col) => col.type);
  const binary = name === "to_jsonb";
  const returnType: SqlType = { kind: binary ? "jsonb" : "json" };
  const fn: ResolvedFunction = {
    fn: (values) => {
      const text = rowToJson(values, names, types, pretty && values[values.length - 1] === true);
      return binary ? parseText(text, returnType) : text;
    },
    returnType,
    strict: false,
    paramTypes: args.map((a) => a.type),
  };
  return { kind: "call", name, operator: false, fn, args, type: returnType };
}

async function specialCall(c: pg.ExprCall, name: string, env: ExprEnv): Promise<ScalarExpr> {
  if (name === "exists") {
    const q = c.args[0] as AnyExpr | undefined;
    if (c.args.length !== 1 || !q || !isQuery(q)) throw new SqlStateError("EXISTS requires a subquery", "42601");
    return subquery("exists", q as unknown as Statement, env);
  }
  const args = await Promise.all(c.args.map((a) => analyzeExpr(a, env)));
  switch (name) {
    case "coalesce":
    case "greatest":
    case "least": {
      if (args.length === 0) throw new SqlStateError(`syntax error at or near ")"`, "42601");
      const { type, exprs } = unify(args, name === "coalesce" ? "COALESCE" : name === "greatest" ? "GREATEST" : "LEAST", env.ctx.params);
      if (name !== "coalesce") lookupOperator("<", type, type);
      return { kind: name, args: exprs, type };
    }
    case "nullif": {
      if (args.length !== 2) throw new SqlStateError("function nullif requires two arguments", "42883");
      const cmp = operator("=", args[0]!, args[1]!, env);
      const [l, r] = (cmp as Extract<ScalarExpr, { kind: "call" }>).args as [ScalarExpr, ScalarExpr];
      return { kind: "nullif", left: args[0]!.type.kind === l.type.kind ? args[0]! : l, right: r, compareType: l.type, type: isUnknownType(args[0]!.type) ? TEXT : args[0]!.type };
    }
    default: {
      // Sequence functions read and change catalog state, so the executor runs them, not the registry.
      const types: Record<string, SqlType[]> = { nextval: [TEXT], currval: [TEXT], setval: args.length === 3 ? [TEXT, INT8, BOOL] : [TEXT, INT8], lastval: [] };
      const want = types[name]!;
      if (args.length !== want.length) throw new SqlStateError(`function ${name} with ${args.length} arguments does not exist`, "42883");
      const coerced = args.map((a, i) => coerce(a, want[i]!, "implicit", env.ctx.params));
      const fn: ResolvedFunction = {
        fn: () => {
          throw new SqlStateError(`${name} must be run by the executor`, "XX000");
        },
        returnType: INT8,
        strict: true,
        volatile: true,
        paramTypes: want,
      };
      return { kind: "call", name, operator: false, fn, args: coerced, type: INT8 };
    }
  }
}

function requireBlock(env: ExprEnv, what: "aggregate" | "window"): asserts env is ExprEnv & { block: QueryBlock } {
  if (what === "window") {
    // Frame offsets are analysed as clause "window ROWS" (RANGE, GROUPS): part of the window definition.
    const inDefinition = env.block?.inWindow === "definition" || env.clause.startsWith("window ");
    if (!env.block || env.clause === "HAVING" || inDefinition) {
      throw new SqlStateError(`window functions are not allowed in ${inDefinition ? "window definitions" : env.clause}`, "42P20");
    }
  }
  if (!env.block) throw new SqlStateError(`aggregate functions are not allowed in ${env.clause}`, "42803");
  if (env.block.inAggregate) {
    throw new SqlStateError(what === "aggregate" ? "aggregate function calls cannot be nested" : "aggregate function calls cannot contain window function calls", "42803");
  }
  if (what === "window" && env.block.inWindow === "arguments") throw new SqlStateError("window function calls cannot be nested", "42P20");
}

async function aggregateArgs(c: pg.ExprCall, env: ExprEnv & { block: QueryBlock }): Promise<ScalarExpr[]> {
  env.block.inAggregate = true;
  try {
    if (c.args.length === 1 && (c.args[0] as AnyExpr).type === "ref" && (c.args[0] as pg.ExprRef).name === "*" && !(c.args[0] as pg.ExprRef).table) return [];
    return await Promise.all(c.args.map((a) => analyzeExpr(a, env)));
  } finally {
    env.block.inAggregate = false;
  }
}

async function aggregateCall(c: pg.ExprCall, name: string, env: ExprEnv): Promise<ScalarExpr> {
  requireBlock(env, "aggregate");
  const args = await aggregateArgs(c, env);
  if (args.length === 0 && name !== "count") throw new SqlStateError(`${name}(*) is not allowed`, "42809");
  const agg = resolveAggregate(name, args.map((a) => a.type));
  const coerced = args.map((a, i) => coerce(a, agg.argTypes[i] ?? a.type, "implicit", env.ctx.params));
  env.block.inAggregate = true;
  let filter: ScalarExpr | undefined;
  let orderBy: SortKey[] | undefined;
  try {
    filter = c.filter ? boolOperand(await analyzeExpr(c.filter, env), "FILTER", env) : undefined;
    orderBy = c.orderBy ? await sortKeys(c.orderBy, env) : undefined;
  } finally {
    env.block.inAggregate = false;
  }
  const id = env.ctx.newColumnId();
  env.block.aggregates.push({ id, name, args: coerced, distinct: !!c.distinct && c.distinct !== "all", ...(filter && { filter }), ...(orderBy && { orderBy }), type: agg.returnType });
  return { kind: "column", id, type: agg.returnType, name };
}

export async function sortKeys(items: readonly pg.OrderByStatement[], env: ExprEnv): Promise<SortKey[]> {
  const out: SortKey[] = [];
  for (const o of items) {
    const expr = await analyzeExpr(o.by, env);
    out.push(sortKey(expr, o));
  }
  return out;
}

export function sortKey(expr: ScalarExpr, o: pg.OrderByStatement): SortKey {
  const desc = o.order === "DESC";
  // PostgreSQL: NULLS LAST is the default for ASC, NULLS FIRST for DESC.
  const nullsFirst = o.nulls ? o.nulls === "FIRST" : desc;
  return { expr: isUnknownType(expr.type) && expr.kind === "const" ? { ...expr, type: TEXT } : expr, desc, nullsFirst };
}

async function windowCall(c: pg.ExprCall, name: string, over: WindowSpec, env: ExprEnv): Promise<ScalarExpr> {
  requireBlock(env, "window");
  const aggregate = isAggregateName(name);
  if (!aggregate && !isWindowFunctionName(name)) {
    throw new SqlStateError(`OVER specified, but ${name} is not a window function nor an aggregate function`, "42809");
  }
  if (c.distinct && c.distinct !== "all") throw new SqlStateError("DISTINCT is not implemented for window functions", "0A000");
  if (c.orderBy) throw new SqlStateError("aggregate ORDER BY is not implemented for window functions", "0A000");
  if (c.filter && !aggregate) throw new SqlStateError("FILTER is not implemented for non-aggregate window functions", "0A000");
  const block = env.block;
  const within = async <T>(mode: "arguments" | "definition", f: () => Promise<T>): Promise<T> => {
    block.inWindow = mode;
    try {
      return await f();
    } finally {
      block.inWindow = undefined;
    }
  };
  // Aggregates may appear in the arguments and the definition (`sum(count(*)) OVER ()`); they are computed first.
  const args = await within("arguments", () => windowArgs(c, aggregate, env));
  let type: SqlType;
  let coerced: ScalarExpr[];
  if (!aggregate) {
    const r = resolveWindowFunction(name, args.map((a) => a.type));
    type = r.returnType;
    coerced = args.map((a, i) => coerce(a, r.argTypes[i] ?? a.type, "implicit", env.ctx.params));
  } else {
    const agg = resolveAggregate(name, args.map((a) => a.type));
    type = agg.returnType;
    coerced = args.map((a, i) => coerce(a, agg.argTypes[i] ?? a.type, "implicit", env.ctx.params));
  }
  const partitionBy = await within("definition", () => Promise.all((over.partitionBy ?? []).map((p) => analyzeExpr(p, env))));
  const orderBy = over.orderBy ? await within("definition", () => sortKeys(over.orderBy!, env)) : [];
  const filter = c.filter ? boolOperand(await analyzeExpr(c.filter, { ...env, block: undefined, clause: "FILTER" }), "FILTER", env) : undefined;
  const frame = over.frame ? await frameSpec(over.frame, orderBy, env) : undefined;
  const id = env.ctx.newColumnId();
  env.block.windows.push({ id, name, args: coerced, distinct: false, ...(filter && { filter }), partitionBy, orderBy, ...(frame && { frame }), type });
  return { kind: "column", id, type, name };
}

async function windowArgs(c: pg.ExprCall, aggregate: boolean, env: ExprEnv): Promise<ScalarExpr[]> {
  const star = c.args.length === 1 && (c.args[0] as AnyExpr).type === "ref" && (c.args[0] as pg.ExprRef).name === "*" && !(c.args[0] as pg.ExprRef).table;
  if (star && aggregate) return [];
  return Promise.all(c.args.map((a) => analyzeExpr(a, env)));
}

/**
 * A frame with its bounds checked as PostgreSQL's grammar and transformFrameOffset check them:
 * ROWS and GROUPS offsets are bigint; a RANGE offset needs a single ORDER BY column whose type
 * it can be added to (integers, floats, numeric); offsets must not read the query's own columns.
 */
async function frameSpec(f: NonNullable<WindowSpec["frame"]>, orderBy: readonly SortKey[], env: ExprEnv): Promise<WindowFrameSpec> {
  const bad = (message: string) => new SqlStateError(message, "42P20");
  if (f.start.type === "unbounded following") throw bad("frame start cannot be UNBOUNDED FOLLOWING");
  if (f.end.type === "unbounded preceding") throw bad("frame end cannot be UNBOUNDED PRECEDING");
  if (f.start.type === "current row" && f.end.type === "preceding") throw bad("frame starting from current row cannot have preceding rows");
  if (f.start.type === "following" && f.end.type === "current row") throw bad("frame starting from following row cannot end with current row");
  if (f.start.type === "following" && f.end.type === "preceding") throw bad("frame starting from following row cannot have preceding rows");
  if (f.mode === "groups" && orderBy.length === 0) throw bad("GROUPS mode requires an ORDER BY clause");
  const hasOffset = (b: FrameBound) => b.type === "preceding" || b.type === "following";
  if (f.mode === "range" && (hasOffset(f.start) || hasOffset(f.end)) && new Set(orderBy.map((k) => exprKey(k.expr))).size !== 1) {
    throw bad("RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
  }
  const modeName = f.mode.toUpperCase();
  const offsetEnv: ExprEnv = { scope: env.scope, ctx: env.ctx, clause: `window ${modeName}`, subquery: env.subquery };
  const own = new Set([...env.scope.relations.flatMap((r) => r.columns.map((c) => c.id)), ...[...env.scope.merged.values()].map((c) => c.id)]);
  const bound = async (b: FrameBound): Promise<WindowFrameSpec["start"]> => {
    if (b.type !== "preceding" && b.type !== "following") return { kind: b.type };
    const e = await analyzeExpr(b.offset, offsetEnv);
    for (const id of columnsOf(e)) if (own.has(id)) throw new SqlStateError(`argument of ${modeName} must not contain variables`, "42P10");
    return { kind: b.type, offset: f.mode === "range" ? rangeOffset(e, orderBy[0]!.expr.type, env) : rowsOffset(e, modeName, env) };
  };
  return { mode: f.mode, start: await bound(f.start), end: await bound(f.end), ...(f.exclude && { exclude: f.exclude }) };
}

function rowsOffset(e: ScalarExpr, modeName: string, env: ExprEnv): ScalarExpr {
  if (!isUnknownType(e.type) && !canCast(e.type, INT8, "assignment")) {
    throw new SqlStateError(`argument of ${modeName} must be type bigint, not type ${formatType(e.type)}`, "42804");
  }
  return coerce(e, INT8, "assignment", env.ctx.params);
}

/** The offset types in_range accepts for an ORDER BY type (PostgreSQL's btree in_range support functions). */
const RANGE_OFFSET_TYPES: Partial<Record<SqlType["kind"], readonly SqlType[]>> = {
  int2: [INT8, INT4, INT2],
  int4: [INT8, INT4, INT2],
  int8: [INT8],
  float4: [FLOAT8],
  float8: [FLOAT8],
  numeric: [NUMERIC],
  date: [INTERVAL],
  timestamp: [INTERVAL],
  timestamptz: [INTERVAL],
  interval: [INTERVAL],
};

/** Like transformFrameOffset: the offset's own type if in_range takes it, else the one type it coerces to. */
function rangeOffset(e: ScalarExpr, keyType: SqlType, env: ExprEnv): ScalarExpr {
  const candidates = RANGE_OFFSET_TYPES[keyType.kind];
  if (!candidates) throw new SqlStateError(`RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${formatType(keyType)}`, "0A000");
  const preferred = isUnknownType(e.type) ? keyType.kind : e.type.kind;
  const exact = candidates.find((t) => t.kind === preferred);
  // An untyped literal or parameter takes the column's type if in_range has it, else the one candidate.
  const usable = exact ? [exact] : candidates.filter((t) => isUnknownType(e.type) || canCast(e.type, t, "implicit"));
  if (usable.length !== 1) {
    throw new SqlStateError(`RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${formatType(keyType)} and offset type ${formatType(e.type)}`, "0A000", {
      hint: "Cast the offset value to an appropriate type.",
    });
  }
  return coerce(e, usable[0]!, "implicit", env.ctx.params);
}

async function subquery(mode: "scalar" | "exists" | "any" | "all" | "array", stmt: Statement, env: ExprEnv, input?: ScalarExpr, op?: string): Promise<ScalarExpr> {
  const plan = await env.subquery(stmt, env.scope);
  const outerRefs = [...freeColumns(plan)];
  if (mode === "array") {
    if (plan.columns.length !== 1) throw new SqlStateError("subquery must return only one column", "42601");
    const column = plan.columns[0]!;
    const element = isUnknownType(column.type) ? TEXT : column.type;
    if (element.kind === "array") throw new SqlStateError("multidimensional arrays are not supported", "0A000");
    return { kind: "subquery", mode, plan, outerRefs, type: arrayOf(element) };
  }
  if (mode === "scalar") {
    if (plan.columns.length !== 1) throw new SqlStateError("subquery must return only one column", "42601");
    return { kind: "subquery", mode, plan, outerRefs, type: plan.columns[0]!.type };
  }
  if (mode === "exists") return { kind: "subquery", mode, plan, outerRefs, type: BOOL };
  if (plan.columns.length !== 1) throw new SqlStateError(`subquery has too ${plan.columns.length > 1 ? "many" : "few"} columns`, "42601");
  const col = plan.columns[0]!;
  const probe: ScalarExpr = { kind: "column", id: col.id, type: col.type, name: col.name };
  const cmp = operator(op!, input!, probe, env) as Extract<ScalarExpr, { kind: "call" }>;
  if (cmp.type.kind !== "bool") throw new SqlStateError(`op ANY/ALL (array) requires operator to yield boolean`, "42809");
  const left = cmp.args[0]!;
  const fn = lookupOperator(op!, left.type, col.type);
  return { kind: "subquery", mode, plan, input: left, compare: fn, compareName: op!, outerRefs, type: BOOL };
}

/** The type of a column an expression lands in: unknown literals become text, as in a SELECT list. */
export function resultType(e: ScalarExpr): SqlType {
  return isUnknownType(e.type) ? TEXT : e.type;
}

export function finalizeUnknown(e: ScalarExpr, env: Pick<ExprEnv, "ctx">): ScalarExpr {
  return isUnknownType(e.type) ? coerce(e, TEXT, "implicit", env.ctx.params) : e;
}

