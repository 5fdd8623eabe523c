/**
 * Bound scalar expressions: what the analyzer makes of an AST expression once names are
 * resolved, types known, implicit casts made explicit and functions resolved to overloads.
 *
 * Columns are named by plan-wide ids (`ColumnId`), not positions, so optimizer rules can move
 * expressions between operators without renumbering; the executor maps ids to row positions
 * when it compiles an expression. A column id that the operator's input does not produce is an
 * outer reference (a correlated subquery reading its enclosing query's row).
 */
import type { ResolvedFunction } from "../functions/index.js";
import type { SqlType, SqlValue } from "../types/index.js";
import type { LogicalPlan } from "./logical.js";

export type ColumnId = number;

export type IsTest = "null" | "not null" | "true" | "not true" | "false" | "not false" | "unknown" | "not unknown";

export type SubqueryMode =
  /** (SELECT x ...): the single value, NULL when no row, 21000 for more than one. */
  | "scalar"
  | "exists"
  /** x op ANY (SELECT ...), which IN is. */
  | "any"
  /** x op ALL (SELECT ...). */
  | "all"
  /** ARRAY(SELECT ...): the column's values as an array (empty when no row). */
  | "array";

export type ScalarExpr =
  | { readonly kind: "const"; readonly type: SqlType; readonly value: SqlValue }
  /** `$n`: index is n - 1. */
  | { readonly kind: "param"; readonly index: number; readonly type: SqlType }
  | { readonly kind: "column"; readonly id: ColumnId; readonly type: SqlType; readonly name: string }
  /** A function or operator call; `name` is what EXPLAIN prints (an operator's symbol). */
  | { readonly kind: "call"; readonly name: string; readonly operator: boolean; readonly fn: ResolvedFunction; readonly args: readonly ScalarExpr[]; readonly type: SqlType }
  | { readonly kind: "cast"; readonly input: ScalarExpr; readonly type: SqlType; readonly explicit: boolean }
  | { readonly kind: "and" | "or"; readonly args: readonly ScalarExpr[]; readonly type: SqlType }
  | { readonly kind: "not"; readonly input: ScalarExpr; readonly type: SqlType }
  | { readonly kind: "is"; readonly input: ScalarExpr; readonly test: IsTest; readonly type: SqlType }
  /** `a IS [NOT] DISTINCT FROM b`, also what NULL-safe joins compare with. */
  | { readonly kind: "distinct from"; readonly left: ScalarExpr; readonly right: ScalarExpr; readonly negated: boolean; readonly type: SqlType; readonly compareType: SqlType }
  | { readonly kind: "case"; readonly whens: readonly { readonly when: ScalarExpr; readonly then: ScalarExpr }[]; readonly else: ScalarExpr; readonly type: SqlType }
  | { readonly kind: "coalesce"; readonly args: readonly ScalarExpr[]; readonly type: SqlType }
  | { readonly kind: "nullif"; readonly left: ScalarExpr; readonly right: ScalarExpr; readonly compareType: SqlType; readonly type: SqlType }
  | { readonly kind: "greatest" | "least"; readonly args: readonly ScalarExpr[]; readonly type: SqlType }
  /** `x [NOT] IN (a, b, ...)`: each item already cast to the comparison type. */
  | { readonly kind: "in list"; readonly input: ScalarExpr; readonly list: readonly ScalarExpr[]; readonly negated: boolean; readonly compareType: SqlType; readonly type: SqlType }
  | {
      readonly kind: "subquery";
      readonly mode: SubqueryMode;
      readonly plan: LogicalPlan;
      /** any/all: the left operand and the comparison (a resolved `=`, `<`, ...). */
      readonly input?: ScalarExpr;
      readonly compare?: ResolvedFunction;
      readonly compareName?: string;
      /** Column ids of enclosing queries the plan reads; empty means it can run once. */
      readonly outerRefs: readonly ColumnId[];
      readonly type: SqlType;
    };

export const BOOL: SqlType = { kind: "bool" };

export function constant(value: SqlValue, type: SqlType): ScalarExpr {
  return { kind: "const", value, type };
}

/** Visits every expression node (pre-order), not descending into subquery plans. */
export function walkExpr(e: ScalarExpr, visit: (e: ScalarExpr) => void): void {
  visit(e);
  for (const c of childExprs(e)) walkExpr(c, visit);
}

export function childExprs(e: ScalarExpr): readonly ScalarExpr[] {
  switch (e.kind) {
    case "const":
    case "param":
    case "column":
      return [];
    case "call":
    case "and":
    case "or":
    case "coalesce":
    case "greatest":
    case "least":
      return e.args;
    case "cast":
    case "not":
    case "is":
      return [e.input];
    case "distinct from":
    case "nullif":
      return [e.left, e.right];
    case "case":
      return [...e.whens.flatMap((w) => [w.when, w.then]), e.else];
    case "in list":
      return [e.input, ...e.list];
    case "subquery":
      return e.input ? [e.input] : [];
  }
}

/** Rebuilds `e` bottom-up with `f` applied to every node (children first). */
export function mapExpr(e: ScalarExpr, f: (e: ScalarExpr) => ScalarExpr): ScalarExpr {
  const m = (x: ScalarExpr) => mapExpr(x, f);
  switch (e.kind) {
    case "const":
    case "param":
    case "column":
      return f(e);
    case "call":
      return f({ ...e, args: e.args.map(m) });
    case "and":
    case "or":
    case "coalesce":
    case "greatest":
    case "least":
      return f({ ...e, args: e.args.map(m) });
    case "cast":
    case "not":
    case "is":
      return f({ ...e, input: m(e.input) });
    case "distinct from":
    case "nullif":
      return f({ ...e, left: m(e.left), right: m(e.right) });
    case "case":
      return f({ ...e, whens: e.whens.map((w) => ({ when: m(w.when), then: m(w.then) })), else: m(e.else) });
    case "in list":
      return f({ ...e, input: m(e.input), list: e.list.map(m) });
    case "subquery":
      return f(e.input ? { ...e, input: m(e.input) } : e);
  }
}

/** Column ids an expression reads (including the outer references of its subqueries). */
export function columnsOf(e: ScalarExpr, into: Set<ColumnId> = new Set()): Set<ColumnId> {
  walkExpr(e, (x) => {
    if (x.kind === "column") into.add(x.id);
    else if (x.kind === "subquery") for (const id of x.outerRefs) into.add(id);
  });
  return into;
}

/** Splits a predicate into its AND-ed conjuncts. */
export function conjuncts(e: ScalarExpr | undefined): ScalarExpr[] {
  if (!e) return [];
  if (e.kind === "and") return e.args.flatMap(conjuncts);
  return [e];
}

/** AND of the conjuncts, or undefined for none. */
export function andAll(parts: readonly ScalarExpr[]): ScalarExpr | undefined {
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { kind: "and", args: parts, type: BOOL };
}

/** Whether evaluating `e` has effects or varies between calls (random(), nextval()). */
export function isVolatile(e: ScalarExpr): boolean {
  let v = false;
  walkExpr(e, (x) => {
    if (x.kind === "call" && x.fn.volatile) v = true;
  });
  return v;
}

export function hasSubquery(e: ScalarExpr): boolean {
  let s = false;
  walkExpr(e, (x) => {
    if (x.kind === "subquery") s = true;
  });
  return s;
}
