/**
 * Array expressions: ARRAY[...] constructors, ARRAY(subquery) (see expr.ts's subquery), subscripts,
 * and `x op ANY/ALL (array)`. Arrays have one dimension and lower bound 1 (int2vector and
 * oidvector, as in PostgreSQL, count from 0).
 */
import { SqlStateError } from "../../common/sqlstate-error.js";
import type { ResolvedFunction } from "../functions/index.js";
import { BOOL, type ScalarExpr } from "../plan/expr.js";
import { arrayOf, formatType, INT4, type SqlArray, type SqlType, type SqlValue, TEXT } from "../types/index.js";
import { coerce, isUnknownType, unify } from "./coerce.js";
import type { ExprEnv } from "./expr.js";

function custom(fn: (args: readonly SqlValue[]) => SqlValue, returnType: SqlType, paramTypes: readonly SqlType[], strict: boolean): ResolvedFunction {
  return { fn, returnType, strict, paramTypes };
}

/** ARRAY[a, b, ...]: the elements' common type (text for untyped literals). */
export function arrayConstructor(elements: ScalarExpr[], env: Pick<ExprEnv, "ctx">): ScalarExpr {
  if (elements.length === 0) throw new SqlStateError("cannot determine type of empty array", "42P18", { hint: "Explicitly cast to the desired type, for example ARRAY[]::integer[]." });
  if (elements.some((e) => e.type.kind === "array")) throw new SqlStateError("multidimensional arrays are not supported", "0A000");
  const { type, exprs } = unify(elements, "ARRAY", env.ctx.params);
  const t = arrayOf(isUnknownType(type) ? TEXT : type);
  return { kind: "call", name: "array", operator: false, fn: custom((vs) => vs.slice(), t, exprs.map((e) => e.type), false), args: exprs, type: t };
}

/** `a[i]`: the element, or NULL past either end. */
export function subscript(array: ScalarExpr, index: ScalarExpr, env: Pick<ExprEnv, "ctx">): ScalarExpr {
  const t = array.type;
  if (t.kind !== "array") throw new SqlStateError(`cannot subscript type ${formatType(t)} because it does not support subscripting`, "42804");
  const i = coerce(index, INT4, "implicit", env.ctx.params, "array subscript");
  const base = t.vector ? 0 : 1;
  const fn = custom(([a, k]) => (a as SqlArray)[(k as number) - base] ?? null, t.element, [t, INT4], true);
  return { kind: "call", name: "subscript", operator: false, fn, args: [array, i], type: t.element };
}

/**
 * `left op ANY (array)` / `ALL`: true if the comparison holds for some (every) element, with SQL's
 * three-valued logic (a NULL element or comparison makes a would-be false NULL). `compare`
 * resolves the operator for the left operand and one element, returning the coerced left
 * operand and the resolved function.
 */
export function arrayComparison(
  left: ScalarExpr,
  array: ScalarExpr,
  all: boolean,
  op: string,
  env: Pick<ExprEnv, "ctx">,
  compare: (left: ScalarExpr, element: ScalarExpr) => Extract<ScalarExpr, { kind: "call" }>,
): ScalarExpr {
  let arr = array;
  if (isUnknownType(arr.type)) arr = coerce(arr, arrayOf(isUnknownType(left.type) ? TEXT : left.type), "implicit", env.ctx.params);
  const t = arr.type;
  if (t.kind !== "array") throw new SqlStateError(`op ANY/ALL (array) requires array on right side`, "42809");
  const probe: ScalarExpr = { kind: "column", id: -1, type: t.element, name: "element" };
  const cmp = compare(left, probe);
  if (cmp.type.kind !== "bool") throw new SqlStateError("op ANY/ALL (array) requires operator to yield boolean", "42809");
  const l = cmp.args[0]!;
  const f = cmp.fn.fn;
  const fn = custom(
    ([v, a]) => {
      if (a === null) return null;
      const items = a as SqlArray;
      if (items.length === 0) return all;
      if (v === null) return null;
      let unknown = false;
      for (const e of items) {
        const r = e === null ? null : f([v as SqlValue, e]);
        if (r === null) unknown = true;
        else if (all && r === false) return false;
        else if (!all && r === true) return true;
      }
      return unknown ? null : all;
    },
    BOOL,
    [l.type, t],
    false,
  );
  return { kind: "call", name: `${op} ${all ? "ALL" : "ANY"}`, operator: false, fn, args: [l, arr], type: BOOL };
}
