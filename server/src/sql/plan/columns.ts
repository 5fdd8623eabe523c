/** Column-id bookkeeping over plans: which ids a plan produces and which it reads from outside. */
import { columnsOf, type ColumnId, type ScalarExpr } from "./expr.js";
import { inputsOf, type LogicalPlan } from "./logical.js";

/** Every expression held directly by a node (not its inputs'). */
export function nodeExprs(p: LogicalPlan): ScalarExpr[] {
  switch (p.kind) {
    case "filter":
      return [p.predicate];
    case "project":
      return [...p.exprs];
    case "join":
      return p.on ? [p.on] : [];
    case "values":
      return p.rows.flat();
    case "function scan":
      return [...p.args];
    case "aggregate":
      return [...p.groupBy, ...p.aggregates.flatMap((a) => [...a.args, ...(a.filter ? [a.filter] : []), ...(a.orderBy ?? []).map((k) => k.expr)])];
    case "window":
      return p.windows.flatMap((w) => [
        ...w.args,
        ...(w.filter ? [w.filter] : []),
        ...w.partitionBy,
        ...w.orderBy.map((k) => k.expr),
        ...(w.frame ? [w.frame.start, w.frame.end].flatMap((b) => ("offset" in b ? [b.offset] : [])) : []),
      ]);
    case "sort":
      return p.keys.map((k) => k.expr);
    case "limit":
      return [...(p.limit ? [p.limit] : []), ...(p.offset ? [p.offset] : [])];
    case "distinct":
      return [...(p.on ?? [])];
    case "insert":
      return [
        ...(p.onConflict?.assignments ?? []).map((a) => a.expr),
        ...(p.onConflict?.where ? [p.onConflict.where] : []),
        ...p.checks.map((c) => c.expr),
        ...(p.returning ?? []),
      ];
    case "update":
      return [...p.assignments.map((a) => a.expr), ...p.checks.map((c) => c.expr), ...(p.returning ?? [])];
    case "delete":
      return [...(p.returning ?? [])];
    default:
      return [];
  }
}

/** Ids some node of the plan produces (its own columns and those of everything below). */
export function producedColumns(p: LogicalPlan, into: Set<ColumnId> = new Set()): Set<ColumnId> {
  for (const c of p.columns) into.add(c.id);
  if (p.kind === "scan" && p.rowId) into.add(p.rowId.id);
  if (p.kind === "insert" && p.onConflict) {
    for (const c of p.onConflict.existingColumns ?? []) into.add(c.id);
    for (const c of p.onConflict.excludedColumns ?? []) into.add(c.id);
  }
  if (p.kind === "insert" || p.kind === "update") for (const c of p.rowColumns) into.add(c.id);
  if (p.kind === "update" || p.kind === "delete") for (const c of p.tableColumns) into.add(c.id);
  if (p.kind === "aggregate") for (const a of p.aggregates) into.add(a.id);
  if (p.kind === "window") for (const w of p.windows) into.add(w.id);
  for (const i of inputsOf(p)) producedColumns(i, into);
  return into;
}

/** Ids the plan reads that no node in it produces: references to an enclosing query's row. */
export function freeColumns(p: LogicalPlan): Set<ColumnId> {
  const read = new Set<ColumnId>();
  const visit = (q: LogicalPlan) => {
    for (const e of nodeExprs(q)) columnsOf(e, read);
    for (const i of inputsOf(q)) visit(i);
  };
  visit(p);
  const produced = producedColumns(p);
  for (const id of produced) read.delete(id);
  return read;
}
