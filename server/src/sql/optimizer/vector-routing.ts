/**
 * Vector routing: whether `ORDER BY <vector column> <op> <query> LIMIT k` over one table (with
 * or without WHERE conditions) reads the table through an HNSW index or exactly.
 *
 * The shape it recognises is what the analyzer builds for such a query:
 *
 *   limit (k; OFFSET only as a constant)
 *     sort (one key, ascending, NULLS LAST: the distance, or a project column holding it)
 *       [project]
 *         [filter] scan (no row locks)
 *
 * where the distance is `<->`, `<=>` or `<#>` between a vector column and an expression that
 * does not read the scanned row (a constant, a parameter), and the table has an hnsw index on
 * the column whose operator class is that operator's metric (a mismatch cannot serve it).
 *
 * The choice, by cost: the exact plan (scan + top-n sort) as the planner costed it, against an
 * HNSW search that fetches k / selectivity candidates and reads each one's row. A filter so
 * selective that the search would need more than MAX_HNSW_CANDIDATES goes exact: HNSW would
 * mostly return rows the filter drops. Selectivity comes from table statistics when there are
 * some, else from PostgreSQL's default selectivities. The vector search operator still falls
 * back to the exact scan at run time whenever it finds fewer than k rows.
 */
import { type Index, type Table, vectorIndexShape } from "../catalog/index.js";
import { andAll, type ColumnId, columnsOf, conjuncts, hasSubquery, isVolatile, type ScalarExpr } from "../plan/expr.js";
import type { LogicalPlan, OutputColumn } from "../plan/logical.js";
import { type Estimate, MAX_HNSW_CANDIDATES, type PhysicalPlan } from "../plan/physical.js";
import { compareValues, type SqlType, type SqlValue } from "../types/index.js";
import { OPERATOR_METRIC, type VectorDistanceOperator } from "../../vector/distance.js";
import { DEFAULT_EQ_SELECTIVITY, DEFAULT_RANGE_SELECTIVITY, tableRowCount, type StatsSource, type TableStats } from "./stats.js";

type Limit = Extract<LogicalPlan, { kind: "limit" }>;
type Scan = Extract<LogicalPlan, { kind: "scan" }>;

export interface VectorRoutingOptions {
  readonly indexes: (tableId: number) => readonly Index[];
  readonly stats: StatsSource;
}

/** Cost units of one row read by key, and of the graph search (the planner's scale: a sequential row read is 1). */
const RANDOM_READ = 4;
const GRAPH_SEARCH_COST = 20;
const CPU_PER_ROW = 0.01;
/** Selectivities are clamped here, so k / selectivity stays finite. */
const MIN_SELECTIVITY = 1e-6;

/** A recognised top-k query. */
interface VectorTopK {
  readonly scan: Scan;
  readonly conditions: readonly ScalarExpr[];
  readonly index: Index;
  readonly query: ScalarExpr;
  readonly k: ScalarExpr;
  /** k as a number when it is a constant (for estimates). */
  readonly kValue: number | undefined;
  /** The project between sort and scan, and which of its expressions is the ORDER BY distance. */
  readonly project?: { readonly node: Extract<LogicalPlan, { kind: "project" }>; readonly distanceAt: number };
}

/**
 * `planned` (the planner's physical plan for `limit`) with the table read replaced by a vector
 * search when that is the cheaper route; otherwise `planned` itself.
 */
export function routeVectorSearch(limit: Limit, planned: PhysicalPlan, options: VectorRoutingOptions): PhysicalPlan {
  const match = matchTopK(limit, options.indexes);
  if (!match) return planned;
  const path = physicalPath(planned);
  if (!path) return planned;
  const stats = options.stats.tableStats(match.scan.table);
  const rows = tableRowCount(options.stats, match.scan.table);
  const filter = andAll(match.conditions);
  const selectivity = filter ? Math.max(MIN_SELECTIVITY, Math.min(1, selectivityOf(filter, match.scan, stats))) : 1;
  const k = match.kValue ?? 10;
  const candidates = filter ? k / selectivity : k;
  if (candidates > Math.max(k, MAX_HNSW_CANDIDATES)) return planned;
  const fetched = Math.min(rows, Math.ceil(candidates));
  const est = blocking(planned.est, Math.min(k, rows * selectivity), GRAPH_SEARCH_COST + Math.log2(rows + 1) + fetched * (RANDOM_READ + CPU_PER_ROW));
  if (est.cost >= planned.est.cost) return planned;
  const reuse = reuseDistance(match, filter);
  const search: PhysicalPlan = {
    kind: "vector search",
    table: match.scan.table,
    alias: match.scan.alias,
    index: match.index,
    query: match.query,
    k: match.k,
    ...(filter && { filter }),
    selectivity,
    columns: reuse ? [...match.scan.columns, reuse.distance] : match.scan.columns,
    ...(match.scan.rowId && { rowId: match.scan.rowId }),
    ...(reuse && { distance: reuse.distance, keyOnly: reuse.keyOnly }),
    est,
  };
  return rebuild(path, search, reuse?.exprs);
}

