/**
 * EXPLAIN output: the physical plan as an indented tree in PostgreSQL's style, with the
 * optimizer's estimates (and, for EXPLAIN ANALYZE, what each node actually did).
 */
import { formatText, formatType } from "../types/index.js";
import type { ColumnId, ScalarExpr } from "./expr.js";
import { type KeyRange, physicalInputs, type PhysicalPlan } from "./physical.js";

export interface ExplainOptions {
  readonly costs: boolean;
  /** EXPLAIN ANALYZE: actual rows, loops and time per node. */
  readonly actual?: ReadonlyMap<PhysicalPlan, { rows: number; loops: number; timeMs: number }>;
  /** Leave out times (for stable test output). */
  readonly timing?: boolean;
}

/** Column names as EXPLAIN prints them: qualified by their relation when the plan reads several. */
type Names = ReadonlyMap<ColumnId, string>;

/**
 * The plan as EXPLAIN's lines. Projections are left out (PostgreSQL folds them into the node
 * below); a hash join's build side is shown under a Hash node, as PostgreSQL shows it.
 */
export function explainPlan(p: PhysicalPlan, options: ExplainOptions): string[] {
  const lines: string[] = [];
  node(p, 0, options, namesOf(p), lines);
  return lines;
}

function namesOf(root: PhysicalPlan): Names {
  const relations: { label: string; columns: readonly { id: ColumnId; name: string }[] }[] = [];
  const visit = (p: PhysicalPlan) => {
    if (p.kind === "scan" || p.kind === "vector search") relations.push({ label: p.alias, columns: [...p.columns, ...(p.rowId ? [p.rowId] : [])] });
    if (p.kind === "cte scan" || p.kind === "worktable scan") relations.push({ label: p.name, columns: p.columns });
    if (p.kind === "function scan") relations.push({ label: p.alias, columns: p.columns });
    for (const c of physicalInputs(p)) visit(c);
  };
  visit(root);
  // As PostgreSQL: names are qualified once the plan reads more than one relation.
  const qualify = relations.length > 1;
  const names = new Map<ColumnId, string>();
  for (const r of relations) for (const c of r.columns) names.set(c.id, qualify ? `${r.label}.${c.name}` : c.name);
  return names;
}

function costs(p: PhysicalPlan): string {
  return `(cost=${(p.est.startup ?? 0).toFixed(2)}..${p.est.cost.toFixed(2)} rows=${Math.max(1, Math.round(p.est.rows))})`;
}

function actual(p: PhysicalPlan, o: ExplainOptions): string {
  if (!o.actual) return "";
  const a = o.actual.get(p);
  return a ? ` (actual${o.timing === false ? "" : ` time=${a.timeMs.toFixed(3)}`} rows=${Math.round(a.rows / Math.max(1, a.loops))} loops=${a.loops})` : " (never executed)";
}

function node(p: PhysicalPlan, depth: number, o: ExplainOptions, names: Names, out: string[]): void {
  if (p.kind === "project") {
    node(p.input, depth, o, names, out);
    return;
  }
  const pad = depth === 0 ? "" : `${" ".repeat(depth * 6 - 4)}->  `;
  out.push(`${pad}${title(p)}${o.costs ? `  ${costs(p)}` : ""}${actual(p, o)}`);
  const detailPad = " ".repeat(depth === 0 ? 2 : depth * 6 + 2);
  for (const d of details(p, names)) out.push(`${detailPad}${d}`);
  const kids = physicalInputs(p);
  kids.forEach((c, i) => {
    if (p.kind === "hash join" && i === 1) {
      // The build side, as PostgreSQL shows it: a Hash node holding the right input.
      const hash = `${" ".repeat((depth + 1) * 6 - 4)}->  Hash`;
      out.push(`${hash}${o.costs ? `  (cost=${c.est.cost.toFixed(2)}..${c.est.cost.toFixed(2)} rows=${Math.max(1, Math.round(c.est.rows))})` : ""}${actual(c, o)}`);
      node(c, depth + 2, o, names, out);
      return;
    }
    node(c, depth + 1, o, names, out);
  });
}


/** The distance operator each hnsw operator class orders by. */
const VECTOR_OPCLASS_OPERATOR: Readonly<Record<string, string>> = { vector_l2_ops: "<->", vector_cosine_ops: "<=>", vector_ip_ops: "<#>" };

const JOIN_NAMES: Record<string, string> = { inner: "", left: "Left ", right: "Right ", full: "Full ", semi: "Semi ", anti: "Anti " };

