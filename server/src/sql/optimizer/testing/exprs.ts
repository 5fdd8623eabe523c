/** Bound expressions for optimizer tests, built without the analyzer. */
import { lookupOperator } from "../../functions/index.js";
import { BOOL, type ColumnId, type ScalarExpr } from "../../plan/expr.js";
import type { SqlType, SqlValue } from "../../types/index.js";

export function col(id: ColumnId, type: SqlType, name = `c${id}`): ScalarExpr {
  return { kind: "column", id, type, name };
}

export function lit(value: SqlValue, type: SqlType): ScalarExpr {
  return { kind: "const", value, type };
}

/** A binary operator call resolved as the analyzer would resolve it. */
export function op(name: string, l: ScalarExpr, r: ScalarExpr): ScalarExpr {
  const fn = lookupOperator(name, l.type, r.type);
  return { kind: "call", name, operator: true, fn, args: [l, r], type: fn.returnType };
}

export function and(...args: ScalarExpr[]): ScalarExpr {
  return { kind: "and", args, type: BOOL };
}

export function or(...args: ScalarExpr[]): ScalarExpr {
  return { kind: "or", args, type: BOOL };
}

export function not(input: ScalarExpr): ScalarExpr {
  return { kind: "not", input, type: BOOL };
}

export function isNull(input: ScalarExpr, negated = false): ScalarExpr {
  return { kind: "is", input, test: negated ? "not null" : "null", type: BOOL };
}

export function inList(input: ScalarExpr, list: ScalarExpr[], negated = false): ScalarExpr {
  return { kind: "in list", input, list, negated, compareType: input.type, type: BOOL };
}