/**
 * With a project between sort and scan (what the analyzer builds), the search hands the
 * distance it found to the project as a column, in place of the ORDER BY expression; and when
 * the project then reads nothing but primary key columns (`SELECT id ... ORDER BY v <-> $1`)
 * and there is no filter, the rows need not be read at all.
 */
function reuseDistance(match: VectorTopK, filter: ScalarExpr | undefined): { distance: OutputColumn; exprs: ScalarExpr[]; keyOnly: boolean } | undefined {
  if (!match.project) return undefined;
  const { node, distanceAt } = match.project;
  const distance = node.columns[distanceAt]!;
  const exprs = node.exprs.map((e, i): ScalarExpr => (i === distanceAt ? { kind: "column", id: distance.id, name: distance.name, type: e.type } : e));
  const table = match.scan.table;
  const keyIds = new Set(table.primaryKey.map((id) => match.scan.columns[table.columns.findIndex((c) => c.id === id)]!.id));
  const scanIds = new Set(match.scan.columns.map((c) => c.id));
  const keyOnly = !filter && exprs.every((e) => !hasSubquery(e) && [...columnsOf(e)].every((id) => !scanIds.has(id) || keyIds.has(id)));
  return { distance, exprs, keyOnly };
}

/**
 * An estimate for a node that does all its work before its first row (the search happens in
 * open(); the sort and limit above it then hold k rows), so any startup cost is the whole cost.
 */
function blocking(base: Estimate, rows: number, cost: number): Estimate {
  return { ...base, rows, cost, ...("startup" in base && { startup: cost }) };
}

/** The physical nodes from the limit down to the table read: limit, sort, [project], scan. */
function physicalPath(p: PhysicalPlan): PhysicalPlan[] | undefined {
  const path: PhysicalPlan[] = [p];
  let at = p;
  for (;;) {
    if (at.kind === "scan") return path;
    if (at.kind !== "limit" && at.kind !== "sort" && at.kind !== "project") return undefined;
    at = at.input;
    path.push(at);
  }
}

/**
 * The path with its last node replaced and the sort dropped, each node above re-estimated for
 * the fewer rows; the project right above the leaf gets `projectExprs` when given.
 */
function rebuild(path: readonly PhysicalPlan[], leaf: PhysicalPlan, projectExprs?: readonly ScalarExpr[]): PhysicalPlan {
  let below = leaf;
  for (let i = path.length - 2; i >= 0; i--) {
    const node = path[i]!;
    const est = blocking(node.est, Math.min(node.est.rows, below.est.rows), below.est.cost + below.est.rows * CPU_PER_ROW);
    // The search returns rows in the sort's order (distance ascending, NaN then NULL last, ties
    // in key order as the stable sort over a scan leaves them), so the sort has nothing to do.
    if (node.kind === "sort") continue;
    if (node.kind === "project" && i === path.length - 2 && projectExprs) below = { ...node, exprs: projectExprs, input: below, est };
    else below = { ...(node as Extract<PhysicalPlan, { kind: "limit" | "project" }>), input: below, est };
  }
  return below;
}

function matchTopK(limit: Limit, indexesOf: (tableId: number) => readonly Index[]): VectorTopK | undefined {
  const k = limitOf(limit);
  if (!k) return undefined;
  const sort = limit.input;
  if (sort.kind !== "sort" || sort.keys.length !== 1) return undefined;
  const key = sort.keys[0]!;
  if (key.desc || key.nullsFirst) return undefined;
  let below = sort.input;
  let distance = key.expr;
  let project: VectorTopK["project"];
  if (below.kind === "project") {
    const node = below;
    if (distance.kind === "column") {
      const at = node.columns.findIndex((c) => c.id === (distance as { id: ColumnId }).id);
      if (at >= 0) {
        distance = node.exprs[at]!;
        project = { node, distanceAt: at };
      }
    }
    below = node.input;
  }
  const conditions = below.kind === "filter" ? conjuncts(below.predicate) : [];
  const scan = below.kind === "filter" ? below.input : below;
  if (scan.kind !== "scan" || scan.lock) return undefined;
  const d = distanceOf(distance, scan);
  if (!d) return undefined;
  if (conditions.some((c) => hasSubquery(c) || isVolatile(c))) return undefined;
  const index = indexesOf(scan.table.id).find((ix) => servesDistance(ix, scan.table, d.tableColumnId, OPERATOR_METRIC[d.operator]));
  if (!index) return undefined;
  return { scan, conditions, index, query: d.query, ...k, ...(project && { project }) };
}

/** k = LIMIT (+ OFFSET): a constant or a parameter, with a constant OFFSET only. */
function limitOf(limit: Limit): { k: ScalarExpr; kValue: number | undefined } | undefined {
  const l = limit.limit;
  if (!l || (l.kind !== "const" && l.kind !== "param")) return undefined;
  if (l.kind === "const" && (l.value === null || Number(l.value) < 0)) return undefined;
  const lv = l.kind === "const" ? Number(l.value) : undefined;
  const o = limit.offset;
  if (!o) return { k: l, kValue: lv };
  if (o.kind !== "const" || l.kind !== "const" || o.value === null || Number(o.value) < 0) return undefined;
  const total = Number(l.value) + Number(o.value);
  return { k: { kind: "const", type: l.type, value: BigInt(total) }, kValue: total };
}

