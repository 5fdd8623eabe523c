/**
 * EXPLAIN output: the physical plan as an indented tree in PostgreSQL's style, with the
 * optimizer's estimates (and, for EXPLAIN ANALYZE, what each node actually did).
 */
import { formatText, formatType } from "../types/index.js";
import type { ScalarExpr } from "./expr.js";
import { type PhysicalPlan } from "./physical.js";

export interface ExplainOptions {
  readonly costs: boolean;
  /** EXPLAIN ANALYZE: actual rows, loops and time per node. */
  readonly actual?: ReadonlyMap<PhysicalPlan, { rows: number; loops: number; timeMs: number }>;
  /** Leave out times (for stable test output). */
  readonly timing?: boolean;
}

export function explainPlan(p: PhysicalPlan, options: ExplainOptions): string[] {
  const lines: string[] = [];
  node(p, 0, true, options, lines);
  return lines;
}

function node(p: PhysicalPlan, depth: number, first: boolean, o: ExplainOptions, out: string[]): void {
  const pad = " ".repeat(Math.max(0, depth * 6 - 6));
  const arrow = depth === 0 ? "" : "->  ";
  let line = `${pad}${arrow}${title(p)}`;
  if (o.costs) line += `  (cost=${p.est.cost.toFixed(2)} rows=${Math.max(1, Math.round(p.est.rows))})`;
  const a = o.actual?.get(p);
  if (o.actual) {
    line += a ? ` (actual${o.timing === false ? "" : ` time=${a.timeMs.toFixed(3)}`} rows=${Math.round(a.rows / Math.max(1, a.loops))} loops=${a.loops})` : " (never executed)";
  }
  out.push(line);
  const detailPad = " ".repeat(depth === 0 ? 2 : depth * 6);
  for (const d of details(p)) out.push(`${detailPad}${d}`);
  for (const c of children(p)) node(c, depth + 1, false, o, out);
  void first;
}

function children(p: PhysicalPlan): PhysicalPlan[] {
  switch (p.kind) {
    case "scan":
    case "vector search":
    case "values":
    case "cte scan":
    case "worktable scan":
      return [];
    case "nested loop join":
    case "hash join":
    case "merge join":
    case "setop":
      return [p.left, p.right];
    case "with":
      return [...p.ctes.flatMap((c) => (c.recursive ? [c.plan, c.recursive.term] : [c.plan])), p.body];
    case "insert":
      return [p.source];
    default:
      return [p.input];
  }
}

/** The distance operator each hnsw operator class orders by. */
const VECTOR_OPCLASS_OPERATOR: Readonly<Record<string, string>> = { vector_l2_ops: "<->", vector_cosine_ops: "<=>", vector_ip_ops: "<#>" };

const JOIN_NAMES: Record<string, string> = { inner: "", left: "Left ", right: "Right ", full: "Full ", semi: "Semi ", anti: "Anti " };

function title(p: PhysicalPlan): string {
  switch (p.kind) {
    case "scan": {
      const on = p.alias !== p.table.name ? `${p.table.name} ${p.alias}` : p.table.name;
      if (p.point) return `Point Lookup on ${on}`;
      if (p.index) return `Index Scan using ${p.index.name} on ${on}`;
      if (p.ranges) return `Primary Key Range Scan on ${on}`;
      return `Seq Scan on ${on}`;
    }
    case "vector search":
      return `Vector Search using ${p.index.name} on ${p.table.name}`;
    case "values":
      return "Values Scan";
    case "filter":
      return "Filter";
    case "project":
      return "Project";
    case "nested loop join":
      return `Nested Loop ${JOIN_NAMES[p.type]}Join`.replace("  ", " ").replace("Loop Join", "Loop").trim() + (p.type === "inner" ? "" : "");
    case "hash join":
      return `Hash ${JOIN_NAMES[p.type]}Join`;
    case "merge join":
      return `Merge ${JOIN_NAMES[p.type]}Join`;
    case "hash aggregate":
      return p.groupBy.length ? "HashAggregate" : "Aggregate";
    case "sort aggregate":
      return "GroupAggregate";
    case "window":
      return "WindowAgg";
    case "sort":
      return p.limit ? "Top-N Sort" : "Sort";
    case "limit":
      return "Limit";
    case "distinct":
      return p.on ? "Unique" : "HashDistinct";
    case "setop":
      return p.op === "union" ? (p.all ? "Append" : "HashUnion") : `HashSetOp ${p.op === "intersect" ? "Intersect" : "Except"}${p.all ? " All" : ""}`;
    case "cte scan":
      return `CTE Scan on ${p.name}`;
    case "worktable scan":
      return `WorkTable Scan on ${p.name}`;
    case "with":
      return p.ctes.some((c) => c.recursive) ? "Recursive Union" : "CTE";
    case "insert":
      return `Insert on ${p.table.name}`;
    case "update":
      return `Update on ${p.table.name}`;
    case "delete":
      return `Delete on ${p.table.name}`;
  }
}

