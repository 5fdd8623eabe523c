/** Column ids a physical plan reads from outside itself (its correlation with an outer row). */
import { columnsOf, type ColumnId, type ScalarExpr } from "../plan/expr.js";
import { physicalInputs, type PhysicalPlan } from "../plan/physical.js";

function exprsOf(p: PhysicalPlan): ScalarExpr[] {
  const out: ScalarExpr[] = [];
  const add = (e: ScalarExpr | undefined) => {
    if (e) out.push(e);
  };
  switch (p.kind) {
    case "scan":
      add(p.filter);
      add(p.limit);
      for (const r of p.ranges ?? []) {
        out.push(...r.eq);
        add(r.lower?.expr);
        add(r.upper?.expr);
      }
      break;
    case "vector search":
      add(p.query);
      add(p.k);
      add(p.filter);
      break;
    case "values":
      out.push(...p.rows.flat());
      break;
    case "function scan":
      out.push(...p.args);
      break;
    case "filter":
      add(p.predicate);
      break;
    case "project":
      out.push(...p.exprs);
      break;
    case "nested loop join":
      add(p.on);
      break;
    case "hash join":
    case "merge join":
      out.push(...p.leftKeys, ...p.rightKeys);
      add(p.residual);
      break;
    case "hash aggregate":
    case "sort aggregate":
      out.push(...p.groupBy);
      for (const a of p.aggregates) {
        out.push(...a.args);
        add(a.filter);
        for (const k of a.orderBy ?? []) out.push(k.expr);
      }
      break;
    case "window":
      for (const w of p.windows) {
        out.push(...w.args, ...w.partitionBy, ...w.orderBy.map((k) => k.expr));
        add(w.filter);
        for (const b of w.frame ? [w.frame.start, w.frame.end] : []) if ("offset" in b) add(b.offset);
      }
      break;
    case "sort":
      out.push(...p.keys.map((k) => k.expr));
      add(p.limit);
      break;
    case "limit":
      add(p.limit);
      add(p.offset);
      break;
    case "distinct":
      out.push(...(p.on ?? []));
      break;
    default:
      break;
  }
  return out;
}

function produced(p: PhysicalPlan, into: Set<ColumnId>): void {
  for (const c of p.columns) into.add(c.id);
  if ((p.kind === "scan" || p.kind === "vector search") && p.rowId) into.add(p.rowId.id);
  if (p.kind === "hash aggregate" || p.kind === "sort aggregate") for (const a of p.aggregates) into.add(a.id);
  if (p.kind === "window") for (const w of p.windows) into.add(w.id);
  for (const i of physicalInputs(p)) produced(i, into);
}

const cache = new WeakMap<PhysicalPlan, Set<ColumnId>>();

export function freeColumnsOfPhysical(p: PhysicalPlan): Set<ColumnId> {
  let s = cache.get(p);
  if (s) return s;
  const read = new Set<ColumnId>();
  const visit = (q: PhysicalPlan) => {
    for (const e of exprsOf(q)) columnsOf(e, read);
    for (const i of physicalInputs(q)) visit(i);
  };
  visit(p);
  const prod = new Set<ColumnId>();
  produced(p, prod);
  for (const id of prod) read.delete(id);
  cache.set(p, (s = read));
  return s;
}