/** `col <op> query` or `query <op> col` (every distance operator is symmetric). */
function distanceOf(e: ScalarExpr, scan: Scan): { tableColumnId: number; operator: VectorDistanceOperator; query: ScalarExpr } | undefined {
  if (e.kind !== "call" || !e.operator || e.args.length !== 2 || !(e.name in OPERATOR_METRIC)) return undefined;
  if (e.args.some((a) => a.type.kind !== "vector")) return undefined;
  const scanIds = new Set(scan.columns.map((c) => c.id));
  if (scan.rowId) scanIds.add(scan.rowId.id);
  const free = (x: ScalarExpr) => !isVolatile(x) && !hasSubquery(x) && [...columnsOf(x)].every((id) => !scanIds.has(id));
  for (const [col, query] of [e.args, [...e.args].reverse()] as [ScalarExpr, ScalarExpr][]) {
    const c = stripCast(col);
    if (c.kind !== "column" || !free(query)) continue;
    const at = scan.columns.findIndex((x) => x.id === c.id);
    if (at < 0) continue;
    return { tableColumnId: scan.table.columns[at]!.id, operator: e.name as VectorDistanceOperator, query };
  }
  return undefined;
}

/** Implicit casts between vector types (vector(3) to vector) change nothing a search sees. */
function stripCast(e: ScalarExpr): ScalarExpr {
  return e.kind === "cast" && !e.explicit && e.input.type.kind === "vector" ? stripCast(e.input) : e;
}

function servesDistance(ix: Index, table: Table, tableColumnId: number, metric: string): boolean {
  if (ix.method !== "hnsw" || ix.columns[0]?.columnId !== tableColumnId) return false;
  return vectorIndexShape(ix, table).spec.metric === metric;
}

// ---- selectivity -----------------------------------------------------------------------------

/** The estimated fraction of the scan's rows that pass `e`. */
export function selectivityOf(e: ScalarExpr, scan: Scan, stats: TableStats | undefined): number {
  const columnStats = (x: ScalarExpr) => {
    if (x.kind !== "column" || !stats) return undefined;
    const at = scan.columns.findIndex((c) => c.id === x.id);
    return at < 0 ? undefined : stats.columns.get(scan.table.columns[at]!.id);
  };
  switch (e.kind) {
    case "and":
      return e.args.reduce((s, a) => s * selectivityOf(a, scan, stats), 1);
    case "or":
      return Math.min(1, e.args.reduce((s, a) => s + selectivityOf(a, scan, stats), 0));
    case "not":
      return 1 - selectivityOf(e.input, scan, stats);
    case "is": {
      const nulls = columnStats(e.input)?.nullFraction;
      if (e.test === "null") return nulls ?? DEFAULT_EQ_SELECTIVITY;
      if (e.test === "not null") return 1 - (nulls ?? DEFAULT_EQ_SELECTIVITY);
      return DEFAULT_RANGE_SELECTIVITY;
    }
    case "in list": {
      const s = columnStats(e.input);
      const one = s && s.distinct > 0 ? (1 - s.nullFraction) / s.distinct : DEFAULT_EQ_SELECTIVITY;
      const all = Math.min(1, one * e.list.length);
      return e.negated ? 1 - all : all;
    }
    case "call":
      return comparisonSelectivity(e, columnStats);
    default:
      return DEFAULT_RANGE_SELECTIVITY;
  }
}

type ColumnStatsOf = (x: ScalarExpr) => { distinct: number; nullFraction: number; histogram: readonly SqlValue[] } | undefined;

function comparisonSelectivity(e: Extract<ScalarExpr, { kind: "call" }>, columnStats: ColumnStatsOf): number {
  const op = e.name;
  if (!e.operator || e.args.length !== 2 || !["=", "<>", "<", "<=", ">", ">="].includes(op)) return DEFAULT_RANGE_SELECTIVITY;
  const [l, r] = e.args as [ScalarExpr, ScalarExpr];
  const [col, other, flipped] = l.kind === "column" ? [l, r, false] : [r, l, true];
  const s = columnStats(col);
  if (op === "=" || op === "<>") {
    const eq = s && s.distinct > 0 ? (1 - s.nullFraction) / s.distinct : DEFAULT_EQ_SELECTIVITY;
    return op === "=" ? eq : 1 - eq;
  }
  if (!s || s.histogram.length < 2 || other.kind !== "const" || other.value === null || other.type.kind !== col.type.kind) return DEFAULT_RANGE_SELECTIVITY;
  const below = fractionBelow(s.histogram, other.value, col.type);
  const less = op === "<" || op === "<=";
  return (1 - s.nullFraction) * (less !== flipped ? below : 1 - below);
}

/** Of an equi-depth histogram's bounds, the fraction below `v`. */
function fractionBelow(bounds: readonly SqlValue[], v: SqlValue, type: SqlType): number {
  let n = 0;
  for (const b of bounds) if (b !== null && compareValues(b, v!, type) < 0) n++;
  return n / bounds.length;
}