function details(p: PhysicalPlan): string[] {
  const d: string[] = [];
  switch (p.kind) {
    case "scan":
      for (const r of p.ranges ?? []) {
        const parts = [...r.eq.map((e, i) => `k${i + 1} = ${formatExpr(e)}`)];
        if (r.lower) parts.push(`k${r.eq.length + 1} ${r.lower.inclusive ? ">=" : ">"} ${formatExpr(r.lower.expr)}`);
        if (r.upper) parts.push(`k${r.eq.length + 1} ${r.upper.inclusive ? "<=" : "<"} ${formatExpr(r.upper.expr)}`);
        d.push(`Index Cond: (${parts.join(" AND ")})`);
      }
      if (p.filter) d.push(`Filter: ${formatExpr(p.filter)}`);
      if (p.lock) d.push(`Lock: FOR ${p.lock.toUpperCase()}`);
      break;
    case "vector search": {
      const column = p.table.columns.find((c) => c.id === p.index.columns[0]?.columnId)?.name ?? "?";
      const op = VECTOR_OPCLASS_OPERATOR[String(p.index.options.opclass)] ?? "?";
      d.push(`Order By: (${column} ${op} ${formatExpr(p.query)})`, `Limit: ${formatExpr(p.k)}`);
      if (p.filter) {
        d.push(`Filter: ${formatExpr(p.filter)}`);
        d.push(`Candidates: Limit / ${p.selectivity.toPrecision(3)} (estimated selectivity), exact scan if fewer than Limit pass`);
      }
      break;
    }
    case "filter":
      d.push(`Filter: ${formatExpr(p.predicate)}`);
      break;
    case "nested loop join":
      if (p.on) d.push(`Join Filter: ${formatExpr(p.on)}`);
      break;
    case "hash join":
    case "merge join":
      d.push(`${p.kind === "hash join" ? "Hash" : "Merge"} Cond: (${p.leftKeys.map((k, i) => `${formatExpr(k)} = ${formatExpr(p.rightKeys[i]!)}`).join(" AND ")})`);
      if (p.residual) d.push(`Join Filter: ${formatExpr(p.residual)}`);
      break;
    case "hash aggregate":
    case "sort aggregate":
      if (p.groupBy.length) d.push(`Group Key: ${p.groupBy.map(formatExpr).join(", ")}`);
      break;
    case "sort":
      d.push(`Sort Key: ${p.keys.map((k) => formatExpr(k.expr) + (k.desc ? " DESC" : "") + (k.nullsFirst !== k.desc ? (k.nullsFirst ? " NULLS FIRST" : " NULLS LAST") : "")).join(", ")}`);
      break;
    default:
      break;
  }
  return d;
}

/** An expression as SQL-like text for EXPLAIN. */
export function formatExpr(e: ScalarExpr): string {
  switch (e.kind) {
    case "const":
      if (e.value === null) return "NULL";
      return typeof e.value === "number" || typeof e.value === "bigint" ? String(e.value) : `'${formatText(e.value, e.type.kind === "unknown" ? { kind: "text" } : e.type).replace(/'/g, "''")}'::${formatType(e.type)}`;
    case "param":
      return `$${e.index + 1}`;
    case "column":
      return e.name;
    case "call":
      if (e.operator) return e.args.length === 1 ? `(${e.name} ${formatExpr(e.args[0]!)})` : `(${formatExpr(e.args[0]!)} ${e.name} ${formatExpr(e.args[1]!)})`;
      return `${e.name}(${e.args.map(formatExpr).join(", ")})`;
    case "cast":
      return `(${formatExpr(e.input)})::${formatType(e.type)}`;
    case "and":
    case "or":
      return `(${e.args.map(formatExpr).join(e.kind === "and" ? " AND " : " OR ")})`;
    case "not":
      return `(NOT ${formatExpr(e.input)})`;
    case "is":
      return `(${formatExpr(e.input)} IS ${e.test.toUpperCase()})`;
    case "distinct from":
      return `(${formatExpr(e.left)} IS ${e.negated ? "NOT " : ""}DISTINCT FROM ${formatExpr(e.right)})`;
    case "case":
      return `CASE ${e.whens.map((w) => `WHEN ${formatExpr(w.when)} THEN ${formatExpr(w.then)}`).join(" ")} ELSE ${formatExpr(e.else)} END`;
    case "coalesce":
    case "greatest":
    case "least":
      return `${e.kind.toUpperCase()}(${e.args.map(formatExpr).join(", ")})`;
    case "nullif":
      return `NULLIF(${formatExpr(e.left)}, ${formatExpr(e.right)})`;
    case "in list":
      return `(${formatExpr(e.input)} ${e.negated ? "NOT IN" : "IN"} (${e.list.map(formatExpr).join(", ")}))`;
    case "subquery":
      return e.mode === "exists" ? "(EXISTS (SubPlan))" : e.mode === "scalar" ? "(SubPlan)" : `(${formatExpr(e.input!)} ${e.compareName} ${e.mode.toUpperCase()} (SubPlan))`;
  }
}
