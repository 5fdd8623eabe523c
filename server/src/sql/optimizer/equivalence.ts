/**
 * Transitive equalities: from `a = b` and `b = 5`, the condition `a = 5` follows, and it is the
 * one that lets the scan of a's table use a key range (or lets a join start from the other
 * side). Equalities come from a filter's conjuncts and the ON conditions of the inner joins
 * directly below it (which hold for every row the filter sees); derived conditions are added to
 * the filter, and pushdown places them.
 */
import { lookupOperator } from "../functions/index.js";
import { type ColumnId, columnsOf, conjuncts, isVolatile, hasSubquery, type ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan } from "../plan/logical.js";
import { exprKey } from "../analyzer/expr-key.js";

type Column = Extract<ScalarExpr, { kind: "column" }>;

/** Conjuncts of the ON conditions of a chain of inner joins. */
function innerJoinConditions(p: LogicalPlan, out: ScalarExpr[]): void {
  if (p.kind !== "join" || p.type !== "inner") return;
  out.push(...conjuncts(p.on));
  innerJoinConditions(p.left, out);
  innerJoinConditions(p.right, out);
}

function isEquality(c: ScalarExpr): c is Extract<ScalarExpr, { kind: "call" }> {
  return c.kind === "call" && c.operator && c.name === "=" && c.args.length === 2 && c.type.kind === "bool";
}

/** New conjuncts implied by `preds` together with the inner joins of `input`. */
export function impliedEqualities(preds: readonly ScalarExpr[], input: LogicalPlan): ScalarExpr[] {
  const all = [...preds];
  innerJoinConditions(input, all);
  // Union-find over columns equated with each other, in one comparison type.
  const parent = new Map<ColumnId, ColumnId>();
  const find = (x: ColumnId): ColumnId => {
    let r = x;
    while (parent.get(r) !== undefined && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  const columns = new Map<ColumnId, Column>();
  for (const c of all) {
    if (!isEquality(c)) continue;
    const [l, r] = c.args as [ScalarExpr, ScalarExpr];
    if (l.kind === "column" && r.kind === "column" && l.type.kind === r.type.kind && c.fn.paramTypes[0]?.kind === l.type.kind) {
      columns.set(l.id, l);
      columns.set(r.id, r);
      parent.set(find(l.id), find(r.id));
    }
  }
  if (parent.size === 0) return [];
  const existing = new Set(all.map(exprKey));
  const out: ScalarExpr[] = [];
  for (const c of all) {
    if (!isEquality(c)) continue;
    const [l, r] = c.args as [ScalarExpr, ScalarExpr];
    const pairs: [ScalarExpr, ScalarExpr][] = [
      [l, r],
      [r, l],
    ];
    for (const [col, value] of pairs) {
      if (col.kind !== "column" || !columns.has(col.id)) continue;
      // The value must not read any column of the class (a constant, parameter or outer reference).
      if (isVolatile(value) || hasSubquery(value) || [...columnsOf(value)].some((id) => columns.has(id))) continue;
      const root = find(col.id);
      for (const other of columns.values()) {
        if (other.id === col.id || find(other.id) !== root || other.type.kind !== col.type.kind) continue;
        const fn = lookupOperator("=", other.type, value.type);
        const derived: ScalarExpr = { kind: "call", name: "=", operator: true, fn, args: [other, value], type: c.type };
        const key = exprKey(derived);
        if (existing.has(key)) continue;
        existing.add(key);
        out.push(derived);
      }
    }
  }
  return out;
}