function title(p: PhysicalPlan): string {
  switch (p.kind) {
    case "scan": {
      const on = p.alias !== p.table.name ? `${p.table.name} ${p.alias}` : p.table.name;
      const backward = p.reverse ? " Backward" : "";
      if (p.point) return `Point Lookup${backward} on ${on}`;
      if (p.index) return `Index Scan${backward} using ${p.index.name} on ${on}`;
      if (p.ranges) return `Primary Key Scan${backward} on ${on}`;
      return `Seq Scan${backward} on ${on}`;
    }
    case "vector search":
      return `Vector Search using ${p.index.name} on ${p.table.name}`;
    case "values":
      return p.columns.length === 0 && p.rows.length === 1 ? "Result" : 'Values Scan on "*VALUES*"';
    case "filter":
      return "Filter";
    case "project":
      return "Project";
    case "nested loop join":
      return p.type === "inner" ? "Nested Loop" : `Nested Loop ${JOIN_NAMES[p.type]}Join`;
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
    case "function scan":
      return `Function Scan on ${p.fn.name}${p.alias !== p.fn.name ? ` ${p.alias}` : ""}`;
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

function details(p: PhysicalPlan, names: Names): string[] {
  const f = (e: ScalarExpr) => formatExpr(e, names);
  const d: string[] = [];
  switch (p.kind) {
    case "scan":
      if (p.ranges && p.ranges.length > 0) d.push(`Index Cond: ${rangeConditions(p, names)}`);
      if (p.filter) d.push(`Filter: ${f(p.filter)}`);
      if (p.limit) d.push(`Limit: ${f(p.limit)}`);
      if (p.lock) d.push(`Lock: FOR ${p.lock.toUpperCase()}${p.lockWait ? ` ${p.lockWait.toUpperCase()}` : ""}`);
      break;
    case "vector search": {
      const column = p.table.columns.find((c) => c.id === p.index.columns[0]?.columnId)?.name ?? "?";
      const op = VECTOR_OPCLASS_OPERATOR[String(p.index.options.opclass)] ?? "?";
      d.push(`Order By: (${column} ${op} ${f(p.query)})`, `Limit: ${f(p.k)}`);
      if (p.keyOnly) d.push("Rows: not read (only the primary key is used)");
      if (p.filter) {
        d.push(`Filter: ${f(p.filter)}`);
        d.push(`Candidates: Limit / ${p.selectivity.toPrecision(3)} (estimated selectivity), exact scan if fewer than Limit pass`);
      }
      break;
    }
    case "filter":
      d.push(`Filter: ${f(p.predicate)}`);
      break;
    case "nested loop join":
      if (p.on) d.push(`Join Filter: ${f(p.on)}`);
      break;
    case "hash join":
    case "merge join":
      d.push(`${p.kind === "hash join" ? "Hash" : "Merge"} Cond: ${conjunction(p.leftKeys.map((k, i) => `(${f(k)} = ${f(p.rightKeys[i]!)})`))}`);
      if (p.residual) d.push(`Join Filter: ${f(p.residual)}`);
      break;
    case "hash aggregate":
    case "sort aggregate":
      if (p.groupBy.length) d.push(`Group Key: ${p.groupBy.map(f).join(", ")}`);
      break;
    case "sort":
      d.push(`Sort Key: ${p.keys.map((k) => f(k.expr) + (k.desc ? " DESC" : "") + (k.nullsFirst !== k.desc ? (k.nullsFirst ? " NULLS FIRST" : " NULLS LAST") : "")).join(", ")}`);
      if (p.limit) d.push(`Limit: ${f(p.limit)}`);
      break;
    case "distinct":
      if (p.on) d.push(`Distinct On: ${p.on.map(f).join(", ")}`);
      break;
    default:
      break;
  }
  return d;
}

/** `(a)`, or `((a) AND (b))` for several, as PostgreSQL prints an implicit AND. */
function conjunction(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(" AND ")})`;
}

/** The names of a scan's key columns (index columns, then the primary key). */
function keyNames(p: Extract<PhysicalPlan, { kind: "scan" }>, names: Names): string[] {
  const pk = p.table.primaryKey.length > 0 ? p.table.primaryKey : [];
  const ids = p.index ? [...p.index.columns.map((c) => c.columnId), ...pk.filter((id) => !p.index!.columns.some((c) => c.columnId === id))] : pk;
  const out = ids.map((id) => {
    const pos = p.table.columns.findIndex((c) => c.id === id);
    const col = p.columns[pos];
    return col ? (names.get(col.id) ?? col.name) : (p.table.columns[pos]?.name ?? "?");
  });
  if (!p.index && pk.length === 0) out.push(p.rowId ? (names.get(p.rowId.id) ?? p.rowId.name) : "ctid");
  return out;
}

/**
 * A scan's key ranges as conditions on its key columns. IN lists (several ranges that differ
 * only in their last equality) read as `col = ANY (ARRAY[...])`, other range lists as ORs.
 */
function rangeConditions(p: Extract<PhysicalPlan, { kind: "scan" }>, names: Names): string {
  const keys = keyNames(p, names);
  const f = (e: ScalarExpr) => formatExpr(e, names);
  const one = (r: KeyRange): string[] => {
    const parts = r.eq.map((e, i) => `(${keys[i]} = ${f(e)})`);
    const at = keys[r.eq.length];
    if (r.lower) parts.push(`(${at} ${r.lower.inclusive ? ">=" : ">"} ${f(r.lower.expr)})`);
    if (r.upper) parts.push(`(${at} ${r.upper.inclusive ? "<=" : "<"} ${f(r.upper.expr)})`);
    return parts;
  };
  const ranges = p.ranges!;
  if (ranges.length === 1) return conjunction(one(ranges[0]!));
  const n = ranges[0]!.eq.length;
  const prefixOf = (r: KeyRange) => one({ eq: r.eq.slice(0, n - 1) });
  const prefix = prefixOf(ranges[0]!);
  const inList = n > 0 && ranges.every((r) => !r.lower && !r.upper && r.eq.length === n && prefixOf(r).join() === prefix.join());
  if (inList) return conjunction([...prefix, `(${keys[n - 1]} = ANY (ARRAY[${ranges.map((r) => f(r.eq[n - 1]!)).join(", ")}]))`]);
  return `(${ranges.map((r) => conjunction(one(r))).join(" OR ")})`;
}

/** Constant types EXPLAIN prints bare, as PostgreSQL does. */
const PLAIN_CONSTANTS = new Set(["int2", "int4", "int8", "numeric", "float8"]);

/** An expression as SQL-like text for EXPLAIN. */
export function formatExpr(e: ScalarExpr, names: Names = new Map()): string {
  const f = (x: ScalarExpr) => formatExpr(x, names);
  switch (e.kind) {
    case "const":
      if (e.value === null) return "NULL";
      if (PLAIN_CONSTANTS.has(e.type.kind)) return formatText(e.value, e.type);
      if (e.type.kind === "bool") return e.value ? "true" : "false";
      return `'${formatText(e.value, e.type.kind === "unknown" ? { kind: "text" } : e.type).replace(/'/g, "''")}'::${formatType(e.type)}`;
    case "param":
      return `$${e.index + 1}`;
    case "column":
      return names.get(e.id) ?? e.name;
    case "call":
      if (e.operator) return e.args.length === 1 ? `(${e.name} ${f(e.args[0]!)})` : `(${f(e.args[0]!)} ${e.name} ${f(e.args[1]!)})`;
      return `${e.name}(${e.args.map(f).join(", ")})`;
    case "cast":
      return `(${f(e.input)})::${formatType(e.type)}`;
    case "and":
    case "or":
      return `(${e.args.map(f).join(e.kind === "and" ? " AND " : " OR ")})`;
    case "not":
      return `(NOT ${f(e.input)})`;
    case "is":
      return `(${f(e.input)} IS ${e.test.toUpperCase()})`;
    case "distinct from":
      return `(${f(e.left)} IS ${e.negated ? "NOT " : ""}DISTINCT FROM ${f(e.right)})`;
    case "case":
      return `CASE ${e.whens.map((w) => `WHEN ${f(w.when)} THEN ${f(w.then)}`).join(" ")} ELSE ${f(e.else)} END`;
    case "coalesce":
    case "greatest":
    case "least":
      return `${e.kind.toUpperCase()}(${e.args.map(f).join(", ")})`;
    case "nullif":
      return `NULLIF(${f(e.left)}, ${f(e.right)})`;
    case "in list":
      return `(${f(e.input)} ${e.negated ? "NOT IN" : "IN"} (${e.list.map(f).join(", ")}))`;
    case "subquery":
      if (e.mode === "array") return "ARRAY(SubPlan)";
      return e.mode === "exists" ? "(EXISTS (SubPlan))" : e.mode === "scalar" ? "(SubPlan)" : `(${f(e.input!)} ${e.compareName} ${e.mode.toUpperCase()} (SubPlan))`;
  }
}
